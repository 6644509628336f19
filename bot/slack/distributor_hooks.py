"""Keeping an embargo's Slack side current as notices are delivered and acknowledged:
the mail and incident hooks, the headline's distributor line, and the periodic sweep
(silent distributors, the final notice offer, first deliveries a crash left unrecorded).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select, update

from bot.distributor import notices as notice_store
from bot.distributor.models import Distributor, DistributorNotice, NoticeKind
from bot.incident import service as incidents
from bot.incident.models import Incident, Phase
from bot.mail.outbox import MailOutcome
from bot.policy import parse_duration
from bot.services import Services
from bot.slack.blocks import distributors as distributor_blocks
from bot.slack.gateway import SlackError
from bot.slack.incident_messages import refresh
from bot.timeline.service import add_event

log = logging.getLogger(__name__)
OFFERED = "distributor_offer"  # timeline marker: an update or final notice was offered
NOTICE_PURPOSES = {"distributor_notice", "distributor_final", "distributor_update"}


# -- hooks ------------------------------------------------------------------------------------


def on_mail_settled(services: Services, outcome: MailOutcome) -> None:
    """A notice accepted by the server: the record and the headline follow."""
    if outcome.purpose not in NOTICE_PURPOSES or outcome.incident_id is None:
        return
    if outcome.state == "sent":
        _record_first_delivery(services, outcome.incident_id)
        # The notice and final notice deadlines are met by this delivery: plan again.
        services.hooks.changed(services, outcome.incident_id, "distributor notice sent")
    refresh(services, outcome.incident_id)


def _record_first_delivery(services: Services, incident_id: int) -> None:
    with services.db.transaction() as session:
        sent = notice_store.first_sent(session, incident_id, [NoticeKind.NOTICE, NoticeKind.RESEND])
        incident = incidents.lock(session, incident_id)
        if incident is None or sent is None or incident.distributors_notified_at is not None:
            return
        incident.distributors_notified_at = sent
        incident.updated_at = services.clock.now()
        add_event(
            session,
            incident_id,
            sent,
            "bot",
            "distributors_notified",
            "The first distributor notice was accepted by the mail server",
            {},
        )
    services.hooks.changed(services, incident_id, "distributors notified")


def headline_note(session: Any, incident: Incident) -> str | None:
    return distributor_blocks.headline_note(notice_store.notice_status(session, incident.id))


def on_incident_changed(services: Services, incident_id: int, reason: str) -> None:
    """A disclosure date that moved after distributors were told: offer an update notice."""
    with services.db.transaction() as session:
        incident = incidents.lock(session, incident_id)  # one offer, even from two replicas
        if incident is None or incident.phase != Phase.EMBARGO.value:
            return
        statuses = [s for s in notice_store.notice_status(session, incident_id) if s.sent_at]
        planned = incident.disclosure_planned_at
        if not statuses or planned is None:
            return
        told = max(statuses, key=lambda s: s.last_notice_id).planned_at
        marker = f"update_offer:{planned.isoformat()}"
        if told == planned or _offered_before(session, incident_id, marker):
            return
        add_event(
            session,
            incident_id,
            services.clock.now(),
            "bot",
            OFFERED,
            "The disclosure date moved after distributors were told",
            {"marker": marker},
        )
        human_id, channel, thread = incident.human_id, incident.channel_id, incident.headline_ts
        lead = incident.lead_id
    text, blocks = distributor_blocks.date_changed_offer(
        human_id, told, planned, len(statuses), human_id
    )
    _offer(services, human_id, lead, channel, thread, text, blocks)


def _offer(
    services: Services,
    human_id: str,
    lead: str | None,
    channel: str | None,
    thread: str | None,
    text: str,
    blocks: list[dict[str, Any]],
) -> None:
    try:
        if channel:
            services.gateway.post(channel, text, blocks, thread_ts=thread)
        if lead:
            services.gateway.dm(lead, text, blocks)
    except SlackError as exc:
        log.warning("could not make an offer for %s: %s", human_id, exc.error)


def offer_final_notices(services: Services) -> int:
    """Once the policy's final notice is due (its offset before the disclosure), offer the
    lead the drafted final notice, once per disclosure date."""
    final = services.policy.deadlines.final_notice
    if final is None:
        return 0
    now = services.clock.now()
    with services.db.transaction() as session:
        candidates = list(
            session.scalars(
                select(Incident.id).where(
                    Incident.phase == Phase.EMBARGO.value,
                    Incident.disclosure_planned_at.is_not(None),
                    Incident.is_public.is_(False),
                )
            )
        )
    offered = 0
    for incident_id in candidates:
        with services.db.transaction() as session:
            incident = incidents.lock(session, incident_id)
            if incident is None or incident.disclosure_planned_at is None:
                continue
            planned = incident.disclosure_planned_at
            due = services.calendar.subtract(planned, final)
            marker = f"final_offer:{planned.isoformat()}"
            if now < due or now >= planned or _offered_before(session, incident_id, marker):
                continue
            statuses = notice_store.notice_status(session, incident_id)
            told = [s for s in statuses if s.sent_at]
            if not told or all(s.final_sent_at for s in told):
                continue
            add_event(
                session,
                incident_id,
                now,
                "bot",
                OFFERED,
                "The final notice to distributors is due",
                {"marker": marker},
            )
            human_id, channel, thread = incident.human_id, incident.channel_id, incident.headline_ts
            lead = incident.lead_id
        text, blocks = distributor_blocks.final_notice_offer(human_id, planned, len(told), human_id)
        _offer(services, human_id, lead, channel, thread, text, blocks)
        offered += 1
    return offered


def _offered_before(session: Any, incident_id: int, marker: str) -> bool:
    from bot.timeline.models import TimelineEvent

    rows = session.scalars(
        select(TimelineEvent.data).where(
            TimelineEvent.incident_id == incident_id,
            TimelineEvent.kind == OFFERED,
        )
    )
    return any((data or {}).get("marker") == marker for data in rows)


# -- the periodic sweep -----------------------------------------------------------------------


def sweep(services: Services) -> int:
    """Tell each lead, once per notice, which distributors stayed silent past the window;
    and record first deliveries a crashed hook may have missed."""
    now = services.clock.now()
    window = parse_duration(services.settings.distributor_ack_window)
    with services.db.transaction() as session:
        silent = notice_store.silent_notices(session, now, window, services.calendar)
        by_incident: dict[int, list[int]] = {}
        for notice in silent:
            by_incident.setdefault(notice.incident_id, []).append(notice.id)
        missing = list(
            session.scalars(
                select(Incident.id).where(
                    Incident.phase == Phase.EMBARGO.value,
                    Incident.distributors_notified_at.is_(None),
                )
            )
        )
    for incident_id in missing:
        _record_first_delivery(services, incident_id)
    offer_final_notices(services)
    told = 0
    for incident_id, notice_ids in by_incident.items():
        with services.db.transaction() as session:
            taken = session.execute(
                update(DistributorNotice)
                .where(
                    DistributorNotice.id.in_(notice_ids),
                    DistributorNotice.silence_reported_at.is_(None),
                )
                .values(silence_reported_at=now)
                .execution_options(synchronize_session=False)
            )
            if not taken.rowcount:  # type: ignore[attr-defined]
                continue
            incident = incidents.get(session, incident_id)
            assert incident is not None
            names = [
                d.organisation
                for d in session.scalars(
                    select(Distributor)
                    .join(DistributorNotice, DistributorNotice.distributor_id == Distributor.id)
                    .where(DistributorNotice.id.in_(notice_ids))
                )
            ]
            human_id, channel, thread, lead = (
                incident.human_id,
                incident.channel_id,
                incident.headline_ts,
                incident.lead_id,
            )
        text, blocks = distributor_blocks.silent_reminder(
            human_id, sorted(set(names)), window.describe(), human_id
        )
        try:
            if lead:
                services.gateway.dm(lead, text, blocks)
            if channel:
                services.gateway.post(channel, text, blocks, thread_ts=thread)
            told += 1
        except SlackError as exc:
            log.warning("could not tell %s about silent distributors: %s", human_id, exc.error)
    return told
