"""The rows behind an incident's affected packages and credits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.database import Base


class AffectedPackageRow(Base):
    __tablename__ = "affected_package"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    ecosystem: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    ranges: Mapped[list[Any]] = mapped_column(JSON)
    versions: Mapped[list[str]] = mapped_column(JSON)
    fixed: Mapped[list[str]] = mapped_column(JSON)
    fix_links: Mapped[list[str]] = mapped_column(JSON)
    range_text: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")


class AdvisoryCreditRow(Base):
    __tablename__ = "advisory_credit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(30))
    contact: Mapped[str] = mapped_column(String(300), default="")
    state: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))
