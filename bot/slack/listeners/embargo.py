"""`/disclose leak` and `/disclose announce`: embargo breaks and the public announcement.

The announcement is the one message the bot ever posts in a public channel
(ANNOUNCE_CHANNEL): only after the person confirms it in the form, only at or after the
planned disclosure time unless the issue is public, and with the advisory's fields alone.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from sqlalchemy import select, update

from bot.distributor import roster
from bot.distributor.announcement import (
    advisory_subject,
    announcement_body,
    announcement_mails,
    check_announcement,
    is_oss_security,
    oss_security_subject,
    record_announcement,
    todo_count,
)
from bot.distributor.leaks import record_leak
from bot.distributor.models import Announcement, Distributor
from bot.incident import service as incidents
from bot.incident.models import Incident, Phase
from bot.mail import mail_domain
from bot.services import Services
from bot.slack import distributor_flow as flow
from bot.slack.blocks import distributors as distributor_blocks
from bot.slack.blocks.lifecycle import phase_changed
from bot.slack.gateway import SlackError
from bot.slack.incident_messages import post_update, refresh
from bot.slack.lifecycle import Lifecycle
from bot.slack.listeners.commands import CommandContext, Reply, subcommand
from bot.slack.middleware import asker_of, incident_of, services_of

log = logging.getLogger(__name__)


# -- leaks ------------------------------------------------------------------------------------


def leak_form(services: Services, incident: Incident) -> dict[str, Any]:
    with services.db.transaction() as session:
        everyone = roster.distributors(session, include_removed=True)
    return distributor_blocks.leak_modal(incident, everyone, services.clock.now())


@subcommand("leak", "leak", "records an embargo break: what leaked, to whom, when, through whom.")
def leak_command(context: CommandContext) -> Reply | None:
    assert context.incident is not None
    return _open(
        context.services, context.trigger_id, leak_form(context.services, context.incident)
    )


def submit_leak(services: Services, user: str, view: dict[str, Any]) -> tuple[dict[str, str], Any]:
    metadata = json.loads(view.get("private_metadata") or "{}")
    values = flow.read_values(view)
    now = services.clock.now()
    stamp = values.get("happened_at")
    happened = datetime.fromtimestamp(int(stamp), tz=UTC) if stamp not in (None, "") else now
    through = values.get("distributor")
    public = "public" in (values.get("public") or [])
    try:
        with services.db.transaction() as session:
            incident = incidents.get_by_human_id(session, metadata.get("incident", ""))
            if incident is None:
                return {"what": "That incident is gone."}, None
            leak = record_leak(
                session,
                incident.id,
                what=values.get("what") or "",
                to_whom=values.get("to_whom") or "",
                happened_at=happened,
                distributor_id=int(through) if through else None,
                prevention=values.get("prevention") or "",
                made_public=public,
                actor=user,
                now=now,
            )
            name = None
            if leak.distributor_id:
                row = session.get(Distributor, leak.distributor_id)
                name = row.organisation if row else None
            incident_id, human_id, what = incident.id, incident.human_id, leak.what
    except roster.DistributorError as exc:
        text = str(exc)
        block = "happened_at" if "future" in text else "to_whom" if "whom" in text else "what"
        return {block: text}, None

    def after() -> None:
        text, blocks = distributor_blocks.leak_recorded(human_id, what, name, public)
        post_update(services, incident_id, text, blocks)
        if public:
            try:
                services.gateway.dm(user, text, blocks)
            except SlackError as exc:
                log.warning("could not tell %s about the public path: %s", user, exc.error)

    return {}, after


# -- the announcement -------------------------------------------------------------------------


def announce_problem(services: Services, incident: Incident) -> str | None:
    settings = services.settings
    if not settings.announce_to and not settings.announce_channel:
        return (
            "No announcement places are set: set ANNOUNCE_TO (addresses) and/or "
            "ANNOUNCE_CHANNEL (a public channel ID)."
        )
    if settings.announce_to:
        problem = flow.mail_problem(services)
        if problem:
            return problem
    with services.db.transaction() as session:
        problems = check_announcement(session, incident, services.clock.now())
    return " ".join(problems) if problems else None


def announce_form(
    services: Services, incident: Incident
) -> tuple[dict[str, Any] | None, str | None]:
    problem = announce_problem(services, incident)
    if problem:
        return None, problem
    settings = services.settings
    oss = any(is_oss_security(a) for a in settings.announce_to)
    view = distributor_blocks.announce_modal(
        incident,
        subject=advisory_subject(incident),
        body=announcement_body(_context(services, incident)),
        recipients=settings.announce_to,
        channel=settings.announce_channel,
        oss_subject=oss_security_subject(incident, settings.announce_project) if oss else None,
    )
    return view, None


def _context(services: Services, incident: Incident) -> Any:
    """The advisory's export context, with the people it credits by name."""
    from bot.exports.files import load_context, people_in
    from bot.slack.lifecycle import Lifecycle

    now = services.clock.now()
    with services.db.transaction() as session:
        context = load_context(session, incident.id, now)
    names = Lifecycle(services)._names(people_in(context))
    with services.db.transaction() as session:
        return load_context(session, incident.id, now, names)


@subcommand("announce", "announce", "drafts the public announcement (email and public channel).")
def announce_command(context: CommandContext) -> Reply | None:
    assert context.incident is not None
    view, problem = announce_form(context.services, context.incident)
    if view is None:
        return Reply(problem or "The form could not open.")
    return _open(context.services, context.trigger_id, view)


def submit_announcement(
    services: Services, user: str, view: dict[str, Any]
) -> tuple[dict[str, str], Any]:
    metadata = json.loads(view.get("private_metadata") or "{}")
    values = flow.read_values(view)
    if "yes" not in (values.get("confirm") or []):
        return {"confirm": "Tick the box to confirm the announcement goes public now."}, None
    settings = services.settings
    now = services.clock.now()
    subject = " ".join((values.get("subject") or "").split())
    body = values.get("body") or ""
    todos = todo_count(subject + body)
    if todos:
        where = "body" if todo_count(body) else "subject"
        return {
            where: f"The announcement still says TODO in {todos} place"
            f"{'s' if todos != 1 else ''}: fill them in or delete those lines first."
        }, None
    moved: dict[str, str] = {}
    try:
        with services.db.transaction() as session:
            found = incidents.get_by_human_id(session, metadata.get("incident", ""))
            incident = incidents.lock(session, found.id) if found else None
            if incident is None:
                return {"subject": "That incident is gone."}, None
            problems = check_announcement(session, incident, now)
            if problems:
                return {"subject": " ".join(problems)}, None
            if incident.phase == Phase.RELEASED.value:
                moved["from"] = incident.phase
                incidents.change_phase(
                    session,
                    incident.id,
                    Phase.DISCLOSED,
                    actor=user,
                    now=now,
                    why="public announcement",
                )
            announcement, _ = record_announcement(
                session,
                incident,
                subject=subject,
                body=body,
                recipients=settings.announce_to,
                project=settings.announce_project,
                actor=user,
                now=now,
                domain=mail_domain(settings),
            )
            announcement_id, snapshot = announcement.id, incidents.get(session, incident.id)
    except incidents.StepRefused as refusal:
        return {"subject": " ".join(refusal.problems)}, None
    assert snapshot is not None

    def after() -> None:
        if settings.announce_to:
            flow.kick_mail(services)
        post_announcement(services, announcement_id)
        refresh(services, snapshot.id)
        if moved:
            text, blocks = phase_changed(
                snapshot, moved["from"], Phase.DISCLOSED.value, user, "public announcement"
            )
            post_update(services, snapshot.id, text, blocks)
        mails = announcement_mails(
            snapshot, settings.announce_to, settings.announce_project, subject
        )
        places = [", ".join(m.to) for m in mails]
        if settings.announce_channel:
            places.append(f"<#{settings.announce_channel}>")
        post_update(
            services,
            snapshot.id,
            f":loudspeaker: *{snapshot.human_id}* announced publicly: " + "; ".join(places),
        )
        services.hooks.changed(services, snapshot.id, "disclosed")

    return {}, after


def post_announcement(services: Services, announcement_id: int) -> None:
    """The announcement's post in the public channel, once (the row remembers it)."""
    channel = services.settings.announce_channel
    if not channel:
        return
    with services.db.transaction() as session:
        row = session.get(Announcement, announcement_id)
        if row is None or row.channel_posted_ts:
            return
        subject, body = row.subject, row.body
    text, blocks = distributor_blocks.announcement_post(subject, body)
    try:
        ts = services.gateway.post(channel, text, blocks)
    except SlackError as exc:
        log.warning("could not post the announcement in %s: %s", channel, exc.error)
        return
    with services.db.transaction() as session:
        session.execute(
            update(Announcement)
            .where(Announcement.id == announcement_id)
            .values(channel_posted_ts=ts)
            .execution_options(synchronize_session=False)
        )


def unposted_announcements(services: Services) -> list[int]:
    with services.db.transaction() as session:
        return list(
            session.scalars(select(Announcement.id).where(Announcement.channel_posted_ts.is_(None)))
        )


# -- wiring -----------------------------------------------------------------------------------


def _open(services: Services, trigger_id: str, view: dict[str, Any]) -> Reply | None:
    try:
        services.gateway.open_view(trigger_id, view)
    except SlackError as exc:
        return Reply(f"The form could not open ({exc.plain}). Please try again.")
    return None


def _tell(respond: Respond, reply: Reply | None) -> None:
    if reply is not None:
        respond(text=reply.text, response_type="ephemeral", replace_original=False)


# -- listeners --------------------------------------------------------------------------------
def leak_button(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()  # the form opens in this request, while its trigger is fresh
    services, incident = services_of(context), incident_of(context)
    _tell(respond, _open(services, body["trigger_id"], leak_form(services, incident)))


def announce_button(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    services, incident = services_of(context), incident_of(context)
    view, problem = announce_form(services, incident)
    _tell(respond, _open(services, body["trigger_id"], view) if view else Reply(problem or ""))


def public_button(ack: Ack, respond: Respond, context: BoltContext) -> None:
    """"It is public now" on a recorded leak."""
    ack()
    services, incident = services_of(context), incident_of(context)
    outcome = Lifecycle(services).make_public(
        incident.id, asker_of(context), "an embargo break made it public"
    )
    outcome.finish()
    text = " ".join(outcome.problems) if outcome.problems else outcome.message
    respond(text=text, response_type="ephemeral", replace_original=False)


def leak_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    _answer_form(ack, context, submit_leak(services_of(context), asker_of(context), view))


def announcement_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    _answer_form(ack, context, submit_announcement(services, asker_of(context), view))


def _answer_form(
    ack: Ack, context: BoltContext, result: tuple[dict[str, str], Callable[[], None] | None]
) -> None:
    errors, after = result
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    if after is not None:
        services_of(context).background.defer(after)
