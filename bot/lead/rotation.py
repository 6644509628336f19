"""The rotation: who is asked next, and each member's place and away dates.

Rule: among the available members (on the roster, not away, leading fewer than the
maximum of open incidents, not yet asked for this incident), the one whose last turn is
the oldest is asked first; ties go by roster order. Taking the role (by accepting, by
volunteering or by accepting a handoff) is a turn. Passing is not: the passer keeps their
place and is asked first again for the next incident.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.audit.service import record
from bot.incident.models import Incident, Phase
from bot.lead.models import RotationCounter, RotationMember


def _insert_ignoring_duplicates(session: Session, model: type, **values: object) -> None:
    """Create a row unless a concurrent transaction (or an earlier one) already did."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(model).values(**values).on_conflict_do_nothing())


def member_row(session: Session, user_id: str) -> RotationMember:
    """The member's rotation row, created on first use and locked until commit."""
    query = (
        select(RotationMember)
        .where(RotationMember.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    row = session.scalar(query)
    if row is None:
        _insert_ignoring_duplicates(session, RotationMember, user_id=user_id, last_turn=0)
        row = session.scalar(query)
    assert row is not None
    return row


def take_turn(session: Session, user_id: str) -> int:
    """Move the member to the back of the rotation; returns the turn number."""
    bump = (
        update(RotationCounter)
        .where(RotationCounter.id == 1)
        .values(turns=RotationCounter.turns + 1)
        .returning(RotationCounter.turns)
    )
    turn = session.scalar(bump)
    if turn is None:
        _insert_ignoring_duplicates(session, RotationCounter, id=1, turns=0)
        turn = session.scalar(bump)
    assert turn is not None
    member_row(session, user_id).last_turn = turn
    return turn


def places(session: Session, members: Sequence[str]) -> dict[str, RotationMember]:
    rows = session.scalars(select(RotationMember).where(RotationMember.user_id.in_(members)))
    return {row.user_id: row for row in rows}


def away_until(session: Session, members: Sequence[str], now: datetime) -> dict[str, datetime]:
    """Members away right now, with the moment they are back."""
    return {
        user: row.away_until
        for user, row in places(session, members).items()
        if row.away_until is not None and row.away_until > now
    }


def open_leads(session: Session, members: Sequence[str]) -> dict[str, int]:
    query = (
        select(Incident.lead_id, func.count())
        .where(Incident.lead_id.in_(members), Incident.phase != Phase.CLOSED.value)
        .group_by(Incident.lead_id)
    )
    return {str(user): int(count) for user, count in session.execute(query)}


def queue(
    session: Session,
    members: Sequence[str],
    now: datetime,
    max_open: int,
    exclude: set[str] | frozenset[str] = frozenset(),
) -> list[str]:
    """Available members in the order they would be asked."""
    rows = places(session, members)
    load = open_leads(session, members)
    available = []
    for index, user in enumerate(members):
        row = rows.get(user)
        if user in exclude or load.get(user, 0) >= max_open:
            continue
        if row is not None and row.away_until is not None and row.away_until > now:
            continue
        available.append((row.last_turn if row else 0, index, user))
    return [user for _, _, user in sorted(available)]


def set_away(session: Session, user_id: str, until: datetime | None) -> None:
    member_row(session, user_id).away_until = until


def go_away(
    session: Session, user_id: str, last_day: date, zone: ZoneInfo, now: datetime
) -> datetime | None:
    """Away (out of the lead rotation and the on-call) until the end of `last_day` in the
    team's time zone, recorded in the audit log; None, and nothing changed, if that is past."""
    until = datetime.combine(last_day + timedelta(days=1), time(0), zone)
    if until <= now:
        return None
    set_away(session, user_id, until)
    record(session, now, user_id, "roster.away", None, until=until.isoformat())
    return until


def come_back(session: Session, user_id: str, now: datetime) -> None:
    """Back in the rotation and the on-call, recorded in the audit log."""
    set_away(session, user_id, None)
    record(session, now, user_id, "roster.back", None)
