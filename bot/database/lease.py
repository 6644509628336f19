"""Leases on work rows: who may work on a row, and until when.

A work row has `next_attempt_at` (the only column a claimer searches: due time while
pending, the lease end while leased, NULL once settled), `claimed_by`, `claimed_until`
and `lease_expiries`. Claimers lock due rows with `FOR UPDATE SKIP LOCKED` (PostgreSQL:
replicas split the work; SQLite: `BEGIN IMMEDIATE` serialises claimers, same code) and
lease them; a lease that runs out means its worker died or hung, and the row is handed
out again, marked as recovered, since its work may be half done.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, select


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
