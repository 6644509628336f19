"""Where each thing the bot sent could be read, and which incident details it carried.

A "place" is a channel ID for channel messages, topics and files, and ``user:<ID>`` for
what only one person sees (a DM, an ephemeral, a modal, their App Home). The scan reads
both the call log (every version of every message, view and topic the bot sent, not only
the last) and the workspace as it ends (replies through response URLs, files).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.incident.models import Incident
from tests.slack_api import FakeSlack

SKIPPED = {"conversations.create"}  # checked apart: the new channel must be private


@dataclass(frozen=True)
class Sent:
    source: str  # the method, or the state it was read from
    place: str
    content: str


def _dm_owner(slack: FakeSlack, channel: str) -> str | None:
    for user, dm in slack.workspace.dms.items():
        if dm == channel:
            return user
    return None


def place_of_channel(slack: FakeSlack, channel: str) -> str:
    if channel.startswith(("U", "W")):
        return f"user:{channel}"
    owner = _dm_owner(slack, channel)
    return f"user:{owner}" if owner else channel


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def sent_by_calls(slack: FakeSlack) -> Iterator[Sent]:
    ws = slack.workspace
    for call in slack.calls:
        params = call.params
        if call.method in SKIPPED or call.method == "response_url":
            continue  # response URL replies are read from the workspace below
        content = _text(params)
        if call.method == "chat.postEphemeral":
            yield Sent(call.method, f"user:{params.get('user')}", content)
        elif call.method in ("views.open", "views.push"):
            trigger = ws.triggers.get(str(params.get("trigger_id")))
            owner = trigger.user_id if trigger else "unknown"
            yield Sent(call.method, f"user:{owner}", content)
        elif call.method == "views.update":
            view_id = str(params.get("view_id") or (params.get("view") or {}).get("id"))
            yield Sent(call.method, f"user:{ws.view_owner.get(view_id, 'unknown')}", content)
        elif call.method == "views.publish":
            yield Sent(call.method, f"user:{params.get('user_id')}", content)
        elif params.get("channel") or params.get("channel_id"):
            channel = str(params.get("channel") or params.get("channel_id"))
            yield Sent(call.method, place_of_channel(slack, channel), content)
        elif params.get("files") or params.get("channels"):
            for channel in str(params.get("channels") or params.get("channel_id", "")).split(","):
                yield Sent(call.method, place_of_channel(slack, channel), content)
        else:
            yield Sent(call.method, "nowhere", content)  # reads and uploads carry no audience


def sent_in_workspace(slack: FakeSlack) -> Iterator[Sent]:
    ws = slack.workspace
    with ws.lock:
        for channel in ws.channels.values():
            for message in channel.by_ts.values():
                if message.user == ws.bot_user_id:
                    yield Sent(
                        "message", place_of_channel(slack, channel.id), _text(message.to_dict())
                    )
        for note in ws.ephemerals:
            yield Sent(f"ephemeral ({note.source})", f"user:{note.user}", _text(note.to_dict()))
        for view_id, view in ws.views.items():
            source = f"view {view.get('callback_id')}"
            yield Sent(source, f"user:{ws.view_owner.get(view_id)}", _text(view))
        for file in ws.files.values():
            content = (
                file.content.decode("utf-8", "replace") + file.title + (file.initial_comment or "")
            )
            yield Sent(
                f"file {file.filename}", place_of_channel(slack, file.channel or ""), content
            )


def details(incident: Incident) -> dict[str, str]:
    """What must stay inside the incident: its words, its reporter, its vector."""
    found = {
        "title": incident.title,
        "description": incident.description or "",
        "reporter name": incident.reporter_name or "",
        "reporter contact": incident.reporter_contact or "",
        "vector": incident.cvss_vector or "",
    }
    return {name: value for name, value in found.items() if len(value) >= 6}


def allowed_places(slack: FakeSlack, incident: Incident, triage: str) -> set[str]:
    members = set(slack.channel(incident.channel_id).members) if incident.channel_id else set()
    members.discard(slack.bot_user_id)
    return {incident.channel_id or "", triage} | {f"user:{m}" for m in members}


@dataclass(frozen=True)
class Leak:
    incident: str
    detail: str
    source: str
    place: str


def find_leaks(
    slack: FakeSlack,
    incidents: list[Incident],
    triage: str,
) -> tuple[list[Leak], int]:
    """Leaks, and how many sent things were read.

    A detail two incidents share (one reporter, two reports) may appear where either may
    be read; the person who filled in the report form sees it in their own form.
    """
    from bot.slack.blocks.disclose_modal import CALLBACK_ID

    sent = [*sent_by_calls(slack), *sent_in_workspace(slack)]
    where: dict[str, set[str]] = {}
    forms: dict[str, set[str]] = {}  # the reporters' own report forms
    for incident in incidents:
        for value in details(incident).values():
            where.setdefault(value, set()).update(allowed_places(slack, incident, triage))
            forms.setdefault(value, set()).add(f"user:{incident.opened_by}")
    leaks: list[Leak] = []
    for incident in incidents:
        for name, value in details(incident).items():
            for item in sent:
                if item.place in where[value]:
                    continue
                if item.source == f"view {CALLBACK_ID}" and item.place in forms[value]:
                    continue
                if value in item.content or _text(value)[1:-1] in item.content:
                    leaks.append(Leak(incident.human_id, name, item.source, item.place))
    return leaks, len(sent)
