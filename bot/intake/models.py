"""Deliveries already answered, so a repeated delivery gets the first answer again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.database import Base, UTCDateTime

KEY_MAX = 128


class IntakeDelivery(Base):
    """One accepted delivery: which intake, its idempotency key, and what it was answered."""

    __tablename__ = "intake_delivery"
    __table_args__ = (UniqueConstraint("source", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # "intake" or "github"
    key: Mapped[str] = mapped_column(String(KEY_MAX))
    # SHA-256 of the body, so a key reused for a different report is refused, not replayed.
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    status: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)  # the JSON body sent the first time
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
