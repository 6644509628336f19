"""Adding Slack messages to an incident's timeline: a 📌 reaction or the message shortcut.

The row keeps the message's own time and author. Edits and deletions of a captured
message arrive as `message_changed` / `message_deleted` events and update or mark the row.
Messages in an incident channel (threads too) and in the incident's triage thread count.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.incident import service as incidents
from bot.incident.models import Incident
from bot.services import Services
from bot.slack.gateway import SlackError
from bot.slack.middleware import asker_of, services_of

log = logging.getLogger(__name__)
REACTION = "pushpin"
SHORTCUT = "timeline_add"
NOT_AN_INCIDENT = (
    "This message is not in an incident channel or an incident's triage thread, so there "
    "is no timeline to add it to."
)


def _incident_for(services: Services, channel: str, thread_ts: str | None) -> Incident | None:
    with services.db.transaction() as session:
        incident = incidents.get_by_channel(session, channel)
        if incident is None and thread_ts and channel == services.settings.triage_channel:
            incident = incidents.by_triage_thread(session, thread_ts)
        return incident


def _capture(
    services: Services,
    incident: Incident,
    message: dict[str, Any],
    channel: str,
    actor: str,
    how: str,
) -> bool:
    author = message.get("user") or message.get("bot_id") or "?"
    with services.db.transaction() as session:
        _, created = incidents.capture_message(
            session,
            incident.id,
            channel=channel,
            ts=message["ts"],
            author=author,
            text=message.get("text") or "",
            actor=actor,
            now=services.clock.now(),
            how=how,
        )
    return created


def _fetch(services: Services, channel: str, ts: str) -> dict[str, Any] | None:
    """The message at `ts`, a thread reply or not (replies list the whole thread)."""
    cursor = None
    for _ in range(20):
        try:
            page = services.gateway.call(
                "conversations.replies", channel=channel, ts=ts, limit=200, cursor=cursor
            )
        except SlackError as exc:
            log.warning("could not read the message to capture: %s", exc.error)
            return None
        for message in page.get("messages", []):
            if message.get("ts") == ts:
                return dict(message)
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None


def reacted(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
    """A 📌 on a message from a team member (others' pins are just reactions: the roster
    middleware drops them) adds the message."""
    ack()
    item = event.get("item") or {}
    if event.get("reaction") != REACTION or item.get("type") != "message":
        return
    services = services_of(context)
    channel, ts, user = item.get("channel", ""), item.get("ts", ""), event.get("user")
    message = _fetch(services, channel, ts)
    if message is None:
        return
    incident = _incident_for(services, channel, message.get("thread_ts"))
    if incident is None:
        return
    _capture(services, incident, message, channel, user or "?", "reaction")


def add_from_shortcut(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    services = services_of(context)
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id", "")
    incident = _incident_for(services, channel, message.get("thread_ts"))
    if incident is None or not message.get("ts"):
        respond(text=NOT_AN_INCIDENT, response_type="ephemeral", replace_original=False)
        return
    created = _capture(services, incident, message, channel, asker_of(context), "shortcut")
    text = "Added to" if created else "Already on"
    respond(
        text=f"{text} the {incident.human_id} timeline, at the message's own time.",
        response_type="ephemeral",
        replace_original=False,
    )


def message_edited(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    message = event.get("message") or {}
    if not message.get("ts"):
        return
    with services.db.transaction() as session:
        incidents.captured_edited(
            session,
            event.get("channel", ""),
            message["ts"],
            message.get("text") or "",
            services.clock.now(),
        )


def message_deleted(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
    ack()
    services = services_of(context)
    ts = event.get("deleted_ts") or (event.get("previous_message") or {}).get("ts")
    if not ts:
        return
    with services.db.transaction() as session:
        incidents.captured_deleted(session, event.get("channel", ""), ts, services.clock.now())


def other_messages(ack: Ack) -> None:
    """Plain messages in incident channels need no action (only edits and deletes do)."""
    ack()
