"""Handing out due reminders to one worker at a time, and settling them afterwards.

`claim_due` runs in one short transaction: it locks due rows (`FOR UPDATE SKIP LOCKED`
on PostgreSQL, so replicas split the work; SQLite serialises writers, and the same code
runs there), drops those whose incident closed or deadline was met (checked against a
fresh plan whenever the incident changed since it was last planned), coalesces several
due reminders of one deadline into the latest, and leases the rest ("sending") to this
worker. A lease that runs out (a crash) hands the reminder out once more, then gives up.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, func, select, update
from sqlalchemy.orm import Session

from bot.audit.service import BOT_ACTOR, record
from bot.database import changed_one
from bot.database import lease as leases
from bot.database.lease import due as due_rows
from bot.incident.models import Incident
from bot.policy import BusinessCalendar, Policy
from bot.reminder.models import DeadlineRow, ReminderRow, ReminderState
from bot.reminder.plan import fresh_plan
from bot.timeline.service import add_event

PENDING, SENDING = ReminderState.PENDING.value, ReminderState.SENDING.value


@dataclass(frozen=True)
class Claim:
    """Everything needed to send one reminder, read in the claim transaction."""

    reminder_id: int
    deadline_id: int
    incident_id: int
    key: str
    human_id: str
    title: str
    kind: str
    label: str
    owner: str
    due_at: datetime
    planned_at: datetime  # when the reminder was due to go out
    channel_id: str | None
    headline_ts: str | None
    triage_ts: str | None
    lead_id: str | None
    commander_id: str | None
    delivered: frozenset[str]
    recovered: bool  # a previous lease ran out mid-send: the post may already be there
    attempts: int


@dataclass
class ClaimResult:
    claims: list[Claim] = field(default_factory=list)
    stale_incidents: set[int] = field(default_factory=set)  # re-plan these after the claim
    cancelled: int = 0
    gave_up: list[Claim] = field(default_factory=list)  # reminders whose lease ran out twice


def claim_due(
    session: Session,
    now: datetime,
    limit: int,
    worker: str,
    lease: timedelta,
    policy: Policy,
    calendar: BusinessCalendar,
) -> ClaimResult:
    result = ClaimResult()
    rows = list(session.scalars(due_rows(ReminderRow, now, limit)))
    if not rows:
        return result
    rows += _due_siblings(session, rows, now)
    deadlines = {
        row.id: row
        for row in session.scalars(
            select(DeadlineRow).where(DeadlineRow.id.in_({r.deadline_id for r in rows}))
        )
    }
    incidents = {
        row.id: row
        for row in session.scalars(
            select(Incident).where(Incident.id.in_({r.incident_id for r in rows}))
        )
    }
    still_open = _still_open_kinds(session, deadlines, incidents, policy, calendar, result)
    by_deadline: dict[int, list[ReminderRow]] = defaultdict(list)
    for row in rows:
        deadline = deadlines[row.deadline_id]
        incident = incidents[row.incident_id]
        if row.cancel_reason is not None:
            _settle_cancelled(row, row.cancel_reason, result)
        elif not incident.is_open:
            _settle_cancelled(row, "closed", result)
        elif not deadline.is_open or deadline.kind not in still_open[incident.id]:
            _settle_cancelled(row, "met", result)
        else:
            by_deadline[row.deadline_id].append(row)
    for siblings in by_deadline.values():
        siblings.sort(key=lambda r: (r.due_at, r.seq))
        for older in siblings[:-1]:
            _settle_cancelled(older, "coalesced", result)
        latest = siblings[-1]
        deadline, incident = deadlines[latest.deadline_id], incidents[latest.incident_id]
        if _lease(session, latest, now, worker, lease):
            result.claims.append(_claim(latest, deadline, incident))
        else:
            result.gave_up.append(_claim(latest, deadline, incident))
    return result


def _due_siblings(session: Session, rows: list[ReminderRow], now: datetime) -> list[ReminderRow]:
    """Other due reminders of the same deadlines, so a catch-up sends only the latest."""
    ids = {row.id for row in rows}
    found = session.scalars(
        select(ReminderRow)
        .where(
            ReminderRow.deadline_id.in_({row.deadline_id for row in rows}),
            ReminderRow.next_attempt_at <= now,
            ReminderRow.state == PENDING,
        )
        .with_for_update(skip_locked=True)
    )
    return [row for row in found if row.id not in ids]


def _still_open_kinds(
    session: Session,
    deadlines: dict[int, DeadlineRow],
    incidents: dict[int, Incident],
    policy: Policy,
    calendar: BusinessCalendar,
    result: ClaimResult,
) -> dict[int, set[str]]:
    """Open deadline kinds per incident; a fresh plan where the rows may be behind."""
    kinds: dict[int, set[str]] = defaultdict(set)
    stale: set[int] = set()
    for deadline in deadlines.values():
        incident = incidents[deadline.incident_id]
        if deadline.planned_from is None or incident.updated_at > deadline.planned_from:
            stale.add(incident.id)
        elif deadline.is_open:
            kinds[incident.id].add(deadline.kind)
    for incident_id in stale:
        incident = incidents[incident_id]
        planned = fresh_plan(session, incident, policy, calendar) if incident.is_open else []
        kinds[incident_id] = {d.kind.value for d in planned if d.is_open}
    result.stale_incidents |= stale
    return kinds


def _settle_cancelled(row: ReminderRow, reason: str, result: ClaimResult) -> None:
    row.state = ReminderState.CANCELLED.value
    row.cancel_reason = reason
    row.next_attempt_at = None
    row.claimed_until = None
    result.cancelled += 1


def _lease(
    session: Session,
    row: ReminderRow,
    now: datetime,
    worker: str,
    lease: timedelta,
) -> bool:
    """Lease the row to this worker; False when its lease already ran out twice mid-send
    (a crash or a hang each time): then it is given up, not sent a third time."""
    if leases.take(row, worker, now + lease, SENDING) and row.lease_expiries > 1:
        row.last_error = "lease ran out twice while sending"
        row.state = ReminderState.FAILED.value
        row.next_attempt_at = row.claimed_until = None
        return False
    return True


def _claim(row: ReminderRow, deadline: DeadlineRow, incident: Incident) -> Claim:
    return Claim(
        reminder_id=row.id,
        deadline_id=deadline.id,
        incident_id=incident.id,
        key=row.key,
        human_id=incident.human_id,
        title=incident.title,
        kind=deadline.kind,
        label=deadline.label,
        owner=deadline.owner,
        due_at=deadline.due_at,
        planned_at=row.due_at,
        channel_id=incident.channel_id,
        headline_ts=incident.headline_ts,
        triage_ts=incident.triage_ts,
        lead_id=incident.lead_id,
        commander_id=incident.commander_id,
        delivered=frozenset(row.places_done),
        recovered=row.lease_expiries > 0,
        attempts=row.attempts,
    )


# -- while sending: each step a statement of its own, guarded by the lease ------------------


def _mine(claim: Claim, worker: str) -> ColumnElement[bool]:
    return (
        (ReminderRow.id == claim.reminder_id)
        & (ReminderRow.claimed_by == worker)
        & (ReminderRow.state == SENDING)
    )


def renew(session: Session, claim: Claim, worker: str, until: datetime) -> bool:
    """Still ours, not stopped, incident open and deadline open? Then extend the lease."""
    incident_open = exists().where(Incident.id == claim.incident_id, Incident.phase != "closed")
    deadline_open = exists().where(
        DeadlineRow.id == claim.deadline_id, DeadlineRow.status == "open"
    )
    return changed_one(
        session,
        update(ReminderRow)
        .where(_mine(claim, worker), ReminderRow.cancel_reason.is_(None))
        .where(incident_open, deadline_open)
        .values(claimed_until=until, next_attempt_at=until)
        .execution_options(synchronize_session=False),
    )


def stop(session: Session, claim: Claim, worker: str, reason: str) -> None:
    session.execute(
        update(ReminderRow)
        .where(_mine(claim, worker))
        .values(
            state=ReminderState.CANCELLED.value,
            cancel_reason=reason,
            next_attempt_at=None,
            claimed_until=None,
        )
        .execution_options(synchronize_session=False)
    )


def mark_delivered(session: Session, claim: Claim, worker: str, places: set[str]) -> None:
    session.execute(
        update(ReminderRow)
        .where(_mine(claim, worker))
        .values(delivered=",".join(sorted(places)))
        .execution_options(synchronize_session=False)
    )


def mark_sent(
    session: Session, claim: Claim, worker: str, now: datetime, places: list[str], text: str
) -> bool:
    """Sent: the row settles, with a timeline event and an audit row, once."""
    settled = changed_one(
        session,
        update(ReminderRow)
        .where(_mine(claim, worker))
        .values(
            state=ReminderState.SENT.value,
            sent_at=now,
            next_attempt_at=None,
            claimed_until=None,
            delivered=",".join(sorted(places)),
        )
        .execution_options(synchronize_session=False),
    )
    if not settled:
        return False
    lateness = (now - claim.planned_at).total_seconds()
    add_event(
        session,
        claim.incident_id,
        now,
        BOT_ACTOR,
        "reminder_sent",
        text,
        {"deadline": claim.kind, "key": claim.key, "places": places},
    )
    record(
        session,
        now,
        BOT_ACTOR,
        "reminder.sent",
        claim.incident_id,
        deadline=claim.kind,
        key=claim.key,
        places=places,
        lateness_seconds=lateness,
    )
    return True


def retry_later(
    session: Session,
    claim: Claim,
    worker: str,
    at: datetime,
    error: str,
    *,
    counts: bool,
    cap: int,
) -> bool:
    """Back to pending until `at`; a counted failure past the cap gives up. True: gave up."""
    attempts = claim.attempts + (1 if counts else 0)
    gave_up = counts and attempts >= cap
    values: dict[str, object] = {
        "attempts": attempts,
        "last_error": error,
        "claimed_until": None,
        "claimed_by": None,
    }
    if gave_up:
        values.update(state=ReminderState.FAILED.value, next_attempt_at=None)
    else:
        values.update(state=PENDING, next_attempt_at=at)
    session.execute(
        update(ReminderRow)
        .where(_mine(claim, worker))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return gave_up


def next_due(session: Session) -> datetime | None:
    """When the earliest waiting reminder falls due (one index lookup)."""
    return session.scalar(select(func.min(ReminderRow.next_attempt_at)))
