"""Rows that make the embargo's watch survive a restart."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.database import Base, UTCDateTime


class ExposedChannel(Base):
    """A channel found public or shared: the bot never posts there again, and the team was
    told once (``told_at``)."""

    __tablename__ = "exposed_channel"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(40), unique=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"))
    reason: Mapped[str] = mapped_column(String(20))  # "public", "shared"
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)
    told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RosterMember(Base):
    """Someone the bot has known on the roster; ``removed_at`` once they left it, and
    ``handled_at`` once their access and reminders were dealt with."""

    __tablename__ = "roster_member"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40), unique=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
