"""The public announcement: drafted from the advisory fields only, made at most once, and
never before its time unless the issue is public already.

Subjects follow the Kubernetes announcement template: `[Security Advisory] CVE: summary`
to the announcement lists, and a separate message to oss-security with the project's
name in brackets first, as that list asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit.service import record
from bot.distributor.models import Announcement
from bot.distributor.notice import NO_CVE, summary_of
from bot.exports.advisory import TODO, advisory_markdown
from bot.exports.context import ExportContext
from bot.incident.models import Incident, Phase
from bot.mail.models import OutboundMail
from bot.mail.outbox import enqueue_mail
from bot.timeline.service import add_event

OSS_SECURITY = "oss-security@lists.openwall.com"


def is_oss_security(address: str) -> bool:
    return address.strip().lower() == OSS_SECURITY


def advisory_subject(incident: Incident) -> str:
    return f"[Security Advisory] {incident.cve_id or NO_CVE}: {summary_of(incident)}"


def oss_security_subject(incident: Incident, project: str) -> str:
    return f"[{project}] {incident.cve_id or NO_CVE}: {summary_of(incident)}"


def announcement_body(ctx: ExportContext) -> str:
    """The advisory export's announcement (the Kubernetes announcement email, field by
    field) without its draft header: only what the advisory says."""
    text = advisory_markdown(ctx)
    _, separator, body = text.partition("\n---\n")
    return (body if separator else text).strip() + "\n"


def todo_count(body: str) -> int:
    return body.count(f"{TODO}:")


def check_announcement(session: Session, incident: Incident, now: datetime) -> list[str]:
    """Why the announcement may not go out now (empty: it may)."""
    if session.scalar(select(Announcement.id).where(Announcement.incident_id == incident.id)):
        return [f"{incident.human_id} was announced already; the bot announces once."]
    if incident.phase == Phase.CLOSED.value:
        return [f"{incident.human_id} is closed."]
    if incident.phase not in (Phase.RELEASED.value, Phase.DISCLOSED.value) and not (
        incident.is_public
    ):
        return [
            f"{incident.human_id} is in {incident.phase}: announce once the fix is released "
            "(or the issue is public)."
        ]
    planned = incident.disclosure_planned_at
    if not incident.is_public and planned is not None and now < planned:
        return [
            f"The embargo holds until {planned:%Y-%m-%d %H:%M} UTC: the announcement goes out "
            "at or after that time (unless the issue is public, see `/disclose public`)."
        ]
    return []


@dataclass(frozen=True)
class AnnouncementMail:
    to: tuple[str, ...]
    subject: str


def announcement_mails(
    incident: Incident, recipients: Sequence[str], project: str, subject: str
) -> list[AnnouncementMail]:
    lists = tuple(a for a in recipients if not is_oss_security(a))
    oss = tuple(a for a in recipients if is_oss_security(a))
    mails = [AnnouncementMail(lists, subject)] if lists else []
    if oss:
        mails.append(AnnouncementMail(oss, oss_security_subject(incident, project)))
    return mails


def record_announcement(
    session: Session,
    incident: Incident,
    *,
    subject: str,
    body: str,
    recipients: Sequence[str],
    project: str,
    actor: str,
    now: datetime,
    domain: str,
) -> tuple[Announcement, list[OutboundMail]]:
    announcement = Announcement(
        incident_id=incident.id, subject=subject, body=body, announced_by=actor, created_at=now
    )
    session.add(announcement)
    session.flush()  # the unique incident_id stops a second announcement here
    mails = [
        enqueue_mail(
            session,
            incident_id=incident.id,
            purpose="announcement",
            to=list(mail.to),
            subject=mail.subject,
            body=body,
            now=now,
            domain=domain,
            dedupe_key=f"announcement:{incident.id}:{index}",
        )
        for index, mail in enumerate(announcement_mails(incident, recipients, project, subject))
    ]
    add_event(
        session,
        incident.id,
        now,
        actor,
        "announced",
        f"Public announcement: {subject}",
        {"recipients": list(recipients)},
    )
    record(session, now, actor, "incident.announced", incident.id, recipients=list(recipients))
    return announcement, mails
