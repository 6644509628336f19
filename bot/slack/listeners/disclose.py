"""`/disclose`: the report form, its submission, and the set-up retry button."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.incident import service as incidents
from bot.incident.validation import validate_draft
from bot.logs import error_summary
from bot.services import Services
from bot.slack import outage
from bot.slack.blocks.disclose_modal import CALLBACK_ID, disclose_modal, read_submission
from bot.slack.follow_up import after_ack
from bot.slack.gateway import SlackError
from bot.slack.listeners.commands import NOT_ON_ROSTER, dispatch
from bot.slack.setup import IncidentSetup

log = logging.getLogger(__name__)


def register(app: App, services: Services, setup: IncidentSetup) -> None:
    @app.command("/disclose")
    def disclose(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        if (command.get("text") or "").strip():
            try:
                reply = dispatch(services, command)
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
            return
        # Nothing but Slack between the request and the modal: the trigger lasts 3 seconds.
        try:
            services.gateway.open_view(command["trigger_id"], disclose_modal())
        except SlackError as exc:
            if exc.error == "exchanged_trigger_id":
                # Each command has its own trigger: an earlier delivery of this very command
                # (Slack redelivers when an ack is late) already opened the form.
                return
            respond(
                text=f"The form could not open ({exc.plain}). Please run `/disclose` again.",
                response_type="ephemeral",
            )

    @app.view(CALLBACK_ID)
    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        draft = read_submission(view["state"]["values"])
        problems = validate_draft(draft)
        if problems:
            ack(response_action="errors", errors=problems)
            return
        user_id = body["user"]["id"]
        # A database outage raises here, before the ack: the app's error handler answers
        # with field errors, so the form stays open for a retry (the same view ID, so a
        # retry after a lost answer still opens one incident).
        with services.db.transaction() as session:
            incident, created = incidents.open_incident(
                session,
                draft,
                opened_by=user_id,
                now=services.clock.now(),
                prefix=services.settings.incident_prefix,
                intake_key=f"slack-view:{view['id']}",
            )
            incident_id = incident.id
        ack()
        if created:
            services.background.defer(setup.run, incident_id)

    @app.action("incident_setup_retry")
    @after_ack(services)
    def retry(body: dict[str, Any], respond: Respond) -> None:
        user_id = body["user"]["id"]
        if not services.roster.is_member(user_id):
            respond(text=NOT_ON_ROSTER, response_type="ephemeral", replace_original=False)
            return
        human_id = body["actions"][0].get("value", "")
        with services.db.transaction() as session:
            incident = incidents.get_by_human_id(session, human_id)
            incident_id = incident.id if incident else None
        if incident_id is None:
            respond(text=f"There is no incident {human_id}.", replace_original=False)
            return
        result = setup.run(incident_id)
        if result.skipped:
            respond(text=f"{human_id} is being set up right now.", replace_original=False)
