"""Lead load per member over a period: roles taken, offers passed or expired, time leading."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.incident.models import Incident
from bot.insights.period import Period
from bot.lead.models import LeadOffer, OfferStatus


@dataclass(frozen=True)
class LeadLoad:
    member: str  # a Slack user ID: people, never incidents
    taken: int = 0
    passed: int = 0
    expired: int = 0
    leading: timedelta = timedelta(0)


def lead_load(session: Session, period: Period, members: Sequence[str]) -> list[LeadLoad]:
    answered = session.execute(
        select(LeadOffer.candidate_id, LeadOffer.status, func.count())
        .where(
            LeadOffer.answered_at >= period.since,
            LeadOffer.answered_at < period.until,
            LeadOffer.candidate_id.is_not(None),
        )
        .group_by(LeadOffer.candidate_id, LeadOffer.status)
    )
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for member, status, count in answered:
        if member is not None:
            counts[member][status] += int(count)
    leading = _time_leading(session, period)
    people = list(dict.fromkeys([*members, *sorted(set(counts) | set(leading))]))
    return [
        LeadLoad(
            member,
            taken=counts[member][OfferStatus.ACCEPTED.value],
            passed=counts[member][OfferStatus.PASSED.value],
            expired=counts[member][OfferStatus.EXPIRED.value],
            leading=leading.get(member, timedelta(0)),
        )
        for member in people
    ]


def _time_leading(session: Session, period: Period) -> dict[str, timedelta]:
    accepted = session.execute(
        select(
            LeadOffer.incident_id, LeadOffer.candidate_id, LeadOffer.answered_at, Incident.closed_at
        )
        .join(Incident, Incident.id == LeadOffer.incident_id)
        .where(
            LeadOffer.status == OfferStatus.ACCEPTED.value,
            LeadOffer.answered_at < period.until,
            LeadOffer.candidate_id.is_not(None),
            (Incident.closed_at.is_(None)) | (Incident.closed_at >= period.since),
        )
        .order_by(LeadOffer.incident_id, LeadOffer.answered_at, LeadOffer.id)
    ).all()
    stretches: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    closed_at: dict[int, datetime | None] = {}
    for incident_id, member, answered, closed in accepted:
        if member is None or answered is None:
            continue
        stretches[incident_id].append((member, answered))
        closed_at[incident_id] = closed
    totals: dict[str, timedelta] = defaultdict(timedelta)
    for incident_id, takes in stretches.items():
        closed = closed_at[incident_id]
        last_end = min(closed, period.until) if closed is not None else period.until
        for index, (member, began) in enumerate(takes):
            ended = takes[index + 1][1] if index + 1 < len(takes) else last_end
            overlap = min(ended, last_end, period.until) - max(began, period.since)
            if overlap > timedelta(0):
                totals[member] += overlap
    return dict(totals)
