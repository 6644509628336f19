"""`/disclose distributors`, the notice forms and their buttons.

Listeners are thin module-level functions with rows in bot/slack/routes.py; the domain
lives in `bot.distributor`, the Slack side of notices in `bot.slack.distributor_flow`.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.distributor import notices as notice_store
from bot.distributor import roster
from bot.distributor.models import Distributor, NoticeKind
from bot.distributor.notice import removal_notice
from bot.incident import service as incidents
from bot.incident.models import Incident
from bot.mail import mail_domain
from bot.mail.outbox import enqueue_mail
from bot.services import Services
from bot.slack import distributor_flow as flow
from bot.slack import distributor_hooks
from bot.slack.blocks import distributors as distributor_blocks
from bot.slack.gateway import SlackError
from bot.slack.listeners.commands import (
    NOT_IN_INCIDENT,
    CommandContext,
    Reply,
    subcommand,
)
from bot.slack.middleware import asker_of, incident_of, services_of

log = logging.getLogger(__name__)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
USAGE = (
    "`/disclose distributors` lists them; `add <organisation> <addresses> [YYYY-MM-DD]` "
    "(the date the embargo terms were accepted; default today), `form`, "
    "`remove <organisation> <reason>`, `removal <organisation>` (drafts the removal notice); "
    "in an incident channel `status`, `notify`, `final`, `update`, `resend`."
)
KINDS = {
    "notify": NoticeKind.NOTICE,
    "final": NoticeKind.FINAL,
    "update": NoticeKind.UPDATE,
    "resend": NoticeKind.RESEND,
}


# -- /disclose distributors ...


@subcommand(
    "distributors",
    "distributors [add|remove|form|status|notify|final|update|resend]",
    "keeps the private distributors list and sends them embargoed notices.",
    needs_incident=False,
)
def distributors_command(context: CommandContext) -> Reply | None:
    verb, _, rest = context.args.partition(" ")
    verb = verb.lower()
    services = context.services
    if verb in ("", "list"):
        return list_reply(services)
    if verb == "add" and rest.strip():
        return add_from_text(services, context.user_id, rest)
    if verb in ("add", "form"):
        return open_view(
            services, context.trigger_id, distributor_blocks.add_modal(services.clock.now())
        )
    if verb == "remove":
        return remove_from_text(services, context.user_id, rest)
    if verb == "removal":
        return open_removal(services, context.trigger_id, rest)
    incident = _incident_here(services, context.channel_id)
    if verb in ("status", *KINDS):
        if incident is None:
            return Reply(NOT_IN_INCIDENT)
        if verb == "status":
            return status_reply(services, incident)
        return open_notice_form(services, context.trigger_id, incident, KINDS[verb])
    return Reply(USAGE)


def _incident_here(services: Services, channel_id: str) -> Incident | None:
    with services.db.transaction() as session:
        return incidents.get_by_channel(session, channel_id)


def open_view(services: Services, trigger_id: str, view: dict[str, Any]) -> Reply | None:
    try:
        services.gateway.open_view(trigger_id, view)
    except SlackError as exc:
        return Reply(f"The form could not open ({exc.plain}). Please try again.")
    return None


def list_reply(services: Services) -> Reply:
    with services.db.transaction() as session:
        rows = roster.distributors(session, include_removed=True)
        leaks = roster.leak_counts(session)
        text, blocks = distributor_blocks.distributor_list(rows, leaks)
    return Reply(text, blocks)


def _split_add(text: str) -> tuple[str, list[str], date | None, str | None]:
    words = text.split()
    day = None
    if words and DATE.match(words[-1]):
        try:
            day = date.fromisoformat(words[-1])
        except ValueError:
            return "", [], None, f"`{words[-1]}` is not a date; use YYYY-MM-DD."
        words = words[:-1]
    addresses = [w.strip(",;<>") for w in words if "@" in w]
    name = " ".join(w for w in words if "@" not in w).strip(' "')
    return name, addresses, day, None


def add_from_text(services: Services, user: str, text: str) -> Reply:
    name, addresses, day, problem = _split_add(text)
    if problem:
        return Reply(problem)
    now = services.clock.now()
    try:
        with services.db.transaction() as session:
            row = roster.add_distributor(
                session, name, addresses, day or now.date(), actor=user, now=now
            )
            organisation = row.organisation
    except roster.DistributorError as exc:
        return Reply(f"{exc} {USAGE}")
    return Reply(f"Added *{organisation}* to the private distributors list.")


def _known_prefix(session: Any, text: str) -> tuple[Distributor | None, str]:
    """The distributor whose name starts the text (longest match), and the rest."""
    words = text.split()
    for count in range(len(words), 0, -1):
        found = roster.find(session, " ".join(words[:count]))
        if found is not None:
            return found, " ".join(words[count:])
    return None, text


def remove_from_text(services: Services, user: str, text: str) -> Reply:
    now = services.clock.now()
    try:
        with services.db.transaction() as session:
            found, reason = _known_prefix(session, text)
            if found is None:
                return Reply(f"No distributor named like `{text.strip()}`. {USAGE}")
            row = roster.remove_distributor(
                session, found.organisation, reason, actor=user, now=now
            )
            name = row.organisation
    except roster.DistributorError as exc:
        return Reply(str(exc))
    return Reply(
        f"Removed *{name}* from the list. `/disclose distributors removal {name}` drafts the "
        "notice telling them."
    )


def open_removal(services: Services, trigger_id: str, text: str) -> Reply | None:
    with services.db.transaction() as session:
        found, _ = _known_prefix(session, text)
        leaks = roster.leak_counts(session).get(found.id, 0) if found else 0
    if found is None:
        return Reply(f"No distributor named like `{text.strip()}`.")
    problem = flow.mail_problem(services)
    if problem:
        return Reply(problem)
    subject, body = removal_notice(
        found.organisation,
        found.removal_reason or "",
        leaks,
        services.settings.announce_signature,
    )
    return open_view(services, trigger_id, distributor_blocks.removal_modal(found, subject, body))


def status_reply(services: Services, incident: Incident) -> Reply:
    with services.db.transaction() as session:
        statuses = notice_store.notice_status(session, incident.id)
    text, blocks = distributor_blocks.status_message(incident.human_id, statuses)
    return Reply(text, blocks)


def open_notice_form(
    services: Services, trigger_id: str, incident: Incident, kind: NoticeKind
) -> Reply | None:
    view, problem = flow.notice_form(services, incident.id, kind)
    if view is None:
        return Reply(problem or "The form could not open.")
    return open_view(services, trigger_id, view)


# -- buttons and forms ---------------------------------------------------------------------


def submit_add(services: Services, user: str, view: dict[str, Any]) -> dict[str, str]:
    values = flow.read_values(view)
    now = services.clock.now()
    try:
        accepted = date.fromisoformat(values.get("terms_accepted") or "")
    except ValueError:
        return {"terms_accepted": "Pick the date the embargo terms were accepted."}
    try:
        with services.db.transaction() as session:
            roster.add_distributor(
                session,
                values.get("organisation") or "",
                values.get("addresses") or "",
                accepted,
                actor=user,
                now=now,
            )
    except roster.DistributorError as exc:
        text = str(exc)
        block = (
            "addresses"
            if "address" in text
            else "terms_accepted"
            if "date" in text
            else "organisation"
        )
        return {block: text}
    return {}


def submit_removal(services: Services, user: str, view: dict[str, Any]) -> dict[str, str]:
    values = flow.read_values(view)
    metadata = json.loads(view.get("private_metadata") or "{}")
    now = services.clock.now()
    with services.db.transaction() as session:
        row = session.get(Distributor, int(metadata.get("distributor", 0)))
        if row is None:
            return {"subject": "That distributor is gone."}
        enqueue_mail(
            session,
            incident_id=None,
            purpose="distributor_removal",
            to=row.addresses,
            subject=" ".join((values.get("subject") or "").split()),
            body=values.get("body") or "",
            now=now,
            domain=mail_domain(services.settings),
            dedupe_key=f"removal:{view.get('id', '')}",
        )
    return {}


def connect(services: Services) -> None:
    """Plug the notices into the mail, incident and headline hooks."""
    hooks = services.hooks
    if distributor_hooks.on_mail_settled not in hooks.mail_settled:
        hooks.mail_settled.append(distributor_hooks.on_mail_settled)
    if distributor_hooks.on_incident_changed not in hooks.incident_changed:
        hooks.incident_changed.append(distributor_hooks.on_incident_changed)
    from bot.slack import incident_messages

    if distributor_hooks.headline_note not in incident_messages.HEADLINE_NOTES:
        incident_messages.HEADLINE_NOTES.append(distributor_hooks.headline_note)


# -- listeners -----------------------------------------------------------------------------
NOTICE_OF_BUTTON = {
    distributor_blocks.NOTIFY_ACTION: NoticeKind.NOTICE,
    distributor_blocks.FINAL_ACTION: NoticeKind.FINAL,
    distributor_blocks.UPDATE_ACTION: NoticeKind.UPDATE,
    distributor_blocks.RESEND_ACTION: NoticeKind.RESEND,
}


def notice_button(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Notify, Final, Update, Resend: the notice form of that kind."""
    ack()  # the form opens in this request, while its trigger is fresh
    services, incident = services_of(context), incident_of(context)
    kind = NOTICE_OF_BUTTON[body["actions"][0]["action_id"]]
    reply = open_notice_form(services, body["trigger_id"], incident, kind)
    if reply is not None:
        respond(text=reply.text, response_type="ephemeral", replace_original=False)


def add_button(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    services = services_of(context)
    reply = open_view(
        services, body["trigger_id"], distributor_blocks.add_modal(services.clock.now())
    )
    if reply is not None:
        respond(text=reply.text, response_type="ephemeral", replace_original=False)


def add_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    errors = submit_add(services_of(context), asker_of(context), view)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()


def removal_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    errors = submit_removal(services, asker_of(context), view)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    flow.kick_mail(services)


def notice_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    result = flow.submit_notice(services, asker_of(context), view)
    if result.update is not None:
        ack(response_action="update", view=result.update)
        return
    if result.errors:
        ack(response_action="errors", errors=result.errors)
        return
    ack()
    if result.after is not None:
        services.background.defer(result.after)
