"""Adding outbox rows in the changing transaction, and handing them out in order.

`emit` runs inside the transaction that commits the change, after the incident's row lock
(every incident step takes it), so one incident's rows get ids in commit order. `claim`
leases due rows per incident as a lane: only the unbroken run of that incident's oldest
unfinished rows, so two workers never show one incident's changes out of order. Each step
after that is one statement guarded by the lease.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from bot.database import changed_one, changed_rows, lease
from bot.outbox.models import OutboxRow, OutboxState

PENDING, SENDING = OutboxState.PENDING.value, OutboxState.SENDING.value
DONE, FAILED = OutboxState.DONE.value, OutboxState.FAILED.value
UNFINISHED = (PENDING, SENDING)
REPAINT = "repaint"  # a row that only asks for the incident's messages to show its state
MAX_LEASE_EXPIRIES = 2  # a row whose worker died this often is given up, not tried again


def emit(session: Session, incident_id: int, kind: str, now: datetime, **facts: Any) -> None:
    """Record, in the caller's transaction, that ``kind`` happened and must be shown."""
    session.add(
        OutboxRow(
            incident_id=incident_id,
            kind=kind,
            facts=facts,
            created_at=now,
            state=PENDING,
            next_attempt_at=now,
            attempts=0,
            lease_expiries=0,
            delivered="",
            hooked=False,
        )
    )


@dataclass(frozen=True)
class Unheard:
    """A change the other features have not heard of yet."""

    id: int
    incident_id: int
    kind: str
    facts: dict[str, Any]


def unheard(session: Session, limit: int, incident_id: int | None = None) -> list[Unheard]:
    """Unfinished rows whose hooks have not run, oldest first (in any lane's state)."""
    query = (
        select(OutboxRow)
        .where(OutboxRow.next_attempt_at.is_not(None), OutboxRow.hooked.is_(False))
        .order_by(OutboxRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if incident_id is not None:
        query = query.where(OutboxRow.incident_id == incident_id)
    return [
        Unheard(row.id, row.incident_id, row.kind, dict(row.facts or {}))
        for row in session.scalars(query)
    ]


def mark_heard(session: Session, row_id: int) -> None:
    session.execute(
        update(OutboxRow)
        .where(OutboxRow.id == row_id)
        .values(hooked=True)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Leased:
    id: int
    kind: str
    facts: dict[str, Any]
    done: frozenset[str]  # effects already delivered by an earlier attempt
    # An earlier attempt ran out of lease mid-delivery (a crash) or failed (an answer may
    # have been lost): its posts may be there, so they are looked for first.
    recovered: bool
    attempts: int
    created_at: datetime
    heard: bool  # the other features' hooks ran for it


@dataclass
class Lane:
    incident_id: int
    rows: list[Leased]


@dataclass
class Claimed:
    lanes: list[Lane]
    gave_up: list[tuple[int, Leased]]  # (incident, row) whose lease ran out too often


def claim(
    session: Session,
    now: datetime,
    worker: str,
    duration: timedelta,
    limit: int = 100,
    incident_id: int | None = None,
) -> Claimed:
    query = lease.due(OutboxRow, now, limit)
    if incident_id is not None:
        query = query.where(OutboxRow.incident_id == incident_id)
    rows = list(session.scalars(query))
    mine: dict[int, dict[int, OutboxRow]] = defaultdict(dict)
    for row in rows:
        mine[row.incident_id][row.id] = row
    result = Claimed([], [])
    if not mine:
        return result
    unfinished: dict[int, list[int]] = defaultdict(list)
    for row_id, owner in session.execute(
        select(OutboxRow.id, OutboxRow.incident_id)
        .where(OutboxRow.incident_id.in_(mine), OutboxRow.state.in_(UNFINISHED))
        .where(OutboxRow.id <= max(row.id for row in rows))
        .order_by(OutboxRow.id)
    ):
        unfinished[owner].append(row_id)
    until = now + duration
    for owner in sorted(mine):
        lane = Lane(owner, [])
        for row_id in unfinished[owner]:
            row = mine[owner].get(row_id)
            if row is None:
                break  # an older change is another worker's, or waits for a retry: keep order
            recovered = lease.take(row, worker, until, SENDING)
            leased = _leased(row, recovered)
            if row.lease_expiries > MAX_LEASE_EXPIRIES:
                row.last_error = "its worker stopped mid-delivery too often"
                lease.release(row, FAILED, None)
                result.gave_up.append((owner, leased))
                continue
            lane.rows.append(leased)
        if lane.rows:
            result.lanes.append(lane)
    return result


def _leased(row: OutboxRow, recovered: bool) -> Leased:
    return Leased(
        row.id,
        row.kind,
        dict(row.facts or {}),
        frozenset(row.effects_done),
        recovered or row.last_error is not None,
        row.attempts,
        row.created_at,
        row.hooked,
    )


def _mine(row_ids: list[int], worker: str) -> ColumnElement[bool]:
    return (
        OutboxRow.id.in_(row_ids) & (OutboxRow.claimed_by == worker) & (OutboxRow.state == SENDING)
    )


def renew(session: Session, row_ids: list[int], worker: str, until: datetime) -> bool:
    """Extend the lease on these rows; False if any is no longer this worker's."""
    statement = (
        update(OutboxRow)
        .where(_mine(row_ids, worker))
        .values(claimed_until=until, next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )
    return changed_rows(session, statement) == len(row_ids)


def record_delivered(session: Session, row_id: int, worker: str, effects: set[str]) -> bool:
    return changed_one(
        session,
        update(OutboxRow)
        .where(_mine([row_id], worker))
        .values(delivered=",".join(sorted(effects)))
        .execution_options(synchronize_session=False),
    )


def finish(session: Session, row_ids: list[int], worker: str, now: datetime) -> int:
    done = session.execute(
        update(OutboxRow)
        .where(_mine(row_ids, worker))
        .values(state=DONE, done_at=now, next_attempt_at=None, claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(done.rowcount)  # type: ignore[attr-defined]


def put_back(session: Session, row_ids: list[int], worker: str, at: datetime, error: str) -> None:
    """Pending again from ``at`` (what was delivered stays recorded)."""
    session.execute(
        update(OutboxRow)
        .where(_mine(row_ids, worker))
        .values(
            state=PENDING, next_attempt_at=at, claimed_by=None, claimed_until=None, last_error=error
        )
        .execution_options(synchronize_session=False)
    )


def count_failure(session: Session, row_id: int, worker: str, error: str, cap: int) -> bool:
    """One more failed attempt of this row; True (and the row failed) once it reaches ``cap``."""
    row = session.get(OutboxRow, row_id, with_for_update=True)
    if row is None or row.claimed_by != worker or row.state != SENDING:
        return False
    row.attempts += 1
    row.last_error = error
    if row.attempts < cap:
        return False
    lease.release(row, FAILED, None)
    return True


def absorb_repaints(session: Session, incident_id: int, now: datetime) -> int:
    """Settle the incident's waiting repaint-only rows: the repaint about to be made, from
    the state read after this, shows what they asked for."""
    rows = list(
        session.scalars(
            select(OutboxRow)
            .where(
                OutboxRow.incident_id == incident_id,
                OutboxRow.kind == REPAINT,
                OutboxRow.state == PENDING,
            )
            .with_for_update(skip_locked=True)
        )
    )
    for row in rows:
        row.done_at = now
        lease.release(row, DONE, None)
    return len(rows)


def next_due(session: Session) -> datetime | None:
    """When the earliest waiting row falls due (one index lookup)."""
    return session.scalar(select(func.min(OutboxRow.next_attempt_at)))


def unfinished_count(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.state.in_(UNFINISHED))
        )
        or 0
    )
