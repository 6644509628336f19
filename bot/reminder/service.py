"""What people do to deadlines (done, snooze, reschedule) and what they read about them.

Each change writes a timeline event and an audit row and re-plans the incident in the
caller's transaction; the caller then refreshes Slack.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit.service import record
from bot.deadline import DeadlineKind
from bot.incident import service as incidents
from bot.incident.models import Incident
from bot.policy import BusinessCalendar, Policy
from bot.reminder.claim import Claim, ClaimResult, claim_due
from bot.reminder.models import DeadlineRow, DeadlineState, ReminderRow, ReminderState
from bot.reminder.plan import ReplanResult, deadline_rows, describe_seconds, replan
from bot.timeline.service import add_event

__all__ = [
    "Claim",
    "ClaimResult",
    "Refused",
    "claim_due",
    "deadline_rows",
    "mark_done",
    "next_open",
    "replan",
    "replan_incident",
    "reschedule",
    "snooze",
]


class Refused(Exception):
    """The change may not happen; the message says why in plain words."""


@dataclass(frozen=True)
class Changed:
    incident_id: int
    text: str  # for the thread reply
    replan: ReplanResult


def replan_incident(
    session: Session, incident_id: int, policy: Policy, calendar: BusinessCalendar, now: datetime
) -> ReplanResult:
    """Re-plan under the incident's row lock, so two replicas never plan it at once."""
    incident = incidents.lock(session, incident_id)
    if incident is None:
        return ReplanResult()
    return replan(session, incident, policy, calendar, now)


def _deadline(session: Session, deadline_id: int) -> tuple[DeadlineRow, Incident]:
    row = session.get(DeadlineRow, deadline_id)
    if row is None:
        raise Refused("That deadline no longer exists.")
    incident = incidents.lock(session, row.incident_id)
    assert incident is not None
    session.refresh(row)
    if not incident.is_open:
        raise Refused(f"{incident.human_id} is closed; its deadlines are over.")
    return row, incident


def _require_open(row: DeadlineRow, incident: Incident) -> None:
    if not row.is_open:
        state = "no longer applies" if row.status == DeadlineState.DROPPED.value else "is met"
        raise Refused(f"{row.label} of {incident.human_id} {state}.")


def mark_done(
    session: Session,
    deadline_id: int,
    user: str,
    now: datetime,
    policy: Policy,
    calendar: BusinessCalendar,
) -> Changed:
    row, incident = _deadline(session, deadline_id)
    _require_open(row, incident)
    row.done_at, row.done_by, row.snoozed_until = now, user, None
    late = (now - row.due_at).total_seconds()
    how = "on time" if late <= 0 else f"{describe_seconds(late)} late"
    text = f"{row.label}: marked done by <@{user}> ({how})"
    add_event(session, incident.id, now, user, "deadline_done", text, {"kind": row.kind})
    record(session, now, user, "deadline.done", incident.id, kind=row.kind, late_seconds=late)
    return Changed(incident.id, text, replan(session, incident, policy, calendar, now))


def snooze(
    session: Session,
    deadline_id: int,
    user: str,
    now: datetime,
    length: timedelta,
    policy: Policy,
    calendar: BusinessCalendar,
) -> Changed:
    row, incident = _deadline(session, deadline_id)
    _require_open(row, incident)
    row.snoozed_until = now + length
    length_text = describe_seconds(length.total_seconds())
    text = f"{row.label}: reminders snoozed by <@{user}> for {length_text}"
    data = {"kind": row.kind, "until": row.snoozed_until.isoformat()}
    add_event(session, incident.id, now, user, "deadline_snoozed", text, data)
    record(session, now, user, "deadline.snooze", incident.id, **data)
    return Changed(incident.id, text, replan(session, incident, policy, calendar, now))


def reschedule(
    session: Session,
    incident_id: int,
    kind: DeadlineKind,
    due_at: datetime,
    user: str,
    now: datetime,
    policy: Policy,
    calendar: BusinessCalendar,
) -> Changed:
    """A due time set by hand. The public disclosure moves the incident's planned date,
    so the distributor notices (and a release tied to it) move with it."""
    incident = incidents.lock(session, incident_id)
    if incident is None:
        raise Refused("That incident no longer exists.")
    if not incident.is_open:
        raise Refused(f"{incident.human_id} is closed; its deadlines are over.")
    row = session.scalar(
        select(DeadlineRow).where(
            DeadlineRow.incident_id == incident_id, DeadlineRow.kind == kind.value
        )
    )
    if kind is DeadlineKind.PUBLIC_DISCLOSURE:
        if incident.disclosed_at is not None:
            raise Refused(f"{incident.human_id} is already disclosed.")
        incident.disclosure_planned_at = due_at
        incident.updated_at = now
    else:
        if row is None or row.status == DeadlineState.DROPPED.value:
            raise Refused(f"{incident.human_id} has no `{kind.value}` deadline in its plan.")
        _require_open(row, incident)
        row.rescheduled_at = due_at
    if row is not None:
        row.snoozed_until = None
    label = row.label if row is not None else "Public disclosure"
    text = f"{label}: due {due_at:%Y-%m-%d %H:%M} UTC, set by <@{user}>"
    data = {"kind": kind.value, "due_at": due_at.isoformat()}
    add_event(session, incident.id, now, user, "deadline_rescheduled", text, data)
    record(session, now, user, "deadline.reschedule", incident.id, **data)
    return Changed(incident.id, text, replan(session, incident, policy, calendar, now))


def next_open(session: Session, incident_id: int) -> DeadlineRow | None:
    return session.scalar(
        select(DeadlineRow)
        .where(
            DeadlineRow.incident_id == incident_id,
            DeadlineRow.status == DeadlineState.OPEN.value,
        )
        .order_by(DeadlineRow.due_at)
        .limit(1)
    )


def open_between(
    session: Session, start: datetime, end: datetime
) -> list[tuple[DeadlineRow, Incident]]:
    query = (
        select(DeadlineRow, Incident)
        .join(Incident, Incident.id == DeadlineRow.incident_id)
        .where(
            DeadlineRow.status == DeadlineState.OPEN.value,
            DeadlineRow.due_at >= start,
            DeadlineRow.due_at < end,
            Incident.phase != "closed",
        )
        .order_by(DeadlineRow.due_at)
    )
    return [(row, incident) for row, incident in session.execute(query)]


def pending_reminders(session: Session, deadline_id: int) -> list[ReminderRow]:
    query = select(ReminderRow).where(
        ReminderRow.deadline_id == deadline_id,
        ReminderRow.state.in_([ReminderState.PENDING.value, ReminderState.SENDING.value]),
    )
    return list(session.scalars(query.order_by(ReminderRow.due_at)))
