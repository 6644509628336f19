"""Writing to the reporter: `/disclose reply <text>`, the Message reporter button and form."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.incident import service as incidents
from bot.incident.models import Incident
from bot.mail import mail_domain
from bot.outbox.service import emit
from bot.reporter import replies
from bot.services import Services
from bot.slack.blocks import reporter as views
from bot.slack.changes import NOTE
from bot.slack.follow_up import after_ack
from bot.slack.gateway import SlackError
from bot.slack.incident_messages import refresh
from bot.slack.listeners.commands import CommandContext, Reply, subcommand
from bot.slack.middleware import asker_of, incident_of, services_of

log = logging.getLogger(__name__)
NO_MAIL = "Email is not set up for this bot: set SMTP_URL and MAIL_FROM."


@subcommand("reply", "reply <text>", "emails the reporter (the incident ID in the subject).")
def reply_command(context: CommandContext) -> Reply:
    assert context.incident is not None
    key = f"reply:{context.trigger_id or context.channel_id}"
    return Reply(send(context.services, context.incident.id, context.args, context.user_id, key))


def send(services: Services, incident_id: int, text: str, user: str, key: str) -> str:
    """Queue the reply; the answer for the person. Raises nothing."""
    settings = services.settings
    if services.mail is None or not settings.mail_from:
        with services.db.transaction() as session:
            incident = incidents.get(session, incident_id)
            problem = replies.why_not(incident) if incident else None
        return problem or NO_MAIL
    try:
        with services.db.transaction() as session:
            queued = replies.queue_reply(
                session,
                incident_id,
                text,
                actor=user,
                now=services.clock.now(),
                domain=mail_domain(settings),
                sender=settings.mail_from,
                dedupe_key=key,
                policy=services.policy,
                calendar=services.calendar,
            )
            if queued.new:  # the thread hears of it exactly when it is queued (the outbox)
                note = views.sent_note(queued.human_id, user, queued.to, text)
                now = services.clock.now()
                emit(session, incident_id, NOTE, now, text=note, blocks=None, in_channel=True)
    except replies.Refused as exc:
        return str(exc)
    services.doorbell.ring(incident_id)
    services.hooks.changed(services, incident_id, "reporter")  # re-plans the next update
    refresh(services, incident_id)
    note = " It meets the acknowledge deadline." if queued.acknowledged else ""
    return f"Your message to {queued.to} is queued and goes out within a minute.{note}"


def modal_for(services: Services, incident: Incident, template: str = "") -> dict[str, Any]:
    problem = replies.why_not(incident)
    if problem is None and (services.mail is None or not services.settings.mail_from):
        problem = NO_MAIL
    with services.db.transaction() as session:
        subject = replies.subject_for(session, incident)
    return views.message_modal(
        incident, replies.reporter_address(incident), subject, problem, template
    )


# -- listeners -----------------------------------------------------------------------------
def open_message_form(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    """The Message reporter button: the form opens in the request (its trigger lasts three
    seconds)."""
    ack()
    services, incident = services_of(context), incident_of(context)
    try:
        services.gateway.open_view(body["trigger_id"], modal_for(services, incident))
    except SlackError as exc:
        respond(text=f"The form could not open ({exc.plain}).", replace_original=False)


@after_ack
def template_chosen(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """A canned reply picked in the form: the form again, with its text filled in."""
    services, incident = services_of(context), incident_of(context)
    view = body.get("view") or {}
    choice = (body["actions"][0].get("selected_option") or {}).get("value", "")
    try:
        services.gateway.update_view(
            view["id"], modal_for(services, incident, choice), view.get("hash")
        )
    except SlackError as exc:  # a hash mismatch: the person typed meanwhile; keep theirs
        log.info("canned reply not filled in: %s", exc.error)


def submit_message(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    services, incident, user = services_of(context), incident_of(context), asker_of(context)
    block, text = views.message_text(view["state"]["values"])
    if not text.strip():
        ack(response_action="errors", errors={block: "Write the message first."})
        return
    answer = send(services, incident.id, text, user, f"reply:{view['id']}")
    if not answer.startswith("Your message"):
        ack(response_action="errors", errors={block: answer})
        return
    ack()
    if incident.channel_id:
        try:
            services.gateway.ephemeral(incident.channel_id, user, answer)
        except SlackError as exc:
            log.info("could not confirm the reply to %s: %s", user, exc.error)
