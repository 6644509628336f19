from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.database import Base, UTCDateTime


class TimelineEvent(Base):
    __tablename__ = "timeline_event"
    __table_args__ = (UniqueConstraint("source_channel", "source_ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A Slack message the team added to the timeline: where it is and who wrote it, so an
    # edit or a deletion in Slack finds this row again.
    source_channel: Mapped[str | None] = mapped_column(String(40))
    source_ts: Mapped[str | None] = mapped_column(String(40))
    source_author: Mapped[str | None] = mapped_column(String(40))
    source_edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
