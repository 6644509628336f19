"""Storing mail sent to the security address: a new report opens an incident, a reply
joins its incident, machine mail is recorded as such. Once per Message-ID.

No Slack here: what is to be shown (replies, attachments) is left in rows that
`bot.slack.mail_posts` delivers and marks done.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.audit.service import record
from bot.database import Database
from bot.incident import service as incidents
from bot.incident.models import DESCRIPTION_MAX, TITLE_MAX, Incident, Source
from bot.incident.service import open_incident
from bot.incident.validation import IncidentDraft
from bot.intake.mail_models import MESSAGE_ID_MAX, MailAttachment, MailMessage
from bot.intake.mail_parse import AUTO_REPLY, BOUNCE, REPORT, ParsedMail, without_quote
from bot.timeline.service import add_event

OPENED = "opened"
REPLY = "reply"
IGNORED = "ignored"  # machine mail that belongs to no incident
MORE = "\n\n[The whole message is attached as message.txt.]"


@dataclass(frozen=True)
class MailOutcome:
    outcome: str  # opened, reply, auto_reply, bounce, ignored
    incident_id: int | None
    human_id: str | None
    created: bool  # False: this Message-ID was stored before

    @property
    def status(self) -> int:
        if self.outcome == OPENED:
            return 201
        return 200 if self.outcome == REPLY else 202

    def body(self) -> dict[str, object]:
        found: dict[str, object] = {"outcome": self.outcome, "incident_id": self.human_id}
        if not self.created:
            found["duplicate"] = True
        return found


def receive_mail(
    db: Database,
    mail: ParsedMail,
    raw: bytes,
    *,
    now: datetime,
    prefix: str,
    attachment_limit: int,
) -> MailOutcome:
    try:
        with db.transaction() as session:
            return _receive(session, mail, raw, now, prefix, attachment_limit)
    except IntegrityError:
        # A second delivery of the same message committed first: answer as it did.
        with db.transaction() as session:
            earlier = _earlier(session, mail.message_id)
        if earlier is None:
            raise
        return earlier


def find_incident(session: Session, mail: ParsedMail, prefix: str) -> Incident | None:
    """By the messages it answers (mail the bot sent or received), else `[SEC-…]` in the
    subject."""
    for message_id in mail.thread_ids:
        row = session.scalar(select(MailMessage).where(MailMessage.message_id == message_id))
        if row is not None and row.incident_id is not None:
            return incidents.get(session, row.incident_id)
    for human_id in re.findall(rf"\[({re.escape(prefix)}-\d{{4}}-\d+)\]", mail.subject):
        found = incidents.get_by_human_id(session, human_id)
        if found is not None:
            return found
    return None


def remember_sent(
    session: Session, incident_id: int, message_id: str, subject: str, sender: str, now: datetime
) -> None:
    """A message the bot sent for an incident, so the answer to it finds the incident."""
    session.add(
        MailMessage(
            message_id=message_id[:MESSAGE_ID_MAX],
            incident_id=incident_id,
            direction="out",
            kind="sent",
            from_address=sender,
            subject=subject[:998],
            at=now,
            posted=True,
        )
    )


def _earlier(session: Session, message_id: str) -> MailOutcome | None:
    row = session.scalar(select(MailMessage).where(MailMessage.message_id == message_id))
    if row is None:
        return None
    incident = incidents.get(session, row.incident_id) if row.incident_id else None
    outcome = {REPORT: OPENED}.get(row.kind, row.kind)
    if row.incident_id is None:
        outcome = IGNORED
    return MailOutcome(outcome, row.incident_id, incident.human_id if incident else None, False)


def _receive(
    session: Session, mail: ParsedMail, raw: bytes, now: datetime, prefix: str, limit: int
) -> MailOutcome:
    earlier = _earlier(session, mail.message_id[:MESSAGE_ID_MAX])
    if earlier is not None:
        return earlier
    incident = find_incident(session, mail, prefix)
    if incident is None and mail.kind != REPORT:
        _store(session, mail, raw, None, mail.kind, now, posted=True)
        return MailOutcome(IGNORED, None, None, True)
    if incident is None:
        return _open(session, mail, raw, now, prefix, limit)
    kind = REPLY if mail.kind == REPORT else mail.kind
    row = _store(session, mail, raw, incident.id, kind, now, posted=False)
    _keep_attachments(session, row, incident.id, mail, limit, now)
    add_event(
        session,
        incident.id,
        now,
        "email",
        {REPLY: "reporter_wrote", AUTO_REPLY: "mail_auto_reply", BOUNCE: "mail_bounce"}[kind],
        summary(mail),
        {"message_id": mail.message_id, "from": mail.from_address},
    )
    record(session, now, "email", f"mail.{kind}", incident.id, message_id=mail.message_id)
    return MailOutcome(kind, incident.id, incident.human_id, True)


def summary(mail: ParsedMail) -> str:
    """What the timeline and the thread say about the message, in words."""
    if mail.kind == BOUNCE:
        failed = [f for f in mail.failures if f.action in ("failed", "delayed")] or mail.failures
        what = "; ".join(
            f"{f.recipient} {f.action} ({f.status}{': ' + f.diagnostic if f.diagnostic else ''})"
            for f in failed
        )
        return f"Mail to the reporter bounced: {what or 'no delivery details given'}"
    if mail.kind == AUTO_REPLY:
        return f"Automatic reply from {mail.from_address}: {mail.subject or '(no subject)'}"
    words = without_quote(mail.text) or mail.text
    if mail.encrypted and not words.replace("-----BEGIN PGP MESSAGE-----", "").strip():
        words = "(an encrypted message, attached)"
    return words


def _open(
    session: Session, mail: ParsedMail, raw: bytes, now: datetime, prefix: str, limit: int
) -> MailOutcome:
    text = mail.text
    if mail.encrypted:
        text = "The report came PGP-encrypted; it is attached to the channel as it arrived."
    description = (
        text if len(text) <= DESCRIPTION_MAX else text[: DESCRIPTION_MAX - len(MORE)] + MORE
    )
    title = mail.subject or f"Report from {mail.from_address}"
    draft = IncidentDraft(
        title=title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…",
        description=description,
        reporter_name=mail.from_name[:200],
        reporter_contact=mail.from_address[:200],
        source=Source.EMAIL.value,
        reported_at=now,
    )
    incident, created = open_incident(
        session,
        draft,
        opened_by="email",
        now=now,
        prefix=prefix,
        intake_key=f"email:{mail.message_id}"[:200],
    )
    if not created:  # a twin delivery opened it after our first look
        return MailOutcome(OPENED, incident.id, incident.human_id, False)
    row = _store(session, mail, raw, incident.id, REPORT, now, posted=True)
    if len(text) > DESCRIPTION_MAX:
        _attach(session, row, incident.id, "message.txt", "text/plain", text.encode(), limit, now)
    _keep_attachments(session, row, incident.id, mail, limit, now)
    add_event(
        session,
        incident.id,
        now,
        "email",
        "received",
        f"Report received by email from {mail.from_address}",
        {"message_id": mail.message_id, "from": mail.from_address, "subject": mail.subject},
    )
    record(session, now, "email", "intake.received", incident.id, message_id=mail.message_id)
    return MailOutcome(OPENED, incident.id, incident.human_id, True)


def _store(
    session: Session,
    mail: ParsedMail,
    raw: bytes,
    incident_id: int | None,
    kind: str,
    now: datetime,
    *,
    posted: bool,
) -> MailMessage:
    row = MailMessage(
        message_id=mail.message_id[:MESSAGE_ID_MAX],
        incident_id=incident_id,
        direction="in",
        kind=kind,
        from_address=mail.from_address[:320],
        subject=mail.subject[:998],
        at=now,
        posted=posted,
        raw=raw,
    )
    session.add(row)
    session.flush()
    return row


def _keep_attachments(
    session: Session,
    row: MailMessage,
    incident_id: int,
    mail: ParsedMail,
    limit: int,
    now: datetime,
) -> None:
    for item in mail.attachments:
        note = (
            "PGP-encrypted: kept as it arrived; decrypt it with the team's key."
            if item.encrypted
            else ""
        )
        _attach(
            session,
            row,
            incident_id,
            item.filename,
            item.content_type,
            item.data,
            limit,
            now,
            item.encrypted,
            note,
        )


def _attach(
    session: Session,
    row: MailMessage,
    incident_id: int,
    filename: str,
    content_type: str,
    data: bytes,
    limit: int,
    now: datetime,
    encrypted: bool = False,
    note: str = "",
) -> None:
    kept = len(data) <= limit
    if not kept:
        note = (
            f"Not kept: {_size(len(data))} is over the {_size(limit)} limit for attachments; "
            "ask the reporter for another way to share it."
        )
    session.add(
        MailAttachment(
            mail_id=row.id,
            incident_id=incident_id,
            filename=filename[:255] or "attachment",
            content_type=content_type[:127],
            size=len(data),
            encrypted=encrypted,
            data=data if kept else None,
            note=note,
        )
    )


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MB"
    return f"{count / 1024:.0f} KB" if count >= 1024 else f"{count} bytes"
