"""Turning a queued row into the email the server receives."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime


def build_message(
    *,
    sender: str,
    recipients: Sequence[str],
    subject: str,
    body: str,
    message_id: str,
    headers: Mapping[str, str],
    date: datetime,
    reply_to: str | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    if reply_to and not any(name.lower() == "reply-to" for name in headers):
        message["Reply-To"] = reply_to
    for name, value in headers.items():
        message[name] = value
    message.set_content(body)
    return message
