"""`/cvss`: the scoring form in incident channels, the calculator elsewhere, history, team
comparison and the buttons on score posts.

Outside incident channels `/cvss <vector>` answers with the score alone: it reads no incident
and records nothing. In an incident channel only roster members score, compare and pick.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.incident import scores as incident_scores
from bot.incident.models import Incident
from bot.scoring.compare import diff_vectors
from bot.scoring.engine import VectorError, score
from bot.services import Services
from bot.slack import scores
from bot.slack.blocks import cvss_records as records
from bot.slack.blocks.cvss import (
    calculator_blocks,
    calculator_error_blocks,
    compare_blocks,
    compare_text,
)
from bot.slack.blocks.text import mrkdwn
from bot.slack.follow_up import after_ack
from bot.slack.listeners.cvss_modal import open_modal, opening_state
from bot.slack.middleware import NOT_ON_ROSTER, asker_of, incident_of, services_of

log = logging.getLogger(__name__)
Blocks = list[dict[str, Any]]
PICK_SEPARATOR = "|"  # pick buttons carry "<incident human id>|<vector>"


def cvss_command(ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """`/cvss [vector | history | compare | help]`; the incident is the channel's, if any."""
    ack()
    services = services_of(context)
    text = html.unescape((command.get("text") or "").strip())
    channel = command.get("channel_id", "")
    word = text.lower()
    incident: Incident | None = context["incident"]
    on_roster: bool = context["on_roster"]
    if word == "help" or (incident is None and word in ("", "compare", "history")):
        respond(text=records.USAGE, response_type="ephemeral")
        return
    if incident is None or (not on_roster and word not in ("", "compare", "history")):
        _calculate(respond, text, record_button=False)
        return
    if not on_roster:
        respond(text=NOT_ON_ROSTER, response_type="ephemeral")
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


@after_ack
def record_vector(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """The Record button under a calculator answer in an incident channel."""
    vector = body["actions"][0].get("value") or ""
    _record(respond, context, vector, incident_scores.VIA_COMMAND)


@after_ack
def pick_vector(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """A pick button of the team comparison: its value is "<incident ID>|<vector>"."""
    vector = (body["actions"][0].get("value") or "").partition(PICK_SEPARATOR)[2]
    _record(respond, context, vector, incident_scores.VIA_PICK)


@after_ack
def compare(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    reply, blocks = comparison(services_of(context), incident_of(context))
    respond(text=reply, blocks=blocks, response_type="ephemeral", replace_original=False)


def use_vector(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Open the scoring form on a vector from a score post, in the request (the trigger)."""
    ack()
    services, incident = services_of(context), incident_of(context)
    vector = body["actions"][0].get("value") or ""
    state = opening_state(services, incident.id, incident.channel_id or "", vector)
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


def _record(respond: Respond, context: BoltContext, vector: str, via: str) -> None:
    services, incident, user = services_of(context), incident_of(context), asker_of(context)
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
    scores.show(services, recorded)
