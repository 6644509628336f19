"""Sending notices (one email per distributor), acknowledgements, and who is silent.

A notice and its email are stored in one transaction; the mail worker sends it. Its
delivery state is the email's (`outbound_mail`), so nothing here can disagree with what
the server accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.audit.service import record
from bot.distributor.models import Distributor, DistributorNotice, NoticeKind
from bot.distributor.notice import acknowledgement_footer
from bot.incident.models import Incident
from bot.mail.models import MailState, OutboundMail
from bot.mail.outbox import enqueue_mail
from bot.policy import BusinessCalendar, Duration
from bot.timeline.service import add_event

PURPOSES = {
    NoticeKind.NOTICE: "distributor_notice",
    NoticeKind.RESEND: "distributor_notice",
    NoticeKind.FINAL: "distributor_final",
    NoticeKind.UPDATE: "distributor_update",
}


def send_notices(
    session: Session,
    incident: Incident,
    kind: NoticeKind,
    distributor_ids: Sequence[int],
    *,
    subject: str,
    body: str,
    planned_at: datetime,
    actor: str,
    now: datetime,
    domain: str,
    link_for: Callable[[int], str],
    request_key: str | None = None,
) -> list[DistributorNotice]:
    """One notice and one email per distributor, each with its own acknowledgement link.
    `request_key` (a form's view ID) makes a repeated submission queue nothing more."""
    chosen = list(
        session.scalars(
            select(Distributor)
            .where(Distributor.id.in_(list(distributor_ids)), Distributor.active.is_(True))
            .order_by(Distributor.id)
        )
    )
    notices: list[DistributorNotice] = []
    for distributor in chosen:
        key = f"{request_key}:{distributor.id}" if request_key else None
        if key is not None:
            known = session.scalar(select(OutboundMail).where(OutboundMail.dedupe_key == key))
            if known is not None:
                continue
        notice = DistributorNotice(
            incident_id=incident.id,
            distributor_id=distributor.id,
            kind=kind.value,
            mail_id=0,
            planned_at=planned_at,
            sent_by=actor,
            created_at=now,
        )
        # The notice's ID goes into its link, so the row comes first; the mail follows in
        # the same transaction and the notice points at it before anything commits.
        mail = enqueue_mail(
            session,
            incident_id=incident.id,
            purpose=PURPOSES[kind],
            to=distributor.addresses,
            subject=subject,
            body="",
            now=now,
            domain=domain,
            dedupe_key=key,
            headers={"X-Disclosure-Notice": kind.value},
        )
        notice.mail_id = mail.id
        session.add(notice)
        session.flush()
        mail.body = body.rstrip("\n") + "\n" + acknowledgement_footer(link_for(notice.id))
        notices.append(notice)
    if notices:
        names = ", ".join(
            d.organisation for d in chosen if d.id in {n.distributor_id for n in notices}
        )
        add_event(
            session,
            incident.id,
            now,
            actor,
            f"distributor_{kind.value}_queued",
            f"{kind.value.capitalize()} to distributors queued: {names}",
            {"kind": kind.value, "notices": [n.id for n in notices]},
        )
        record(
            session,
            now,
            actor,
            f"distributors.{kind.value}",
            incident.id,
            distributors=[n.distributor_id for n in notices],
        )
    return notices


def acknowledge(session: Session, notice_id: int, now: datetime) -> DistributorNotice | None:
    """The first acknowledgement counts; later clicks change nothing."""
    notice = session.get(DistributorNotice, notice_id, with_for_update=True)
    if notice is None:
        return None
    if notice.acknowledged_at is None:
        notice.acknowledged_at = now
        distributor = session.get(Distributor, notice.distributor_id)
        name = distributor.organisation if distributor else f"distributor {notice.distributor_id}"
        add_event(
            session,
            notice.incident_id,
            now,
            "distributor",
            "distributor_acknowledged",
            f"{name} acknowledged the {notice.kind} notice",
            {"notice": notice.id, "distributor": notice.distributor_id},
        )
    return notice


@dataclass(frozen=True)
class DistributorStatus:
    distributor_id: int
    organisation: str
    addresses: tuple[str, ...]
    state: str  # queued, sent, failed, refused
    sent_at: datetime | None
    acknowledged_at: datetime | None
    final_sent_at: datetime | None
    error: str | None
    last_notice_id: int
    planned_at: datetime  # the date the latest notice gave


def notice_status(session: Session, incident_id: int) -> list[DistributorStatus]:
    """Per distributor told about this incident: delivery, acknowledgement, final notice."""
    rows = session.execute(
        select(DistributorNotice, OutboundMail, Distributor)
        .join(OutboundMail, OutboundMail.id == DistributorNotice.mail_id)
        .join(Distributor, Distributor.id == DistributorNotice.distributor_id)
        .where(DistributorNotice.incident_id == incident_id)
        .order_by(DistributorNotice.id)
    ).all()
    found: dict[int, DistributorStatus] = {}
    for notice, mail, distributor in rows:
        before = found.get(distributor.id)
        acked = notice.acknowledged_at or (before.acknowledged_at if before else None)
        if before and before.acknowledged_at and notice.acknowledged_at:
            acked = min(before.acknowledged_at, notice.acknowledged_at)
        sent = mail.accepted_at if mail.state == MailState.SENT.value else None
        final = before.final_sent_at if before else None
        if notice.kind == NoticeKind.FINAL.value and sent:
            final = sent
        state = {
            MailState.SENT.value: "sent",
            MailState.FAILED.value: "refused" if mail.permanent else "failed",
        }.get(mail.state, "queued")
        first_sent = before.sent_at if before and before.sent_at else sent
        if notice.kind == NoticeKind.FINAL.value and before is not None:
            state, first_sent = before.state, before.sent_at  # the first notice's delivery
        found[distributor.id] = DistributorStatus(
            distributor_id=distributor.id,
            organisation=distributor.organisation,
            addresses=tuple(distributor.addresses),
            state="sent" if first_sent else state,
            sent_at=first_sent,
            acknowledged_at=acked,
            final_sent_at=final,
            error=mail.last_error if mail.state == MailState.FAILED.value else None,
            last_notice_id=notice.id,
            planned_at=notice.planned_at,
        )
    return list(found.values())


def first_sent(session: Session, incident_id: int, kinds: Sequence[NoticeKind]) -> datetime | None:
    """When the server first accepted a notice of these kinds: the deadline's met time."""
    return session.scalar(
        select(func.min(OutboundMail.accepted_at))
        .join(DistributorNotice, DistributorNotice.mail_id == OutboundMail.id)
        .where(
            DistributorNotice.incident_id == incident_id,
            DistributorNotice.kind.in_([kind.value for kind in kinds]),
            OutboundMail.state == MailState.SENT.value,
        )
    )


def silent_notices(
    session: Session, now: datetime, window: Duration, calendar: BusinessCalendar
) -> list[DistributorNotice]:
    """Notices delivered more than the window ago, never acknowledged (nor any other notice
    of the same incident to that distributor), and not yet reported as silent."""
    rows = session.execute(
        select(DistributorNotice, OutboundMail)
        .join(OutboundMail, OutboundMail.id == DistributorNotice.mail_id)
        .join(Incident, Incident.id == DistributorNotice.incident_id)
        .where(
            DistributorNotice.acknowledged_at.is_(None),
            DistributorNotice.silence_reported_at.is_(None),
            DistributorNotice.kind.in_([NoticeKind.NOTICE.value, NoticeKind.RESEND.value]),
            OutboundMail.state == MailState.SENT.value,
            Incident.phase == "embargo",
        )
    ).all()
    acked = {
        (incident_id, distributor_id)
        for incident_id, distributor_id in session.execute(
            select(DistributorNotice.incident_id, DistributorNotice.distributor_id).where(
                DistributorNotice.acknowledged_at.is_not(None)
            )
        ).all()
    }
    found = []
    for notice, mail in rows:
        if (notice.incident_id, notice.distributor_id) in acked or mail.accepted_at is None:
            continue
        if now >= calendar.add(mail.accepted_at, window):
            found.append(notice)
    return found


def told_distributors(session: Session, incident_id: int) -> list[int]:
    """Distributors whose notice for this incident the server accepted."""
    return [
        status.distributor_id
        for status in notice_status(session, incident_id)
        if status.sent_at is not None
    ]


def has_notices(session: Session, incident_id: int) -> bool:
    return (
        session.scalar(
            select(DistributorNotice.id)
            .where(DistributorNotice.incident_id == incident_id)
            .limit(1)
        )
        is not None
    )
