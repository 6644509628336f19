"""The outbox: queue a message in the caller's transaction; hand due ones to one worker.

`enqueue_mail` only adds a row, so the message is stored if and only if the change that
wants it commits. `claim_due` leases due rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL,
so replicas split the work; SQLite serialises writers). The worker then records each
outcome in a statement of its own, guarded by its lease: the server's acceptance first
of all, so a crash after it never sends the message again. A lease that runs out (a
crash before the server accepted, or a hang) hands the message out once more, with the
same Message-ID; a second time it is given up and reported.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from bot.database import changed_one
from bot.mail.models import MailState, OutboundMail

PENDING, SENDING = MailState.PENDING.value, MailState.SENDING.value
SENT, FAILED = MailState.SENT.value, MailState.FAILED.value
# Set from the row and the settings at send time; callers may not override them.
RESERVED_HEADERS = frozenset({"from", "to", "cc", "bcc", "subject", "message-id", "date"})
HEADER_NAME = re.compile(r"^[!-9;-~]+$")  # printable ASCII without the colon (RFC 5322)


class InvalidMail(ValueError):
    """The message cannot be queued as given; the text says what is wrong."""


def make_message_id(domain: str) -> str:
    return f"<{uuid.uuid4().hex}@{domain}>"


def enqueue_mail(
    session: Session,
    *,
    incident_id: int | None,
    purpose: str,
    to: Sequence[str],
    subject: str,
    body: str,
    headers: Mapping[str, str] | None = None,
    now: datetime,
    domain: str,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
) -> OutboundMail:
    """Queue one message (sent by the mail worker once the transaction commits).

    `domain` goes into the Message-ID (see `bot.mail.mail_domain`); the row's
    `message_id` is known at once, for threading replies. With `dedupe_key`, queueing
    the same key again returns the first row instead of a second message.
    """
    if dedupe_key is not None:
        found = session.scalar(select(OutboundMail).where(OutboundMail.dedupe_key == dedupe_key))
        if found is not None:
            return found
    recipients = _checked_recipients(to)
    extra = _checked_headers(headers or {})
    if "\n" in subject or "\r" in subject:
        raise InvalidMail("the subject must be one line")
    row = OutboundMail(
        incident_id=incident_id,
        purpose=purpose,
        dedupe_key=dedupe_key,
        message_id=make_message_id(domain),
        recipients_json=json.dumps(recipients),
        subject=subject.strip(),
        body=body,
        headers_json=json.dumps(extra, sort_keys=True),
        created_at=now,
        state=PENDING,
        attempts=0,
        lease_expiries=0,
        permanent=False,
        next_attempt_at=max(now, not_before) if not_before else now,
    )
    session.add(row)
    session.flush()
    return row


def _checked_recipients(to: Sequence[str]) -> list[str]:
    if isinstance(to, str):
        to = [to]
    found: list[str] = []
    for raw in to:
        _, address = parseaddr(raw)
        if not address or "@" not in address or address != raw.strip() or " " in address:
            raise InvalidMail(f"expected a plain address such as security@example.org, not {raw!r}")
        if address.lower() not in (seen.lower() for seen in found):
            found.append(address)
    if not found:
        raise InvalidMail("a message needs at least one recipient")
    return found


def _checked_headers(headers: Mapping[str, str]) -> dict[str, str]:
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not HEADER_NAME.match(name):
            raise InvalidMail(f"{name!r} is not a valid header name")
        if name.lower() in RESERVED_HEADERS:
            raise InvalidMail(f"the {name} header is set by the mail worker, not the caller")
        if "\n" in value or "\r" in value:
            raise InvalidMail(f"the {name} header must be one line")
        checked[name] = value
    return checked


# -- the worker's side -----------------------------------------------------------------------


@dataclass(frozen=True)
class MailClaim:
    """One message leased to a worker, with everything needed to send it."""

    mail_id: int
    incident_id: int | None
    purpose: str
    message_id: str
    recipients: tuple[str, ...]
    subject: str
    body: str
    headers: Mapping[str, str]
    attempts: int
    recovered: bool  # a previous lease ran out mid-send


@dataclass(frozen=True)
class MailOutcome:
    """What happened to a message in the end, for the hooks (sent or given up)."""

    mail_id: int
    incident_id: int | None
    purpose: str
    message_id: str
    recipients: tuple[str, ...]
    subject: str
    state: str
    error: str | None = None
    permanent: bool = False
    refused: Mapping[str, str] | None = None


@dataclass
class ClaimResult:
    claims: list[MailClaim]
    gave_up: list[MailOutcome]


def claim_due(
    session: Session, now: datetime, limit: int, worker: str, lease: timedelta
) -> ClaimResult:
    rows = list(
        session.scalars(
            select(OutboundMail)
            .where(OutboundMail.next_attempt_at <= now)
            .order_by(OutboundMail.next_attempt_at, OutboundMail.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    result = ClaimResult([], [])
    for row in rows:
        if row.state == SENDING:  # its worker's lease ran out mid-send: a crash, or a hang
            row.lease_expiries += 1
            if row.lease_expiries > 1:
                _give_up(row, now, "its sending was interrupted twice (a crash or a hang)")
                result.gave_up.append(outcome(row))
                continue
        row.state = SENDING
        row.claimed_by = worker
        row.claimed_until = row.next_attempt_at = now + lease
        result.claims.append(
            MailClaim(
                mail_id=row.id,
                incident_id=row.incident_id,
                purpose=row.purpose,
                message_id=row.message_id,
                recipients=tuple(row.recipients),
                subject=row.subject,
                body=row.body,
                headers=row.headers,
                attempts=row.attempts,
                recovered=row.lease_expiries > 0,
            )
        )
    return result


def _mine(claim: MailClaim, worker: str) -> ColumnElement[bool]:
    return (
        (OutboundMail.id == claim.mail_id)
        & (OutboundMail.claimed_by == worker)
        & (OutboundMail.state == SENDING)
    )


def renew(session: Session, claim: MailClaim, worker: str, until: datetime) -> bool:
    """Still ours? Then extend the lease to cover this message's send."""
    return changed_one(
        session,
        update(OutboundMail)
        .where(_mine(claim, worker))
        .values(claimed_until=until, next_attempt_at=until)
        .execution_options(synchronize_session=False),
    )


def mark_accepted(
    session: Session,
    claim: MailClaim,
    worker: str,
    now: datetime,
    reply: str,
    refused: Mapping[str, str],
) -> bool:
    """The server took the message: settle the row (False if the lease was lost meanwhile,
    in which case the row is settled anyway, since the message is out)."""
    values = dict(
        state=SENT,
        accepted_at=now,
        server_reply=reply[:2000],
        refused_json=json.dumps(dict(refused)) if refused else None,
        next_attempt_at=None,
        claimed_until=None,
        last_error=None,
    )
    settled = changed_one(
        session,
        update(OutboundMail)
        .where(_mine(claim, worker))
        .values(**values)
        .execution_options(synchronize_session=False),
    )
    if settled:
        return True
    # Another worker took the row over after our lease ran out: the server has the
    # message all the same, so say so, unless that worker already settled it.
    session.execute(
        update(OutboundMail)
        .where(OutboundMail.id == claim.mail_id, OutboundMail.state != SENT)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return False


def retry_later(
    session: Session,
    claim: MailClaim,
    worker: str,
    now: datetime,
    at: datetime,
    error: str,
    cap: int,
) -> MailOutcome | None:
    """A temporary failure: try again at `at`, or give up after `cap` failed attempts."""
    row = session.scalar(select(OutboundMail).where(_mine(claim, worker)).with_for_update())
    if row is None:
        return None
    row.attempts += 1
    row.last_error = error[:2000]
    if row.attempts >= cap:
        _give_up(row, now, f"after {row.attempts} attempts: {error}")
        return outcome(row)
    row.state = PENDING
    row.claimed_by = row.claimed_until = None
    row.next_attempt_at = at
    return None


def refuse(
    session: Session, claim: MailClaim, worker: str, now: datetime, error: str
) -> MailOutcome | None:
    """A permanent refusal: given up at once, and marked so the sender can show it."""
    row = session.scalar(select(OutboundMail).where(_mine(claim, worker)).with_for_update())
    if row is None:
        return None
    row.attempts += 1
    row.permanent = True
    _give_up(row, now, error)
    return outcome(row)


def _give_up(row: OutboundMail, now: datetime, why: str) -> None:
    row.state = FAILED
    row.last_error = why[:2000]
    row.failed_at = now
    row.next_attempt_at = row.claimed_until = None


def mark_reported(session: Session, mail_id: int, now: datetime) -> None:
    session.execute(
        update(OutboundMail)
        .where(OutboundMail.id == mail_id)
        .values(reported_at=now)
        .execution_options(synchronize_session=False)
    )


def outcome(row: OutboundMail) -> MailOutcome:
    return MailOutcome(
        mail_id=row.id,
        incident_id=row.incident_id,
        purpose=row.purpose,
        message_id=row.message_id,
        recipients=tuple(row.recipients),
        subject=row.subject,
        state=row.state,
        error=row.last_error,
        permanent=row.permanent,
        refused=row.refused or None,
    )
