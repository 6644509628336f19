"""CVE IDs the team reserved through the bot, and what became of each."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.database import Base, UTCDateTime


class CveState(enum.StrEnum):
    REQUESTING = "requesting"  # asked CVE Services; held by `lease_until` until it answers
    RESERVED = "reserved"
    PUBLISHED = "published"
    REJECTED = "rejected"


class CveReservation(Base):
    __tablename__ = "cve_reservation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cve_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default=CveState.REQUESTING.value)
    requested_by: Mapped[str] = mapped_column(String(40))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reserved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(String(40))
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The CNA container last sent, and its fingerprint (what a confirmation refers to).
    record_json: Mapped[str | None] = mapped_column(Text)
    record_fingerprint: Mapped[str | None] = mapped_column(String(32))
