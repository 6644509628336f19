"""Every validly signed delivery, kept as it arrived before anything parses it.

A report that cannot be opened as an incident (a bug, a column it does not fit, a body
the parser chokes on) is never lost: its bytes stay here, marked for the team to look at.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.database import Base, Database, UTCDateTime

RECEIVED = "received"  # stored, not handled yet (or the process died handling it)
OPENED = "opened"  # it opened (or found) an incident
REFUSED = "refused"  # the sender was told what was wrong (a 4xx)
NEEDS_LOOK = "needs_look"  # it failed on our side; the team was told


class RawDelivery(Base):
    __tablename__ = "intake_raw"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # "intake" or "github"
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(20), default=RECEIVED, index=True)
    status: Mapped[int | None] = mapped_column(Integer)  # what the sender was answered
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"))
    # The kind of failure only (an exception class or problem slug): never report text.
    reason: Mapped[str | None] = mapped_column(String(200))


def keep(db: Database, source: str, body: bytes, received_at: datetime) -> int:
    with db.transaction() as session:
        row = RawDelivery(source=source, received_at=received_at, body=body, state=RECEIVED)
        session.add(row)
        session.flush()
        return row.id


def settle(
    db: Database,
    raw_id: int,
    state: str,
    status: int,
    *,
    incident_id: int | None = None,
    reason: str | None = None,
) -> None:
    with db.transaction() as session:
        row = session.get(RawDelivery, raw_id)
        if row is None:
            return
        row.state, row.status, row.incident_id = state, status, incident_id
        row.reason = reason[:200] if reason else None
        if state == OPENED:
            row.body = b""  # the incident holds it now; a second copy is only more to guard
