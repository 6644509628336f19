"""`/disclose`: the report form, its submission, subcommands and the set-up retry button."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.incident import service as incidents
from bot.incident.validation import validate_draft
from bot.logs import error_summary
from bot.slack import outage
from bot.slack.blocks.disclose_modal import disclose_modal, read_submission
from bot.slack.follow_up import after_ack
from bot.slack.listeners.commands import OUTSIDER_HELP, dispatch
from bot.slack.middleware import asker_of, incident_of, services_of
from bot.slack.modals import open_form
from bot.slack.setup import IncidentSetup

log = logging.getLogger(__name__)


def off_team_asks_help(command: dict[str, Any], context: BoltContext) -> bool:
    """A listener matcher: `/disclose help` from someone off the team (anyone may ask)."""
    return not context["on_roster"] and (command.get("text") or "").strip().lower() == "help"


def help_for_anyone(ack: Ack, respond: Respond) -> None:
    """What someone off the team can do, and nothing of the team's."""
    ack()
    respond(text=OUTSIDER_HELP, response_type="ephemeral")


def has_text(command: dict[str, Any]) -> bool:
    """A listener matcher: `/disclose <subcommand>` rather than the bare report form."""
    return bool((command.get("text") or "").strip())


def open_report_form(
    ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    """`/disclose` alone: anyone may report. Nothing but Slack between the request and the
    modal, as the trigger lasts 3 seconds."""
    ack()
    problem = open_form(
        services_of(context), command["trigger_id"], disclose_modal(), "run `/disclose` again"
    )
    if problem:
        respond(text=problem, response_type="ephemeral")


def run_subcommand(
    ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    services = services_of(context)
    try:
        reply = dispatch(services, command, context["incident"])
    except Exception as error:
        # Answered here, not by Bolt's error handler: Bolt forgets an ack when the
        # listener fails soon after it, and Slack then shows the person a timeout.
        if outage.is_database_down(error):
            outage.log_outage("slash_command", error)
            outage.after_ack(command, respond, services.gateway)
        else:
            log.error("/disclose failed after its ack: %s", error_summary(error))
            outage.failed_after_ack(command, respond, services.gateway)
        return
    if reply is not None:
        respond(text=reply.text, blocks=reply.blocks, response_type="ephemeral")


def submit_report(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    services = services_of(context)
    draft = read_submission(view["state"]["values"])
    problems = validate_draft(draft)
    if problems:
        ack(response_action="errors", errors=problems)
        return
    # A database outage raises here, before the ack: the app's error handler answers
    # with field errors, so the form stays open for a retry (the same view ID, so a
    # retry after a lost answer still opens one incident).
    with services.db.transaction() as session:
        incident, created = incidents.open_incident(
            session,
            draft,
            opened_by=asker_of(context),
            now=services.clock.now(),
            prefix=services.settings.incident_prefix,
            intake_key=f"slack-view:{view['id']}",
        )
        incident_id = incident.id
    ack()
    if created:
        services.background.defer(IncidentSetup(services).run, incident_id)


@after_ack
def retry_setup(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    incident = incident_of(context)
    result = IncidentSetup(services_of(context)).run(incident.id)
    if result.skipped:
        respond(text=f"{incident.human_id} is being set up right now.", replace_original=False)
