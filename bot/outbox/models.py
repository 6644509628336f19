"""One row per committed change that something outside must show."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.database import Base, UTCDateTime


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # leased to a worker until `claimed_until`
    DONE = "done"
    FAILED = "failed"  # given up; reported where the team sees it


class OutboxRow(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20), default=OutboxState.PENDING.value)
    # The only column a worker searches (see bot.database.lease); NULL once settled.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_expiries: Mapped[int] = mapped_column(Integer, default=0)
    delivered: Mapped[str] = mapped_column(Text, default="")  # effects done, comma list
    # The other features heard of the change (`hooks.changed`): done at once, whatever Slack
    # does, so re-planning deadlines never waits for a delivery.
    hooked: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    @property
    def effects_done(self) -> set[str]:
        return {name for name in self.delivered.split(",") if name}
