"""Lead offers and each member's place in the rotation."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.database import Base, UTCDateTime


class OfferKind(enum.StrEnum):
    ROTATION = "rotation"  # the next member in the rotation is asked
    HANDOFF = "handoff"  # `/disclose lead @user`: the current lead stays until this is accepted
    TEAM = "team"  # the rotation is exhausted: anyone on the team may volunteer
    VOLUNTEER = "volunteer"  # record of someone taking the role unasked


class OfferStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    PASSED = "passed"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"  # someone else took the role (a volunteer, a newer handoff)


class LeadOffer(Base):
    __tablename__ = "lead_offer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    candidate_id: Mapped[str | None] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), default=OfferStatus.PENDING.value, index=True)
    offered_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")

    # Where the offer was posted, so its messages are edited in place once answered.
    channel_id: Mapped[str | None] = mapped_column(String(40))
    channel_ts: Mapped[str | None] = mapped_column(String(40))
    dm_channel_id: Mapped[str | None] = mapped_column(String(40))
    dm_ts: Mapped[str | None] = mapped_column(String(40))
    # Whoever posts the offer holds it until this time, so it is posted once.
    post_lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posted: Mapped[bool] = mapped_column(default=False)

    @property
    def is_pending(self) -> bool:
        return self.status == OfferStatus.PENDING.value


class RotationMember(Base):
    """A member's place in the rotation and whether they are away.

    `last_turn` is the rotation counter value when the member last took a turn (0: never);
    the member with the oldest turn is asked first. Passing changes nothing here.
    """

    __tablename__ = "rotation_member"

    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_turn: Mapped[int] = mapped_column(Integer, default=0)
    away_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RotationCounter(Base):
    """One row: the number of turns handed out so far, bumped under its row lock."""

    __tablename__ = "rotation_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    turns: Mapped[int] = mapped_column(Integer, default=0)
