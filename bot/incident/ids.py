"""Human incident IDs such as SEC-2026-0042: per-year sequences, gap-free and unique."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.incident.models import IdSequence


def bump_sequence(session: Session, year: int) -> int:
    """Next number for the year. Holds the year's row lock until the transaction ends,
    so concurrent openings queue here rather than collide."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(IdSequence)
        .values(year=year, last_value=0)
        .on_conflict_do_nothing(index_elements=["year"])
    )
    statement = (
        update(IdSequence)
        .where(IdSequence.year == year)
        .values(last_value=IdSequence.last_value + 1)
        .returning(IdSequence.last_value)
    )
    return int(session.execute(statement).scalar_one())


def format_human_id(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:04d}"
