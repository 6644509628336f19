"""Leases: who may work on a row, and until when. Two kinds, one rule: a lease that runs
out means its holder died or hung, and the next holder is told its work may be half done.

Work rows (outbox, reminders) have `next_attempt_at` (the only column a claimer searches:
due time while pending, the lease end while leased, NULL once settled), `claimed_by`,
`claimed_until` and `lease_expiries`. Claimers lock due rows with `FOR UPDATE SKIP LOCKED`
(`due`; PostgreSQL: replicas split the work; SQLite: `BEGIN IMMEDIATE` serialises
claimers, same code) and lease them (`take`, `release`).

A row with a single "until" column (an incident's set-up, a lead offer's posting) is
leased by conditional UPDATEs instead (`acquire`, `extend`, `relinquish`), so of several
workers (threads, replicas, a button and a job) exactly one gets it without holding a row
lock while the work talks to Slack.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.database.core import changed_one


class LeasedRow(Protocol):
    state: str
    next_attempt_at: datetime | None
    claimed_by: str | None
    claimed_until: datetime | None
    lease_expiries: int


def due(model: Any, now: datetime, limit: int) -> Select[Any]:
    """Due rows of ``model``, oldest first, skipping rows another claimer has locked."""
    return (
        select(model)
        .where(model.next_attempt_at <= now)
        .order_by(model.next_attempt_at, model.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


def take(row: LeasedRow, worker: str, until: datetime, leased_state: str) -> bool:
    """Lease ``row`` to ``worker``; True when a previous lease ran out mid-work (recovered)."""
    recovered = row.state == leased_state
    if recovered:
        row.lease_expiries += 1
    row.state = leased_state
    row.claimed_by = worker
    row.claimed_until = row.next_attempt_at = until
    return recovered


def release(row: LeasedRow, state: str, next_attempt_at: datetime | None) -> None:
    """Give the row up: settled (no next attempt) or back to wait until ``next_attempt_at``."""
    row.state = state
    row.next_attempt_at = next_attempt_at
    row.claimed_by = row.claimed_until = None


# -- a single "until" column, by conditional UPDATEs ---------------------------------------
@dataclass(frozen=True)
class Lease:
    until: datetime
    lapsed: bool  # an earlier holder's lease ran out: its work may be half done


def acquire(
    session: Session,
    column: InstrumentedAttribute[datetime | None],
    row: ColumnElement[bool],
    now: datetime,
    until: datetime,
) -> Lease | None:
    """Take the lease of the row matching `row` until `until`, if it is free or lapsed."""
    for lapsed, free in ((True, column < now), (False, column.is_(None))):
        statement = update(column.class_).where(row, free).values({column.key: until})
        if changed_one(session, statement):
            return Lease(until, lapsed)
    return None


def extend(
    session: Session,
    column: InstrumentedAttribute[datetime | None],
    row: ColumnElement[bool],
    until: datetime,
    **also: Any,
) -> bool:
    """Move the lease to `until` (and write `also`), only if `row` still says it is ours."""
    statement = update(column.class_).where(row).values({column.key: until, **also})
    return changed_one(session, statement)


def relinquish(
    session: Session,
    column: InstrumentedAttribute[datetime | None],
    row: ColumnElement[bool],
    **also: Any,
) -> bool:
    """Give the lease up (and write `also`), only if `row` still says it is ours."""
    statement = update(column.class_).where(row).values({column.key: None, **also})
    return changed_one(session, statement)
