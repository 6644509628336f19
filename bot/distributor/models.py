"""The private distributors list, the notices each got, and embargo breaks."""

from __future__ import annotations

import enum
import json
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.database import Base, UTCDateTime


class NoticeKind(enum.StrEnum):
    NOTICE = "notice"  # the embargoed advance notice
    FINAL = "final"  # the final notice, the policy's offset before disclosure
    UPDATE = "update"  # the disclosure date changed
    RESEND = "resend"  # the notice again, to a distributor that stayed silent


class Distributor(Base):
    """One organisation on the list. Removed ones stay, with why, for the record."""

    __tablename__ = "distributor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = mapped_column(String(200), unique=True)
    addresses_json: Mapped[str] = mapped_column(Text)
    terms_accepted_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by: Mapped[str | None] = mapped_column(String(80))
    removal_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def addresses(self) -> list[str]:
        return list(json.loads(self.addresses_json))


class DistributorNotice(Base):
    """One email to one distributor about one incident; its delivery is the mail row's."""

    __tablename__ = "distributor_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    distributor_id: Mapped[int] = mapped_column(ForeignKey("distributor.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    mail_id: Mapped[int] = mapped_column(ForeignKey("outbound_mail.id"), unique=True)
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the date the notice gave
    sent_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set once the lead was told this distributor stayed silent (told once per notice).
    silence_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EmbargoLeak(Base):
    """An embargo break, with what the distributor rules ask to be known about it."""

    __tablename__ = "embargo_leak"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    distributor_id: Mapped[int | None] = mapped_column(ForeignKey("distributor.id"), index=True)
    what: Mapped[str] = mapped_column(Text)
    to_whom: Mapped[str] = mapped_column(Text)
    happened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    prevention: Mapped[str] = mapped_column(Text, default="")
    made_public: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Announcement(Base):
    """The public announcement of one incident: made at most once."""

    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), unique=True)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    announced_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel_posted_ts: Mapped[str | None] = mapped_column(String(40))
