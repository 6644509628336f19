"""Notices from Slack: open the form with a draft, check and queue on submit.

The domain (`bot.distributor`) drafts, checks and stores; this module reads the form and
answers in Slack. What follows delivery is in `bot.slack.distributor_hooks`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.distributor import notices as notice_store
from bot.distributor import roster
from bot.distributor.checks import NoticeReview, review_notice
from bot.distributor.models import Distributor, NoticeKind
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
from bot.exports.files import load_context
from bot.incident import service as incidents
from bot.incident.models import Incident, Phase
from bot.mail import mail_domain
from bot.mail.worker import send_now
from bot.services import Services
from bot.slack.blocks import distributors as distributor_blocks
from bot.slack.blocks.lifecycle import phase_changed
from bot.slack.incident_messages import post_update, refresh

log = logging.getLogger(__name__)


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
    services.background.defer(send_now, services)


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
        context = load_context(session, incident.id, now)
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
    view = distributor_blocks.notice_modal(
        incident,
        kind,
        recipients=recipients,
        selected=selected,
        planned_at=planned,
        warnings=warnings,
        subject=notice_subject(incident, kind),
        details=notice_details(context, services.settings.announce_signature),
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
        element = actions.get(distributor_blocks.VALUE) or {}
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
        again = distributor_blocks.notice_modal(
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
            post_update(
                services,
                snapshot.id,
                distributor_blocks.notices_queued(snapshot.human_id, kind, names),
            )
        services.hooks.changed(services, snapshot.id, "distributors")

    return Submitted(after=after)
