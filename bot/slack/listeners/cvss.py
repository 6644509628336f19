"""`/cvss`: the scoring form in incident channels, the calculator elsewhere, history, team
comparison and the buttons on score posts.

Outside incident channels `/cvss <vector>` answers with the score alone: it reads no incident
and records nothing. In an incident channel only roster members score, compare and pick.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.incident import scores as incident_scores
from bot.incident import service as incidents
from bot.incident.models import Incident
from bot.scoring.compare import diff_vectors
from bot.scoring.engine import VectorError, score
from bot.services import Services
from bot.slack import scores
from bot.slack.blocks import cvss_records as records
from bot.slack.blocks.cvss import (
    ACTION_COMPARE,
    ACTION_PICK,
    ACTION_RECORD,
    ACTION_USE_VECTOR,
    calculator_blocks,
    calculator_error_blocks,
    compare_blocks,
    compare_text,
)
from bot.slack.blocks.text import mrkdwn
from bot.slack.follow_up import after_ack
from bot.slack.listeners import cvss_modal
from bot.slack.listeners.cvss_modal import open_modal, opening_state

log = logging.getLogger(__name__)
Blocks = list[dict[str, Any]]
PICK_SEPARATOR = "|"  # pick buttons carry "<incident human id>|<vector>"
GONE = "That incident no longer exists."


def register(app: App, services: Services) -> None:
    cvss_modal.register(app, services)

    def incident_by_channel(channel: str) -> Incident | None:
        if not channel:
            return None
        with services.db.transaction() as session:
            return incidents.get_by_channel(session, channel)

    @app.command("/cvss")
    def cvss(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        text = html.unescape((command.get("text") or "").strip())
        user, channel = command["user_id"], command.get("channel_id", "")
        word = text.lower()
        incident = incident_by_channel(channel)
        if word == "help" or (incident is None and word in ("", "compare", "history")):
            respond(text=records.USAGE, response_type="ephemeral")
            return
        is_member = services.roster.is_member(user)
        if incident is None or (not is_member and word not in ("", "compare", "history")):
            _calculate(respond, text, record_button=False)
            return
        if not is_member:
            respond(text=records.NOT_ON_ROSTER, response_type="ephemeral")
            return
        if word == "":
            state = opening_state(services, incident.id, channel, None)
            problem = open_modal(services, command["trigger_id"], state)
            if problem:
                respond(text=problem, response_type="ephemeral")
        elif word == "history":
            with services.db.transaction() as session:
                rows = incident_scores.history(session, incident.id)
            respond(
                text=records.history_text(incident.human_id, len(rows)),
                blocks=records.history_blocks(incident.human_id, rows),
                response_type="ephemeral",
            )
        elif word == "compare":
            reply, blocks = comparison(services, incident)
            respond(text=reply, blocks=blocks, response_type="ephemeral")
        else:
            _calculate(respond, text, record_button=True)

    def member_only(body: dict[str, Any], respond: Respond) -> str | None:
        user: str = body["user"]["id"]
        if services.roster.is_member(user):
            return user
        respond(text=records.NOT_ON_ROSTER, response_type="ephemeral", replace_original=False)
        return None

    @app.action(ACTION_RECORD)
    @after_ack(services)
    def record_button(body: dict[str, Any], respond: Respond) -> None:
        user = member_only(body, respond)
        if user is None:
            return
        incident = incident_by_channel(_channel_of(body))
        if incident is None:
            respond(text=GONE, replace_original=False)
            return
        vector = body["actions"][0].get("value") or ""
        _record(services, respond, incident, vector, user, incident_scores.VIA_COMMAND)

    @app.action(re.compile(f"^{re.escape(ACTION_PICK)}"))
    @after_ack(services)
    def pick(body: dict[str, Any], respond: Respond) -> None:
        user = member_only(body, respond)
        if user is None:
            return
        human_id, _, vector = (body["actions"][0].get("value") or "").partition(PICK_SEPARATOR)
        with services.db.transaction() as session:
            incident = incidents.get_by_human_id(session, human_id)
        if incident is None:
            respond(text=GONE, replace_original=False)
            return
        _record(services, respond, incident, vector, user, incident_scores.VIA_PICK)

    @app.action(ACTION_COMPARE)
    @after_ack(services)
    def compare(body: dict[str, Any], respond: Respond) -> None:
        if member_only(body, respond) is None:
            return
        value = body["actions"][0].get("value") or ""
        with services.db.transaction() as session:
            incident = incidents.get_by_human_id(session, value)
        incident = incident or _incident_of_message(services, body)
        if incident is None:
            respond(text=GONE, replace_original=False)
            return
        reply, blocks = comparison(services, incident)
        respond(text=reply, blocks=blocks, response_type="ephemeral", replace_original=False)

    @app.action(ACTION_USE_VECTOR)
    def use_vector(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        if member_only(body, respond) is None:
            return
        incident = _incident_of_message(services, body)
        if incident is None:
            respond(text=GONE, replace_original=False)
            return
        vector = body["actions"][0].get("value") or ""
        channel = incident.channel_id or ""
        state = opening_state(services, incident.id, channel, vector)
        problem = open_modal(services, body["trigger_id"], state)
        if problem:
            respond(text=problem, response_type="ephemeral", replace_original=False)


def comparison(services: Services, incident: Incident) -> tuple[str, Blocks | None]:
    """The team's vectors side by side, with pick buttons that name the incident."""
    with services.db.transaction() as session:
        vectors = incident_scores.member_vectors(session, incident.id)
    if not vectors:
        return records.NOTHING_TO_COMPARE, None
    found = diff_vectors(vectors)
    blocks = compare_blocks(found)
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            element["value"] = f"{incident.human_id}{PICK_SEPARATOR}{element['value']}"
    who = (
        f"The fix lead, <@{incident.lead_id}>, picks the final vector."
        if incident.lead_id
        else "There is no fix lead yet: any team member may pick the final vector."
    )
    blocks.append({"type": "context", "elements": [mrkdwn(who)]})
    return compare_text(found), blocks


def _calculate(respond: Respond, text: str, *, record_button: bool) -> None:
    try:
        result = score(text)
    except VectorError as error:
        respond(
            text=error.message, blocks=calculator_error_blocks(error), response_type="ephemeral"
        )
        return
    respond(
        text=f"CVSS {result.score:.1f} {result.severity} ({result.clean_vector})",
        blocks=calculator_blocks(result, record_button=record_button),
        response_type="ephemeral",
    )


def _record(
    services: Services, respond: Respond, incident: Incident, vector: str, user: str, via: str
) -> None:
    try:
        result = score(vector)
        recorded = scores.record(services, incident.id, result, user, via)
    except VectorError as error:
        respond(text=error.message, response_type="ephemeral", replace_original=False)
        return
    except incident_scores.ScoringRefused as refusal:
        respond(text=str(refusal), response_type="ephemeral", replace_original=False)
        return
    answer = records.recorded_answer(result, incident.human_id, recorded.is_final)
    respond(text=answer, response_type="ephemeral", replace_original=True)
    scores.announce(services, recorded, via)


def _channel_of(body: dict[str, Any]) -> str:
    return str(
        (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id", "")
    )


def _incident_of_message(services: Services, body: dict[str, Any]) -> Incident | None:
    """The incident whose channel, or whose triage thread, holds the clicked message."""
    channel = _channel_of(body)
    thread = (body.get("message") or {}).get("thread_ts")
    with services.db.transaction() as session:
        incident = incidents.get_by_channel(session, channel) if channel else None
        if incident is None and thread and channel == services.triage.private_id():
            incident = incidents.by_triage_thread(session, thread)
        return incident
