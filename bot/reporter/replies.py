"""A reply to the reporter: one queued email per request, threaded into their conversation.

The message goes into the outbox in the same transaction as its timeline event, so it
is sent once and only if the step is recorded (the mail job sends it). Its Message-ID is
remembered, so the reporter's answer finds the incident. The first message to the
reporter meets the policy's "acknowledge the reporter" deadline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit.service import record
from bot.deadline.model import DeadlineKind
from bot.incident import service as incidents
from bot.incident.models import Incident, Source
from bot.intake.mail_models import MailMessage
from bot.intake.mail_service import remember_sent
from bot.mail.models import OutboundMail
from bot.mail.outbox import InvalidMail, enqueue_mail
from bot.policy import BusinessCalendar, Policy
from bot.reminder.models import DeadlineRow
from bot.reminder.service import mark_done
from bot.timeline.service import add_event

ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>.]+")
TEXT_MAX = 10_000
REFERENCES_MAX = 20
PURPOSE = "reporter_reply"
THREAD_KINDS = ("report", "reply", "sent")


class Refused(Exception):
    """The reply cannot go out; the text says why and what to do instead."""


@dataclass(frozen=True)
class Queued:
    incident_id: int
    human_id: str
    to: str
    subject: str
    message_id: str
    acknowledged: bool  # this reply met the acknowledge deadline
    new: bool = True  # False: the same request came again, and was queued the first time


def reporter_address(incident: Incident) -> str | None:
    """The reporter's email address, when their contact is one ("Name <a@b.example>" too)."""
    contact = (incident.reporter_contact or "").strip()
    _, address = parseaddr(contact)
    if not ADDRESS.fullmatch(address) or address not in contact:
        return None
    return address


def github_advisory(incident: Incident) -> str | None:
    """Where a GitHub-sourced reporter is answered: the advisory, not their mailbox."""
    if incident.source != Source.GITHUB.value:
        return None
    return incident.external_ref or "the repository's security advisory"


def why_not(incident: Incident) -> str | None:
    advisory = github_advisory(incident)
    if advisory is not None:
        return (
            f"{incident.human_id} came in as a GitHub security advisory: the reporter reads "
            f"and answers there, so write to them in the advisory: {advisory}"
        )
    if reporter_address(incident) is None:
        return (
            f"{incident.human_id} has no email address for the reporter (contact: "
            f"{incident.reporter_contact or 'none'}); add one to the incident first."
        )
    return None


def subject_for(session: Session, incident: Incident) -> str:
    first = session.scalar(
        select(MailMessage.subject)
        .where(MailMessage.incident_id == incident.id, MailMessage.direction == "in")
        .order_by(MailMessage.id)
    )
    base = re.sub(r"^\s*((re|fwd?|aw|sv):\s*)+", "", first or "", flags=re.I).strip()
    base = re.sub(rf"\[{re.escape(incident.human_id)}\]\s*", "", base) or incident.title
    return f"{'Re: ' if first else ''}[{incident.human_id}] {base}"


def queue_reply(
    session: Session,
    incident_id: int,
    text: str,
    *,
    actor: str,
    now: datetime,
    domain: str,
    sender: str,
    dedupe_key: str,
    policy: Policy,
    calendar: BusinessCalendar,
) -> Queued:
    incident = incidents.lock(session, incident_id)
    if incident is None:
        raise Refused("That incident no longer exists.")
    problem = why_not(incident)
    if problem:
        raise Refused(problem)
    text = text.strip()
    if not text:
        raise Refused("Write the message first: `/disclose reply <text>`.")
    if len(text) > TEXT_MAX:
        raise Refused(f"The message is {len(text)} characters; at most {TEXT_MAX} are allowed.")
    address = reporter_address(incident)
    assert address is not None
    thread = list(
        session.scalars(
            select(MailMessage)
            .where(MailMessage.incident_id == incident.id, MailMessage.kind.in_(THREAD_KINDS))
            .order_by(MailMessage.id)
        )
    )
    headers: dict[str, str] = {}
    answered = [m for m in thread if m.direction == "in"]
    if answered:
        headers["In-Reply-To"] = answered[-1].message_id
    if thread:
        headers["References"] = " ".join(m.message_id for m in thread[-REFERENCES_MAX:])
    subject = subject_for(session, incident)
    body = (
        f"{text}\n\n-- \n{incident.human_id}: please keep this reference in the subject "
        "when you reply.\n"
    )
    earlier = session.scalar(select(OutboundMail).where(OutboundMail.dedupe_key == dedupe_key))
    if earlier is not None:  # the same request again (a redelivery): queued already
        return Queued(
            incident.id, incident.human_id, address, subject, earlier.message_id, False, False
        )
    try:
        row = enqueue_mail(
            session,
            incident_id=incident.id,
            purpose=PURPOSE,
            to=[address],
            subject=subject,
            body=body,
            headers=headers,
            now=now,
            domain=domain,
            dedupe_key=dedupe_key,
        )
    except InvalidMail as exc:
        raise Refused(f"The message cannot be sent: {exc}.") from None
    remember_sent(session, incident.id, row.message_id, subject, sender, now)
    add_event(
        session,
        incident.id,
        now,
        actor,
        "reporter_replied",
        text,
        {"message_id": row.message_id, "to": address},
    )
    record(session, now, actor, "reporter.reply", incident.id, message_id=row.message_id)
    acknowledged = _acknowledge(session, incident, actor, now, policy, calendar)
    return Queued(incident.id, incident.human_id, address, subject, row.message_id, acknowledged)


def _acknowledge(
    session: Session,
    incident: Incident,
    actor: str,
    now: datetime,
    policy: Policy,
    calendar: BusinessCalendar,
) -> bool:
    row = session.scalar(
        select(DeadlineRow).where(
            DeadlineRow.incident_id == incident.id,
            DeadlineRow.kind == DeadlineKind.ACKNOWLEDGE.value,
        )
    )
    if row is None or not row.is_open:
        return False
    mark_done(session, row.id, actor, now, policy, calendar)
    return True
