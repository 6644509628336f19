"""How the team does against its policy over a period, from the rows the bot already keeps.

Aggregates only: nothing here carries an incident's ID, title, reporter or description,
so whatever renders a report cannot show one. Embargoed incidents count like the others.

Which incidents: the *cohort* of a period is every incident reported in it
(`reported_at` in [since, until)). "Opened" counts the cohort; "closed" counts incidents
whose `closed_at` is in the period (a reopened incident has none until closed again).

The measures, each from a start to a milestone, for the cohort:

- acknowledge: `reported_at` -> the `acknowledge` deadline met (`met_at`, set when the
  team marks it done);
- lead: `reported_at` -> the first accepted lead offer (`answered_at`; a volunteer's record
  counts), or the `lead_assigned` deadline's `met_at` when no offer is on record;
- fix: `reported_at` -> `fix_ready_at` (fix merged privately), or `released_at` when the
  fixed versions shipped without that mark;
- embargo: `distributors_notified_at` (entering the embargo phase) -> the first of
  `disclosed_at`, the moment it was marked public, and `closed_at`; only incidents that
  entered the embargo before the period's end take part;
- disclosure: `reported_at` -> `disclosed_at`.

Everything is judged as it stood at the end of the period, so a past period's figures do
not change later. An incident whose milestone came before the end gives one sample; one
still open without it is *pending* (left out of the median and 90th percentile, counted,
with its longest wait so far); one closed without it (not a vulnerability, a duplicate)
is left out of that measure. Calendar time is elapsed time; business time counts only
working hours on business days of the team's calendar.

Deadline hit rates: every deadline row *due* in the period, by kind. Met on time: its
`met_at` at or before `due_at`; met late: after it; missed: not met by the end of the
period (whether or not it was met since). A deadline dropped from the plan before it was
missed (the incident closed, the step stopped applying) does not count. How late: `met_at
- due_at` for a late one; for a missed one, from `due_at` to the end of the period, or to
the incident's closing if it closed first.

Lead load, per member: lead roles taken (accepted offers and volunteers answered in the
period), offers passed and offers left to expire in it, and time spent leading, i.e. the
part inside the period of each stretch from taking the role to the next lead taking it
over, the incident closing, or the end of the period.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.database import utc
from bot.deadline.model import LABELS, DeadlineKind
from bot.incident.models import SOURCE_LABELS, Incident, Source
from bot.insights.business_time import working_day_length, working_time_between
from bot.insights.period import Period
from bot.insights.spread import Spread, median
from bot.lead.models import LeadOffer, OfferStatus
from bot.policy import BusinessCalendar
from bot.reminder.models import DeadlineRow, DeadlineState
from bot.timeline.models import TimelineEvent

MEASURES: dict[str, str] = {
    "acknowledge": "Acknowledge the reporter",
    "lead": "Fix lead",
    "fix": "Fix",
    "embargo": "In embargo",
    "disclosure": "Public disclosure",
}
UNSCORED = "Unscored"
SEVERITY_ORDER = ("Critical", "High", "Medium", "Low", "None", UNSCORED)
SOURCE_ORDER = tuple(source.value for source in Source)
KIND_ORDER = tuple(kind.value for kind in DeadlineKind)
WORST_LISTED = 3


@dataclass(frozen=True)
class HitRate:
    """One deadline kind's record over the period; `lateness` has one entry per late or
    missed deadline."""

    kind: str
    on_time: int = 0
    late: int = 0
    missed: int = 0
    lateness: tuple[timedelta, ...] = ()

    @property
    def label(self) -> str:
        known = {kind.value: text for kind, text in LABELS.items()}
        return known.get(self.kind, self.kind.replace("_", " ").capitalize())

    @property
    def total(self) -> int:
        return self.on_time + self.late + self.missed

    @property
    def rate(self) -> float | None:
        """The share met on time, from 0 to 1."""
        return self.on_time / self.total if self.total else None

    @property
    def median_lateness(self) -> timedelta | None:
        return median(self.lateness)

    @property
    def worst_lateness(self) -> timedelta | None:
        return max(self.lateness) if self.lateness else None


@dataclass(frozen=True)
class LeadLoad:
    member: str  # a Slack user ID: people, never incidents
    taken: int = 0
    passed: int = 0
    expired: int = 0
    leading: timedelta = timedelta(0)


@dataclass(frozen=True)
class Insights:
    period: Period
    opened_by_severity: dict[str, int]
    closed_by_severity: dict[str, int]
    opened_by_source: dict[str, int]
    closed_by_source: dict[str, int]
    measures: dict[str, Spread]
    fix_by_severity: dict[str, Spread]
    deadlines: list[HitRate]
    leads: list[LeadLoad]
    business_day: timedelta = field(default=timedelta(hours=8))

    @property
    def opened(self) -> int:
        return sum(self.opened_by_severity.values())

    @property
    def closed(self) -> int:
        return sum(self.closed_by_severity.values())

    @property
    def worst_offenders(self) -> list[HitRate]:
        """The deadline kinds most often missed or met late, worst first."""
        behind = [row for row in self.deadlines if row.late + row.missed]
        behind.sort(
            key=lambda row: (
                row.rate or 0.0,
                -(row.late + row.missed),
                -(row.worst_lateness or timedelta(0)).total_seconds(),
            )
        )
        return behind[:WORST_LISTED]


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


def _dates(session: Session, *where: Any) -> list[Dates]:
    query = select(*DATE_COLUMNS).where(*where).order_by(Incident.id)
    return [Dates(*row) for row in session.execute(query)]


def severity_group(incident: Dates) -> str:
    return incident.severity if incident.severity in SEVERITY_ORDER else UNSCORED


def source_label(source: str) -> str:
    try:
        return SOURCE_LABELS[Source(source)]
    except ValueError:
        return source


def compute(
    session: Session, period: Period, calendar: BusinessCalendar, members: Sequence[str]
) -> Insights:
    cohort = _dates(
        session, Incident.reported_at >= period.since, Incident.reported_at < period.until
    )
    closed = _dates(session, Incident.closed_at >= period.since, Incident.closed_at < period.until)
    milestones = _Milestones.load(session, period)
    measures = {name: _spread(cohort, period, calendar, milestones, name) for name in MEASURES}
    groups: dict[str, list[Dates]] = defaultdict(list)
    for incident in cohort:
        groups[severity_group(incident)].append(incident)
    fix_by_severity = {
        group: _spread(groups[group], period, calendar, milestones, "fix")
        for group in SEVERITY_ORDER
        if groups[group]
    }
    return Insights(
        period=period,
        opened_by_severity=_ordered(Counter(map(severity_group, cohort)), SEVERITY_ORDER),
        closed_by_severity=_ordered(Counter(map(severity_group, closed)), SEVERITY_ORDER),
        opened_by_source=_ordered(Counter(i.source for i in cohort), SOURCE_ORDER),
        closed_by_source=_ordered(Counter(i.source for i in closed), SOURCE_ORDER),
        measures=measures,
        fix_by_severity=fix_by_severity,
        deadlines=hit_rates(session, period),
        leads=lead_load(session, period, members),
        business_day=working_day_length(calendar),
    )


def _ordered(counts: Counter[str], order: Sequence[str]) -> dict[str, int]:
    known = {key: counts[key] for key in order if counts[key]}
    others = {key: value for key, value in sorted(counts.items()) if key not in order}
    return {**known, **others}


# -- milestones ----------------------------------------------------------------------------


@dataclass
class _Milestones:
    """The facts of the cohort that are not on the incident row itself."""

    acknowledged: dict[int, datetime]
    lead_taken: dict[int, datetime]
    lead_deadline_met: dict[int, datetime]
    made_public: dict[int, datetime]

    @classmethod
    def load(cls, session: Session, period: Period) -> _Milestones:
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


def _spread(
    incidents: Iterable[Dates],
    period: Period,
    calendar: BusinessCalendar,
    milestones: _Milestones,
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


# -- deadlines ------------------------------------------------------------------------------


def hit_rates(session: Session, period: Period) -> list[HitRate]:
    rows = session.execute(
        select(
            DeadlineRow.kind,
            DeadlineRow.due_at,
            DeadlineRow.met_at,
            DeadlineRow.status,
            DeadlineRow.missed_at,
            Incident.closed_at,
        )
        .join(Incident, Incident.id == DeadlineRow.incident_id)
        .where(DeadlineRow.due_at >= period.since, DeadlineRow.due_at < period.until)
    ).all()
    tallies: dict[str, dict[str, int]] = defaultdict(Counter)
    lateness: dict[str, list[timedelta]] = defaultdict(list)
    for kind, due_at, met, status, missed_at, closed_at in rows:
        if met is not None and met < period.until:
            if met <= due_at:
                tallies[kind]["on_time"] += 1
            else:
                tallies[kind]["late"] += 1
                lateness[kind].append(met - due_at)
        elif status == DeadlineState.DROPPED.value and missed_at is None:
            continue  # stopped applying before it was due: not owed
        else:
            tallies[kind]["missed"] += 1
            ended = min(closed_at, period.until) if closed_at is not None else period.until
            lateness[kind].append(max(ended - due_at, timedelta(0)))
    order = {kind: index for index, kind in enumerate(KIND_ORDER)}
    return [
        HitRate(
            kind,
            on_time=tallies[kind]["on_time"],
            late=tallies[kind]["late"],
            missed=tallies[kind]["missed"],
            lateness=tuple(sorted(lateness[kind])),
        )
        for kind in sorted(tallies, key=lambda kind: (order.get(kind, len(order)), kind))
    ]


# -- leads ------------------------------------------------------------------------------------


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
