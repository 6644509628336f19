"""The five times of a report, per incident of the cohort: start, milestone, and whether it
is a sample, pending or left out (the definitions are in `bot.insights.report`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.database import utc
from bot.deadline.model import DeadlineKind
from bot.incident.models import Incident
from bot.insights.business_time import working_time_between
from bot.insights.period import Period
from bot.insights.spread import Spread
from bot.lead.models import LeadOffer, OfferStatus
from bot.policy import BusinessCalendar
from bot.reminder.models import DeadlineRow
from bot.timeline.models import TimelineEvent

MEASURES: dict[str, str] = {
    "acknowledge": "Acknowledge the reporter",
    "lead": "Fix lead",
    "fix": "Fix",
    "embargo": "In embargo",
    "disclosure": "Public disclosure",
}


@dataclass(frozen=True)
class Dates:
    """The columns of an incident a report reads: never its words or its people."""

    id: int
    severity: str | None
    source: str
    reported_at: datetime
    fix_ready_at: datetime | None
    released_at: datetime | None
    distributors_notified_at: datetime | None
    disclosed_at: datetime | None
    closed_at: datetime | None


DATE_COLUMNS = (
    Incident.id,
    Incident.severity,
    Incident.source,
    Incident.reported_at,
    Incident.fix_ready_at,
    Incident.released_at,
    Incident.distributors_notified_at,
    Incident.disclosed_at,
    Incident.closed_at,
)


def dates_of(session: Session, *where: Any) -> list[Dates]:
    query = select(*DATE_COLUMNS).where(*where).order_by(Incident.id)
    return [Dates(*row) for row in session.execute(query)]


@dataclass
class Milestones:
    """The facts of the cohort that are not on the incident row itself."""

    acknowledged: dict[int, datetime]
    lead_taken: dict[int, datetime]
    lead_deadline_met: dict[int, datetime]
    made_public: dict[int, datetime]

    @classmethod
    def load(cls, session: Session, period: Period) -> Milestones:
        """The cohort's facts, joined on the cohort's own condition (no list of IDs)."""
        cohort = (Incident.reported_at >= period.since, Incident.reported_at < period.until)
        acknowledged: dict[int, datetime] = {}
        lead_deadline_met: dict[int, datetime] = {}
        marks = session.execute(
            select(
                DeadlineRow.incident_id, DeadlineRow.kind, DeadlineRow.met_at, DeadlineRow.done_at
            )
            .join(Incident, Incident.id == DeadlineRow.incident_id)
            .where(
                *cohort,
                DeadlineRow.kind.in_(
                    [DeadlineKind.ACKNOWLEDGE.value, DeadlineKind.LEAD_ASSIGNED.value]
                ),
            )
        )
        for incident_id, kind, met_at, done_at in marks:
            met = met_at or done_at
            if met is None:
                continue
            if kind == DeadlineKind.ACKNOWLEDGE.value:
                acknowledged[incident_id] = met
            else:
                lead_deadline_met[incident_id] = met
        taken = session.execute(
            select(LeadOffer.incident_id, func.min(LeadOffer.answered_at))
            .join(Incident, Incident.id == LeadOffer.incident_id)
            .where(
                *cohort,
                LeadOffer.status == OfferStatus.ACCEPTED.value,
                LeadOffer.answered_at.is_not(None),
            )
            .group_by(LeadOffer.incident_id)
        )
        public = session.execute(
            select(TimelineEvent.incident_id, func.min(TimelineEvent.at))
            .join(Incident, Incident.id == TimelineEvent.incident_id)
            .where(*cohort, TimelineEvent.kind == "made_public")
            .group_by(TimelineEvent.incident_id)
        )
        return cls(
            acknowledged,
            {incident_id: utc(moment) for incident_id, moment in taken if moment},
            lead_deadline_met,
            {incident_id: utc(moment) for incident_id, moment in public if moment},
        )

    def span(self, incident: Dates, name: str) -> tuple[datetime | None, datetime | None]:
        """(start, milestone) of one measure; a None start means the measure does not apply."""
        reported = incident.reported_at
        if name == "acknowledge":
            return reported, self.acknowledged.get(incident.id)
        if name == "lead":
            return reported, self.lead_taken.get(incident.id) or self.lead_deadline_met.get(
                incident.id
            )
        if name == "fix":
            return reported, incident.fix_ready_at or incident.released_at
        if name == "disclosure":
            return reported, incident.disclosed_at
        if name != "embargo":
            raise ValueError(f"unknown measure {name!r}; known: {', '.join(MEASURES)}")
        start = incident.distributors_notified_at
        if start is None:
            return None, None
        public = self.made_public.get(incident.id)
        ends = [
            moment
            for moment in (incident.disclosed_at, public, incident.closed_at)
            if moment is not None and moment >= start
        ]
        return start, min(ends) if ends else None


def spread_of(
    incidents: Iterable[Dates],
    period: Period,
    calendar: BusinessCalendar,
    milestones: Milestones,
    name: str,
) -> Spread:
    elapsed: list[timedelta] = []
    working: list[timedelta] = []
    waits: list[timedelta] = []
    for incident in incidents:
        start, end = milestones.span(incident, name)
        if start is None or start >= period.until:
            continue
        if end is not None and end < period.until:
            end = max(end, start)
            elapsed.append(end - start)
            working.append(working_time_between(calendar, start, end))
        elif incident.closed_at is not None and incident.closed_at < period.until:
            continue  # closed without it: the measure does not apply
        else:
            waits.append(period.until - start)
    return Spread(
        calendar=tuple(elapsed),
        business=tuple(working),
        pending=len(waits),
        longest_pending=max(waits) if waits else None,
    )
