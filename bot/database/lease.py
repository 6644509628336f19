"""Leases: a row's "until" column says who may work on it, and until when.

`acquire`, `extend` and `relinquish` are conditional UPDATEs, so of several workers
(threads, replicas, a button and a job) exactly one gets the lease, on both databases and
without holding a row lock while the work talks to Slack. A holder that dies leaves its
lease behind; it lapses at `until` and the next one is told the lease had lapsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.database.core import changed_one


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
