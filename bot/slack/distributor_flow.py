"""Notices from Slack: open the form with a draft, check and queue on submit, and keep the
incident's messages current as notices are delivered and acknowledged.

The domain (`bot.distributor`) drafts, checks and stores; this module reads the form,
answers in Slack, and plugs into the hooks (mail delivered, incident changed) and the
periodic sweep (silent distributors).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from bot.distributor import notices as notice_store
from bot.distributor import roster
from bot.distributor.checks import NoticeReview, review_notice
from bot.distributor.models import Distributor, DistributorNotice, NoticeKind
from bot.distributor.notice import (
    DEFAULT_TERMS,
    NoticeOptions,
    notice_body,
    notice_details,
    notice_header,
    notice_subject,
)
from bot.distributor.times import disclosure_time_text
from bot.distributor.tokens import make_token
from bot.incident import service as incidents
from bot.incident.models import Incident, Phase
from bot.mail import mail_domain
from bot.mail.outbox import MailOutcome
from bot.mail.worker import run_outbox
from bot.policy import parse_duration
from bot.services import Services
from bot.slack.blocks import distributors as views
from bot.slack.blocks.lifecycle import phase_changed
from bot.slack.gateway import SlackError
from bot.slack.incident_messages import post_update, refresh
from bot.timeline.service import add_event

log = logging.getLogger(__name__)
OFFERED = "distributor_offer"  # timeline marker: an update or final notice was offered
NOTICE_PURPOSES = {"distributor_notice", "distributor_final", "distributor_update"}


def zone(services: Services) -> str:
    settings = services.settings
    return settings.announce_timezone or settings.team_timezone


def mail_problem(services: Services) -> str | None:
    settings = services.settings
    missing = [
        name
        for name, value in (("SMTP_URL", settings.smtp_url), ("MAIL_FROM", settings.mail_from))
        if not value
    ]
    if missing:
        return (
            "Email is not set up, so the bot cannot write to distributors: set "
            + " and ".join(missing)
            + " (see .env.example)."
        )
    return None


def ack_secret(services: Services) -> str:
    secret = services.settings.slack_signing_secret
    return secret.get_secret_value() if secret else "unsigned"


def ack_link(services: Services, notice_id: int) -> str:
    base = services.settings.public_url or f"http://localhost:{services.settings.port}"
    return f"{base}/ack?t={make_token(ack_secret(services), notice_id)}"


def kick_mail(services: Services) -> None:
    """Send now rather than at the next run of the mail job."""
    services.background.defer(run_outbox, services)


# -- the form ---------------------------------------------------------------------------------


def _recipients_for(
    session: Any, incident: Incident, kind: NoticeKind, now: datetime
) -> tuple[list[Distributor], set[int]]:
    active = roster.distributors(session)
    if kind == NoticeKind.NOTICE:
        told = set(notice_store.told_distributors(session, incident.id))
        # Those told already are listed but not chosen: a second notice is a choice.
        return active, {d.id for d in active if d.id not in told}
    statuses = notice_store.notice_status(session, incident.id)
    if kind == NoticeKind.RESEND:
        wanted = {s.distributor_id for s in statuses if s.sent_at and not s.acknowledged_at}
    else:
        wanted = {s.distributor_id for s in statuses if s.sent_at}
    return [d for d in active if d.id in wanted], wanted


def notice_form(
    services: Services, incident_id: int, kind: NoticeKind
) -> tuple[dict[str, Any] | None, str | None]:
    """The drafted form, or the refusal that stops it opening."""
    problem = mail_problem(services)
    if problem:
        return None, problem
    now = services.clock.now()
    with services.db.transaction() as session:
        incident = incidents.get(session, incident_id)
        assert incident is not None
        recipients, selected = _recipients_for(session, incident, kind, now)
        statuses = notice_store.notice_status(session, incident.id)
    if not recipients:
        if kind == NoticeKind.NOTICE:
            return None, (
                "There are no distributors on the list yet: `/disclose distributors add` adds one."
            )
        return None, f"No distributor was notified about {incident.human_id} yet."
    planned = incident.disclosure_planned_at
    if kind != NoticeKind.NOTICE and planned is None:
        return None, "No public disclosure date is set."
    review = review_notice(
        incident, planned, kind, now=now, policy=services.policy, calendar=services.calendar
    )
    # For a first notice the date is chosen in the form: a missing one is refused on submit.
    if kind != NoticeKind.NOTICE and review.refusals:
        return None, " ".join(review.refusals)
    warnings = review.warnings + _setting_warnings(services)
    told = [st for st in statuses if st.sent_at]
    latest = max(told, key=lambda st: st.last_notice_id) if told else None
    previous = latest.planned_at if latest and kind == NoticeKind.UPDATE else None
    view = views.notice_modal(
        incident,
        kind,
        recipients=recipients,
        selected=selected,
        planned_at=planned,
        warnings=warnings,
        subject=notice_subject(incident, kind),
        details=notice_details(incident, services.settings.announce_signature),
        terms=DEFAULT_TERMS,
        when_text=disclosure_time_text(planned, zone(services)) if planned else None,
        previous_planned_at=previous,
    )
    return view, None


def _new_warnings(
    services: Services,
    incident: Incident,
    metadata: dict[str, Any],
    review: NoticeReview,
    now: datetime,
) -> bool:
    """Does the date chosen in the form bring warnings the form did not show?"""
    reviewed = metadata.get("reviewed")
    shown_for = datetime.fromtimestamp(int(reviewed), tz=UTC) if reviewed else None
    shown = review_notice(
        incident,
        shown_for,
        NoticeKind.NOTICE,
        now=now,
        policy=services.policy,
        calendar=services.calendar,
    )
    return any(warning not in shown.warnings for warning in review.warnings)


def _setting_warnings(services: Services) -> list[str]:
    if services.settings.public_url:
        return []
    return [
        "PUBLIC_URL is not set: the acknowledgement links point at localhost and will not "
        "work for distributors."
    ]


@dataclass
class Submitted:
    errors: dict[str, str] = field(default_factory=dict)
    after: Callable[[], Any] | None = None
    update: dict[str, Any] | None = None  # the form again, with what to know first


def _selected(element: dict[str, Any]) -> list[str]:
    return [option["value"] for option in element.get("selected_options") or []]


def read_values(view: dict[str, Any]) -> dict[str, Any]:
    """Each input's value by block ID, whatever its element type."""
    found: dict[str, Any] = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        element = actions.get(views.VALUE) or {}
        kind = element.get("type")
        if kind in ("checkboxes", "multi_static_select"):
            found[block_id] = _selected(element)
        elif kind == "static_select":
            found[block_id] = (element.get("selected_option") or {}).get("value")
        elif kind == "datetimepicker":
            found[block_id] = element.get("selected_date_time")
        elif kind == "datepicker":
            found[block_id] = element.get("selected_date")
        else:
            found[block_id] = element.get("value")
    return found


def submit_notice(services: Services, user: str, view: dict[str, Any]) -> Submitted:
    metadata = json.loads(view.get("private_metadata") or "{}")
    kind = NoticeKind(metadata.get("kind", "notice"))
    values = read_values(view)
    now = services.clock.now()
    with services.db.transaction() as session:
        incident = incidents.get_by_human_id(session, metadata.get("incident", ""))
    if incident is None:
        return Submitted({"recipients": "That incident is gone."})
    if kind == NoticeKind.NOTICE:
        stamp = values.get("planned")
        planned = datetime.fromtimestamp(int(stamp), tz=UTC) if stamp not in (None, "") else None
        date_block = "planned"
    else:
        planned = incident.disclosure_planned_at
        date_block = "recipients"
    review = review_notice(
        incident, planned, kind, now=now, policy=services.policy, calendar=services.calendar
    )
    if review.refusals:
        return Submitted({date_block: " ".join(review.refusals)})
    assert planned is not None
    chosen = [int(value) for value in values.get("recipients") or []]
    if not chosen:
        return Submitted({"recipients": "Choose at least one distributor."})
    flags = set(values.get("flags") or [])
    if kind == NoticeKind.NOTICE and _new_warnings(services, incident, metadata, review, now):
        # A date other than the one the form warned about: show what to know for this one
        # first; pressing Send again sends.
        with services.db.transaction() as session:
            recipients = roster.distributors(session)
        again = views.notice_modal(
            incident,
            kind,
            recipients=recipients,
            selected=set(chosen),
            planned_at=planned,
            warnings=review.warnings + _setting_warnings(services),
            subject=values.get("subject") or notice_subject(incident, kind),
            details=values.get("details") or "",
            terms=values.get("terms") or DEFAULT_TERMS,
            when_text=None,
            flags=flags,
        )
        return Submitted(update=again)
    previous = metadata.get("previous")
    options = NoticeOptions(
        planned_at=planned,
        zone=zone(services),
        early_deploy="early_deploy" in flags,
        patch_embargoed="patch_embargoed" in flags,
        terms=values.get("terms") or DEFAULT_TERMS,
        signature=services.settings.announce_signature,
        previous_planned_at=datetime.fromisoformat(previous) if previous else None,
    )
    body = notice_body(notice_header(kind, options), values.get("details") or "")
    subject = " ".join((values.get("subject") or notice_subject(incident, kind)).split())
    moved: dict[str, str] = {}
    try:
        with services.db.transaction() as session:
            current = incidents.lock(session, incident.id)
            assert current is not None
            if kind == NoticeKind.NOTICE and current.phase == Phase.FIXING.value:
                moved["from"] = current.phase
                incidents.change_phase(
                    session,
                    current.id,
                    Phase.EMBARGO,
                    actor=user,
                    now=now,
                    why="distributors notified by email",
                    disclosure_planned_at=planned,
                )
                # Met when the mail server accepts the first notice, not by this click.
                current.distributors_notified_at = None
            elif kind == NoticeKind.NOTICE and current.disclosure_planned_at != planned:
                current.disclosure_planned_at = planned
                current.updated_at = now
            queued = notice_store.send_notices(
                session,
                current,
                kind,
                chosen,
                subject=subject,
                body=body,
                planned_at=planned,
                actor=user,
                now=now,
                domain=mail_domain(services.settings),
                link_for=lambda notice_id: ack_link(services, notice_id),
                request_key=f"form:{view.get('id', '')}",
            )
            names = [
                d.organisation
                for d in session.scalars(
                    select(Distributor).where(
                        Distributor.id.in_([n.distributor_id for n in queued])
                    )
                )
            ]
            snapshot = incidents.get(session, current.id)
    except incidents.StepRefused as refusal:
        return Submitted({date_block: " ".join(refusal.problems)})
    assert snapshot is not None

    def after() -> None:
        kick_mail(services)
        refresh(services, snapshot.id)
        if moved:
            text, blocks = phase_changed(
                snapshot, moved["from"], Phase.EMBARGO.value, user, "distributors notified by email"
            )
            post_update(services, snapshot.id, text, blocks)
        if names:
            post_update(services, snapshot.id, views.notices_queued(snapshot.human_id, kind, names))
        services.hooks.changed(services, snapshot.id, "distributors")

    return Submitted(after=after)


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
    return views.headline_note(notice_store.notice_status(session, incident.id))


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
    text, blocks = views.date_changed_offer(human_id, told, planned, len(statuses), human_id)
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
        text, blocks = views.final_notice_offer(human_id, planned, len(told), human_id)
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
        text, blocks = views.silent_reminder(
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
