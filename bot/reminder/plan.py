"""Keeping an incident's deadline and reminder rows in step with the planner, idempotently.

`replan` diffs `plan_deadlines` against the rows: new deadlines and reminders are added,
moved due times move pending reminders, deadlines that no longer apply or are met stop
their reminders, and a deadline met is recorded once (on time or late, by how much) with
a timeline event and an audit row. Running it twice with the same facts changes nothing.

`record_missed` records, once per deadline, that its due time passed while it was open;
the reminder tick calls it when it sends a reminder at or after the due time, and
`replan` when it finds an open deadline past due or one met late.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.audit.service import BOT_ACTOR, record
from bot.database import changed_one
from bot.deadline import Deadline, PlannedReminder, plan_deadlines, reminder_times
from bot.incident.models import Incident
from bot.policy import BusinessCalendar, Policy
from bot.reminder.facts import incident_facts
from bot.reminder.models import DeadlineRow, DeadlineState, ReminderRow, ReminderState
from bot.timeline.service import add_event

SNOOZE_PREFIX = "snooze:"
SNOOZE_SEQ = 10_000  # a snooze reminder comes after every planned one of its time
# A reminder stopped for one of these reasons comes back if the deadline applies again.
REARM_REASONS = {"closed", "dropped", "met"}


@dataclass
class ReplanResult:
    added: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    met: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    reminders_cancelled: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.moved or self.met or self.dropped)


def deadline_rows(session: Session, incident_id: int) -> list[DeadlineRow]:
    query = select(DeadlineRow).where(DeadlineRow.incident_id == incident_id)
    return list(session.scalars(query.order_by(DeadlineRow.due_at, DeadlineRow.id)))


def reminder_rows(session: Session, deadline_id: int) -> list[ReminderRow]:
    query = select(ReminderRow).where(ReminderRow.deadline_id == deadline_id)
    return list(session.scalars(query.order_by(ReminderRow.due_at, ReminderRow.seq)))


def fresh_plan(
    session: Session, incident: Incident, policy: Policy, calendar: BusinessCalendar
) -> list[Deadline]:
    """What the planner says now, without writing anything."""
    rows = deadline_rows(session, incident.id)
    return plan_deadlines(incident_facts(session, incident, rows), policy, calendar)


def replan(
    session: Session,
    incident: Incident,
    policy: Policy,
    calendar: BusinessCalendar,
    now: datetime,
) -> ReplanResult:
    result = ReplanResult()
    rows = {row.kind: row for row in deadline_rows(session, incident.id)}
    planned = plan_deadlines(incident_facts(session, incident, rows.values()), policy, calendar)
    for deadline in planned:
        row = rows.pop(deadline.kind.value, None)
        if row is None:
            row = DeadlineRow(incident_id=incident.id, kind=deadline.kind.value)
            session.add(row)
            result.added.append(deadline.kind.value)
        elif row.due_at != deadline.due_at and row.is_open:
            result.moved.append(deadline.kind.value)
        was_open = row.status in (None, DeadlineState.OPEN.value, DeadlineState.DROPPED.value)
        _copy(row, deadline)
        row.planned_from = incident.updated_at
        session.flush()
        if deadline.is_open:
            reminders = reminder_times(deadline, policy, calendar, now)
            _sync_reminders(session, row, reminders, now)
            if deadline.due_at <= now:
                record_missed(session, incident, row.id, now)
        else:
            result.reminders_cancelled += _stop(session, row, "met")
            if was_open:
                result.met.append(deadline.kind.value)
                if deadline.lateness is not None:  # missed first, even if no tick saw it
                    record_missed(session, incident, row.id, now)
                _record_met(session, incident, row, now)
    reason = "closed" if not incident.is_open else "dropped"
    for row in rows.values():
        row.planned_from = incident.updated_at
        if row.is_open:
            row.status = DeadlineState.DROPPED.value
            result.dropped.append(row.kind)
        result.reminders_cancelled += _stop(session, row, reason)
    return result


def _copy(row: DeadlineRow, deadline: Deadline) -> None:
    row.label = deadline.label
    row.owner = deadline.owner.value
    row.critical = deadline.critical
    row.due_at = deadline.due_at
    row.opens_at = deadline.opens_at
    row.status = deadline.status.value
    row.met_at = deadline.met_at
    lateness = deadline.lateness
    row.lateness_seconds = lateness.total_seconds() if lateness is not None else None


def _record_met(session: Session, incident: Incident, row: DeadlineRow, now: datetime) -> None:
    late = row.lateness_seconds
    how = "on time" if late is None else f"{describe_seconds(late)} late"
    add_event(
        session,
        incident.id,
        now,
        BOT_ACTOR,
        "deadline_met",
        f"{row.label}: met {how}",
        {"kind": row.kind, "due_at": row.due_at.isoformat(), "lateness_seconds": late},
    )
    record(
        session, now, BOT_ACTOR, "deadline.met", incident.id, kind=row.kind, lateness_seconds=late
    )


def record_missed(session: Session, incident: Incident, deadline_id: int, now: datetime) -> bool:
    """Record that the deadline's due time passed unmet; True only for the first caller.

    The caller holds the incident's row lock (taken before the deadline's, as `replan`
    does). The conditional update is the guard against a second replica or a re-run: on
    PostgreSQL a concurrent one waits for the first to commit, then matches nothing.
    """
    if not incident.is_open:
        return False
    open_or_late = (DeadlineState.OPEN.value, DeadlineState.MET_LATE.value)
    marked = (
        update(DeadlineRow)
        .where(
            DeadlineRow.id == deadline_id,
            DeadlineRow.incident_id == incident.id,
            DeadlineRow.missed_at.is_(None),
            DeadlineRow.status.in_(open_or_late),
            DeadlineRow.due_at <= now,
        )
        .values(missed_at=DeadlineRow.due_at)
        .execution_options(synchronize_session=False)
    )
    if not changed_one(session, marked):
        return False
    kind, label, due_at = session.execute(
        select(DeadlineRow.kind, DeadlineRow.label, DeadlineRow.due_at).where(
            DeadlineRow.id == deadline_id
        )
    ).one()
    # Dated at the due time, so the timeline shows when it was missed, not when noticed.
    add_event(
        session,
        incident.id,
        due_at,
        BOT_ACTOR,
        "deadline_missed",
        f"{label}: not met by its due time",
        {"kind": kind, "due_at": due_at.isoformat(), "noticed_at": now.isoformat()},
    )
    record(session, now, BOT_ACTOR, "deadline.missed", incident.id, kind=kind)
    return True


def _sync_reminders(
    session: Session, row: DeadlineRow, planned: list[PlannedReminder], now: datetime
) -> None:
    existing = {reminder.key: reminder for reminder in reminder_rows(session, row.id)}
    snooze = row.snoozed_until if row.snoozed_until and row.snoozed_until > now else None
    wanted: dict[str, tuple[int, datetime]] = {}
    for seq, step in enumerate(planned):
        if snooze is None or step.at >= snooze:
            wanted[step.kind.key] = (seq, step.at)
    if snooze is not None:
        wanted[snooze_key(snooze)] = (SNOOZE_SEQ, snooze)
    for key, (seq, at) in wanted.items():
        reminder = existing.pop(key, None)
        if reminder is None:
            session.add(
                ReminderRow(
                    deadline_id=row.id,
                    incident_id=row.incident_id,
                    key=key,
                    seq=seq,
                    due_at=at,
                    planned_for=row.due_at,
                    state=ReminderState.PENDING.value,
                    attempts=0,
                    next_attempt_at=at,
                    delivered="",
                    lease_expiries=0,
                )
            )
        elif reminder.state == ReminderState.PENDING.value:
            reminder.seq, reminder.due_at, reminder.planned_for = seq, at, row.due_at
            if reminder.attempts == 0:  # a retry keeps its back-off time
                reminder.next_attempt_at = at
        elif reminder.state != ReminderState.SENDING.value and _rearm(reminder, row):
            _reset(reminder, seq, at, row.due_at)
    for reminder in existing.values():
        _cancel(reminder, "snoozed" if snooze else "replanned")


def _rearm(reminder: ReminderRow, row: DeadlineRow) -> bool:
    """A settled reminder comes back when its deadline moved or applies again."""
    if reminder.planned_for != row.due_at:
        return True
    return reminder.state == ReminderState.CANCELLED.value and (
        reminder.cancel_reason in REARM_REASONS
    )


def _reset(reminder: ReminderRow, seq: int, at: datetime, planned_for: datetime) -> None:
    reminder.seq, reminder.due_at, reminder.planned_for = seq, at, planned_for
    reminder.state = ReminderState.PENDING.value
    reminder.next_attempt_at = at
    reminder.attempts = 0
    reminder.sent_at = None
    reminder.claimed_by = reminder.claimed_until = None
    reminder.lease_expiries = 0
    reminder.delivered = ""
    reminder.last_error = reminder.cancel_reason = None


def _cancel(reminder: ReminderRow, reason: str) -> bool:
    if reminder.state == ReminderState.PENDING.value:
        reminder.state = ReminderState.CANCELLED.value
        reminder.cancel_reason = reason
        reminder.next_attempt_at = None
        return True
    if reminder.state == ReminderState.SENDING.value and reminder.cancel_reason is None:
        # The worker holding it checks this before each post and stops.
        reminder.cancel_reason = reason
        return True
    return False


def _stop(session: Session, row: DeadlineRow, reason: str) -> int:
    return sum(_cancel(reminder, reason) for reminder in reminder_rows(session, row.id))


def snooze_key(until: datetime) -> str:
    return f"{SNOOZE_PREFIX}{until:%Y%m%dT%H%M%S}"


def describe_seconds(seconds: float) -> str:
    """A short human length: 2 days 3 hours, 45 minutes, 30 seconds."""
    total = round(abs(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    words = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n][:2]
    if not words:
        words = [f"{secs} second{'s' if secs != 1 else ''}"]
    return " ".join(words)
