"""How the team does against its policy over a period, from the rows the bot already keeps.

Aggregates only: nothing here carries an incident's ID, title, reporter or description,
so whatever renders a report cannot show one. Embargoed incidents count like the others.

Which incidents: the *cohort* of a period is every incident reported in it
(`reported_at` in [since, until)). "Opened" counts the cohort; "closed" counts incidents
whose `closed_at` is in the period (a reopened incident has none until closed again).

The measures, each from a start to a milestone, for the cohort:

- acknowledge: `reported_at` -> the `acknowledge` deadline met (its `met_at`, else the
  team's Done mark, `done_at`);
- lead: `reported_at` -> the first accepted lead offer (`answered_at`; a volunteer's record
  counts), or the `lead_assigned` deadline's `met_at` (or `done_at`) when no offer is on
  record;
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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session

from bot.incident.models import SOURCE_LABELS, Incident, Source
from bot.insights.business_time import working_day_length
from bot.insights.deadlines import HitRate, hit_rates
from bot.insights.leads import LeadLoad, lead_load
from bot.insights.measures import MEASURES, Dates, Milestones, dates_of, spread_of
from bot.insights.period import Period
from bot.insights.spread import Spread
from bot.policy import BusinessCalendar

__all__ = ["MEASURES", "HitRate", "Insights", "LeadLoad", "compute"]

UNSCORED = "Unscored"
SEVERITY_ORDER = ("Critical", "High", "Medium", "Low", "None", UNSCORED)
SOURCE_ORDER = tuple(source.value for source in Source)
WORST_LISTED = 3


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
    cohort = dates_of(
        session, Incident.reported_at >= period.since, Incident.reported_at < period.until
    )
    closed = dates_of(
        session, Incident.closed_at >= period.since, Incident.closed_at < period.until
    )
    milestones = Milestones.load(session, period)
    measures = {name: spread_of(cohort, period, calendar, milestones, name) for name in MEASURES}
    groups: dict[str, list[Dates]] = defaultdict(list)
    for incident in cohort:
        groups[severity_group(incident)].append(incident)
    fix_by_severity = {
        group: spread_of(groups[group], period, calendar, milestones, "fix")
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
