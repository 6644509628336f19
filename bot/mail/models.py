"""Outbound mail: each message a row, stored with the change that wants it sent."""

from __future__ import annotations

import enum
import json
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.database import Base, UTCDateTime


class MailState(enum.StrEnum):
    PENDING = "pending"  # waiting for `next_attempt_at` (first try, or a retry)
    SENDING = "sending"  # leased to a worker until `claimed_until`
    SENT = "sent"  # the server accepted it (`accepted_at`, `server_reply`)
    FAILED = "failed"  # given up: refused for good, the retry cap, or interrupted twice


class OutboundMail(Base):
    """`next_attempt_at` is the only column the worker searches (NULL once settled)."""

    __tablename__ = "outbound_mail"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))  # what the message is for, for its reader
    # Set by callers that must not queue the same message twice (a repeated click).
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    message_id: Mapped[str] = mapped_column(String(250), unique=True)  # with <>
    recipients_json: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    headers_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20), default=MailState.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # failed tries so far
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_expiries: Mapped[int] = mapped_column(Integer, default=0)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    server_reply: Mapped[str | None] = mapped_column(Text)
    refused_json: Mapped[str | None] = mapped_column(Text)  # recipients refused for good
    last_error: Mapped[str | None] = mapped_column(Text)
    permanent: Mapped[bool] = mapped_column(Boolean, default=False)  # refused for good
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a give-up was told

    @property
    def recipients(self) -> list[str]:
        return list(json.loads(self.recipients_json))

    @property
    def headers(self) -> dict[str, str]:
        return dict(json.loads(self.headers_json or "{}"))

    @property
    def refused(self) -> dict[str, str]:
        return dict(json.loads(self.refused_json)) if self.refused_json else {}

    @property
    def is_settled(self) -> bool:
        return self.state in (MailState.SENT.value, MailState.FAILED.value)
