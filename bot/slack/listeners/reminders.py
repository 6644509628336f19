"""Reminder buttons (Done, Snooze, Reschedule), the reschedule modal, `/disclose deadlines`
and `/disclose deadline <name> <date>`. Only roster members may change deadlines."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.deadline import DeadlineKind
from bot.incident import service as incidents
from bot.outbox.service import emit
from bot.reminder import service as reminder_service
from bot.reminder.models import DeadlineRow
from bot.services import Services
from bot.slack import changes, reminder_hooks
from bot.slack.blocks import reminders as reminder_blocks
from bot.slack.blocks.home import DueItem
from bot.slack.disclosure_review import disclosure_date_warning
from bot.slack.follow_up import after_ack
from bot.slack.gateway import SlackError
from bot.slack.listeners import home
from bot.slack.listeners.commands import CommandContext, Reply, subcommand
from bot.slack.listeners.lifecycle import parse_planned
from bot.slack.middleware import GONE, asker_of, incident_of, services_of
from bot.slack.modals import open_form

log = logging.getLogger(__name__)
Kind = DeadlineKind

# What people may type for each deadline in `/disclose deadline <name> <date>`.
NAMES: dict[str, Kind] = {kind.value.replace("_", ""): kind for kind in Kind}
NAMES.update(
    {
        "ack": Kind.ACKNOWLEDGE,
        "lead": Kind.LEAD_ASSIGNED,
        "score": Kind.SCORE_AND_PLAN,
        "plan": Kind.SCORE_AND_PLAN,
        "fix": Kind.FIX_READY,
        "notice": Kind.DISTRIBUTOR_NOTICE,
        "distributors": Kind.DISTRIBUTOR_NOTICE,
        "final": Kind.FINAL_NOTICE,
        "release": Kind.FIX_RELEASED,
        "disclosure": Kind.PUBLIC_DISCLOSURE,
        "public": Kind.PUBLIC_DISCLOSURE,
        "advisory": Kind.PUBLIC_DISCLOSURE,
        "retro": Kind.RETROSPECTIVE,
        "update": Kind.STALE_UPDATE,
    }
)
DEADLINE_USAGE = (
    "Use `/disclose deadline <name> YYYY-MM-DD [HH:MM]` (UTC), with a name from "
    + ", ".join(f"`{kind.value}`" for kind in Kind)
    + "."
)


def parse_kind(text: str) -> Kind | None:
    return NAMES.get(text.strip().lower().replace("_", "").replace("-", ""))


# -- doing it -------------------------------------------------------------------------------


def run_change(
    services: Services, work: Callable[[Any], reminder_service.Changed], reason: str
) -> tuple[reminder_service.Changed | None, str]:
    """The change and its outbox row in one transaction, then its delivery."""
    try:
        with services.db.transaction() as session:
            changed = work(session)
            emit(
                session,
                changed.incident_id,
                changes.DEADLINE,
                services.clock.now(),
                text=changed.text,
                reason=reason,
            )
    except reminder_service.Refused as refusal:
        return None, str(refusal)
    services.doorbell.ring(changed.incident_id)
    return changed, ""


def set_deadline(
    services: Services, incident_id: int, kind: Kind, due_at: datetime, user: str
) -> tuple[str, list[dict[str, Any]] | None]:
    """Reschedule one deadline; the public disclosure date is reviewed against the policy."""
    now = services.clock.now()
    changed, problem = run_change(
        services,
        lambda session: reminder_service.reschedule(
            session, incident_id, kind, due_at, user, now, services.policy, services.calendar
        ),
        "deadline",
    )
    if changed is None:
        return problem, None
    if kind is not Kind.PUBLIC_DISCLOSURE:
        return changed.text, None
    with services.db.transaction() as session:
        incident = incidents.get(session, incident_id)
        assert incident is not None
    warning = disclosure_date_warning(services, incident, due_at)
    return warning if warning is not None else (changed.text, None)


# -- subcommands ------------------------------------------------------------------------------


@subcommand("deadlines", "deadlines", "lists the incident's deadlines and their state.")
def _deadlines(context: CommandContext) -> Reply:
    assert context.incident is not None
    services = context.services
    with services.db.transaction() as session:
        rows = reminder_service.deadline_rows(session, context.incident.id)
        listed = []
        for row in rows:
            upcoming = reminder_service.pending_reminders(session, row.id)
            listed.append((row, upcoming[0].due_at if upcoming else None))
    text, blocks = reminder_blocks.deadlines_list(
        context.incident.human_id, listed, services.clock.now()
    )
    return Reply(text, blocks or None)


@subcommand(
    "deadline",
    "deadline <name> <YYYY-MM-DD [HH:MM]>",
    "sets or moves one deadline (UTC); the public disclosure date is checked against the policy.",
)
def _deadline(context: CommandContext) -> Reply:
    assert context.incident is not None
    name, _, rest = context.args.partition(" ")
    kind = parse_kind(name) if name else None
    due_at, extra = parse_planned(rest)
    if kind is None or due_at is None or extra:
        return Reply(DEADLINE_USAGE)
    text, blocks = set_deadline(
        context.services, context.incident.id, kind, due_at, context.user_id
    )
    return Reply(text, blocks)


# -- App Home -------------------------------------------------------------------------------


def deadlines_due(
    services: Services, user_id: str, start: datetime, end: datetime
) -> list[DueItem]:
    items = []
    with services.db.transaction() as session:
        for row, incident in reminder_service.open_between(session, start, end):
            owner = {"fix_lead": incident.lead_id, "commander": incident.commander_id}
            if row.kind == Kind.PUBLIC_DISCLOSURE.value:
                continue  # the incident's own milestones show it already
            if owner.get(row.owner) == user_id:
                items.append(DueItem(incident.human_id, incident.channel_id, row.label, row.due_at))
    return items


# -- buttons and the modal --------------------------------------------------------------------


def _ids(body: dict[str, Any]) -> int | None:
    value = (body.get("actions") or [{}])[0].get("value", "")
    try:
        return int(value.split("|")[0])
    except ValueError:
        return None


def connect(services: Services) -> None:
    """Plug the deadlines into the incident hooks, the headline and the App Home."""
    hooks = services.hooks
    if reminder_hooks.on_incident_changed not in hooks.incident_changed:
        hooks.incident_changed.append(reminder_hooks.on_incident_changed)
    if reminder_hooks.on_incident_opened not in hooks.incident_opened:
        hooks.incident_opened.append(reminder_hooks.on_incident_opened)
    hooks.next_deadline = reminder_hooks.next_deadline_text
    home.providers.deadlines_due = deadlines_due


def _tell(respond: Respond, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
    respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


def _deadline_change(
    body: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    change: Callable[[Services, Any, int, str, datetime], reminder_service.Changed],
) -> None:
    """A reminder button's change to the deadline in its value, answered to the clicker."""
    services, user = services_of(context), asker_of(context)
    deadline_id = _ids(body)
    if deadline_id is None:
        _tell(respond, "That reminder is not one I know.")
        return
    now = services.clock.now()
    changed, problem = run_change(
        services, lambda session: change(services, session, deadline_id, user, now), "deadline"
    )
    _tell(respond, changed.text if changed else problem)


@after_ack
def mark_done(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    def done(
        services: Services, session: Any, deadline_id: int, user: str, now: datetime
    ) -> reminder_service.Changed:
        return reminder_service.mark_done(
            session, deadline_id, user, now, services.policy, services.calendar
        )

    _deadline_change(body, respond, context, done)


@after_ack
def snooze(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """The Snooze buttons: each action ID names how long (reminder_blocks.SNOOZE_ACTIONS)."""
    seconds = reminder_blocks.SNOOZE_ACTIONS[body["actions"][0]["action_id"]]

    def snoozed(
        services: Services, session: Any, deadline_id: int, user: str, now: datetime
    ) -> reminder_service.Changed:
        return reminder_service.snooze(
            session,
            deadline_id,
            user,
            now,
            timedelta(seconds=seconds),
            services.policy,
            services.calendar,
        )

    _deadline_change(body, respond, context, snoozed)


def open_reschedule_form(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    """Reschedule opens a form, in the request: the trigger lapses in 3 seconds."""
    ack()
    services = services_of(context)
    deadline_id = _ids(body)
    if deadline_id is None:
        _tell(respond, "That reminder is not one I know.")
        return
    with services.db.transaction() as session:
        row = session.get(DeadlineRow, deadline_id)
        incident = incidents.get(session, row.incident_id) if row else None
    if row is None or incident is None or not incident.is_open:
        _tell(respond, "That deadline is over.")
        return
    form = reminder_blocks.reschedule_modal(row, incident.human_id)
    problem = open_form(services, body["trigger_id"], form, "press the button again")
    if problem:
        _tell(respond, problem)


def use_suggested_time(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    """The disclosure date warning's offer: its value is "<incident ID>|<epoch seconds>"."""
    ack()
    services, incident = services_of(context), incident_of(context)
    stamp = (body["actions"][0].get("value") or "").partition("|")[2]
    if not stamp.isdigit():
        _tell(respond, GONE)
        return
    when = datetime.fromtimestamp(int(stamp), tz=UTC)
    user = asker_of(context)
    text, blocks = set_deadline(services, incident.id, Kind.PUBLIC_DISCLOSURE, when, user)
    _tell(respond, text, blocks)


def submit_reschedule(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    services, user = services_of(context), asker_of(context)
    element = view["state"]["values"].get("due", {}).get(reminder_blocks.VALUE, {})
    stamp = element.get("selected_date_time")
    if stamp is None:
        ack(response_action="errors", errors={"due": "Pick a date and a time."})
        return
    due_at = datetime.fromtimestamp(int(stamp), tz=UTC)
    if due_at <= services.clock.now():
        ack(response_action="errors", errors={"due": "Pick a time in the future."})
        return
    with services.db.transaction() as session:
        row = session.get(DeadlineRow, int(view.get("private_metadata") or 0))
    if row is None:
        ack(response_action="errors", errors={"due": "That deadline no longer exists."})
        return
    ack()
    text, blocks = set_deadline(services, row.incident_id, Kind(row.kind), due_at, user)
    try:
        services.gateway.dm(user, text, blocks)
    except SlackError as exc:
        log.warning("could not confirm a reschedule to %s: %s", user, exc.error)
