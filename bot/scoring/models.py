"""Recorded CVSS scores of incidents, and each team member's own latest vector."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.database import Base, UTCDateTime

VECTOR_MAX = 300


class ScoreRecord(Base):
    """One recorded score, oldest first: the incident's score history.

    `is_final` rows set the incident's score (cvss_vector, cvss_score, severity); the others
    are members' proposals kept after the lead already decided.
    """

    __tablename__ = "cvss_score"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    user_id: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[str] = mapped_column(String(5))
    vector: Mapped[str] = mapped_column(String(VECTOR_MAX))
    score: Mapped[float] = mapped_column(Float)
    severity: Mapped[str] = mapped_column(String(10))
    nomenclature: Mapped[str | None] = mapped_column(String(10))
    is_final: Mapped[bool] = mapped_column(Boolean, default=True)
    # How it was recorded: "modal", "command" (the Record button) or "pick" (from a comparison).
    via: Mapped[str] = mapped_column(String(10), default="modal")


class MemberVector(Base):
    """The latest vector a roster member submitted for an incident, for team comparison."""

    __tablename__ = "cvss_member_vector"
    __table_args__ = (UniqueConstraint("incident_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    user_id: Mapped[str] = mapped_column(String(40))
    vector: Mapped[str] = mapped_column(String(VECTOR_MAX))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
