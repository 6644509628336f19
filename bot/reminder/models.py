"""Deadline and reminder rows: what is due per incident, and each nudge about it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.database import Base, UTCDateTime


class DeadlineState(enum.StrEnum):
    OPEN = "open"
    MET_ON_TIME = "met_on_time"
    MET_LATE = "met_late"
    DROPPED = "dropped"  # no longer in the plan (policy, phase, closed incident)


class ReminderState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker until `claimed_until`
    SENT = "sent"
    CANCELLED = "cancelled"
    FAILED = "failed"  # gave up after the retry cap; reported in the triage thread


class DeadlineRow(Base):
    """One deadline of one incident, as last planned; people's changes live here too."""

    __tablename__ = "deadline"
    __table_args__ = (UniqueConstraint("incident_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(20))
    critical: Mapped[bool] = mapped_column(Boolean, default=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=DeadlineState.OPEN.value)
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lateness_seconds: Mapped[float | None] = mapped_column(Float)
    # Set by people: "Done" (for steps the incident record has no column for), a due
    # time set by hand, and a snooze that holds every reminder until it ends.
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[str | None] = mapped_column(String(40))
    rescheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The incident's updated_at when this was planned: a newer one means re-plan first.
    planned_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The due time, once it passed with the deadline open: set at most once, by a
    # conditional update, so two replicas (or a restart) record the miss only once.
    missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_open(self) -> bool:
        return self.status == DeadlineState.OPEN.value


class ReminderRow(Base):
    """One nudge. `next_attempt_at` is the only column the tick searches: the due time
    while pending, the retry time after a failure, the lease end while sending, and
    NULL once settled, so an idle tick is one short index range scan."""

    __tablename__ = "reminder"
    __table_args__ = (UniqueConstraint("deadline_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadline.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"))
    key: Mapped[str] = mapped_column(String(60))  # before:P1D, due, overdue:2, escalation
    seq: Mapped[int] = mapped_column(Integer, default=0)  # order within the deadline's plan
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    planned_for: Mapped[datetime] = mapped_column(UTCDateTime)  # the deadline's due time
    state: Mapped[str] = mapped_column(String(20), default=ReminderState.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_expiries: Mapped[int] = mapped_column(Integer, default=0)
    delivered: Mapped[str] = mapped_column(String(100), default="")  # places done, comma list
    last_error: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(String(40))

    @property
    def places_done(self) -> set[str]:
        return {place for place in self.delivered.split(",") if place}
