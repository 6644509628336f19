"""Plan an incident's deadlines from its facts, the policy and the business calendar.

Pure: the same facts give the same plan, so re-planning after a phase change, a new score
or a new disclosure date is calling `plan_deadlines` again. A deadline missing from the
new plan no longer applies (its reminders should stop); a closed incident keeps only its
met deadlines, as a record.

Anchors (what each deadline counts from):
- acknowledge, lead_assigned, score_and_plan, fix_ready, cve_assigned, fix_released: the
  report.
  With a planned disclosure date and a policy that releases on disclosure day, the fix
  is due at that date instead.
- distributor_notice, final_notice: back from the planned disclosure date (only once a
  date is planned, and never for an already-public incident).
- public_disclosure: the planned date; without one, the release plus
  `disclose_after_release`, or else the report plus `embargo_max`.
- retrospective: the release. stale_update: the last update (or the report).
- reporter_update: the team's last message to the reporter (or the report).

A due time set by hand (`IncidentFacts.rescheduled`) replaces the planned one.
A step whose phase has already been passed without a recorded time (for instance, the
phase set to `released` by hand) is left out rather than nagged about.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from datetime import UTC, datetime

from bot.deadline.facts import IncidentFacts
from bot.deadline.model import LABELS, OWNERS, Deadline, DeadlineKind, Status
from bot.policy.calendar import BusinessCalendar
from bot.policy.durations import Duration
from bot.policy.model import Policy

Kind = DeadlineKind
_ORDER = {kind: index for index, kind in enumerate(DeadlineKind)}


def plan_deadlines(
    facts: IncidentFacts, policy: Policy, calendar: BusinessCalendar
) -> list[Deadline]:
    """Every deadline that applies to the incident now, earliest first."""
    deadlines = list(_Planner(facts, policy, calendar).deadlines())
    if facts.is_closed:
        deadlines = [deadline for deadline in deadlines if not deadline.is_open]
    return sorted(deadlines, key=lambda deadline: (deadline.due_at, _ORDER[deadline.kind]))


class _Planner:
    def __init__(self, facts: IncidentFacts, policy: Policy, calendar: BusinessCalendar) -> None:
        self.facts = facts
        self.policy = policy
        self.calendar = calendar
        self.steps = policy.deadlines_for(facts.severity, facts.exploited)
        urgent = {name.lower() for name in policy.reminders.urgent_severities}
        self.urgent = facts.is_public or facts.exploited or (facts.severity or "").lower() in urgent

    def deadlines(self) -> Iterator[Deadline]:
        facts, steps = self.facts, self.steps
        reported = facts.reported_at
        for kind, duration, met_at, skipped_at in (
            (Kind.ACKNOWLEDGE, steps.acknowledge, facts.acknowledged_at, "fixing"),
            (Kind.LEAD_ASSIGNED, steps.lead_assigned, facts.lead_accepted_at, "fixing"),
            (Kind.SCORE_AND_PLAN, steps.score_and_plan, facts.scored_at, "disclosed"),
            (Kind.FIX_READY, steps.fix_ready, facts.fix_ready_at, "embargo"),
            (Kind.CVE_ASSIGNED, steps.cve_assigned, facts.cve_assigned_at, "disclosed"),
        ):
            due = self._due(reported, duration, kind)
            if due is not None and not self._skipped(met_at, skipped_at):
                yield self._deadline(kind, due, met_at, opens_at=reported)
        release_due = yield from self._release()
        yield from self._notices()
        yield from self._disclosure(release_due)
        yield from self._retrospective()
        yield from self._stale_update()
        yield from self._reporter_update()

    def _release(self) -> Generator[Deadline, None, datetime | None]:
        """Yields the release deadline; returns when the release is due."""
        facts = self.facts
        planned = facts.disclosure_planned_at
        tied = planned is not None and self.policy.disclosure.release_on_disclosure_day
        if tied:
            due = planned
        else:
            due = self._due(facts.reported_at, self.steps.fix_released, Kind.FIX_RELEASED)
        if due is None:
            return None
        if not self._skipped(facts.released_at, "released"):
            yield self._deadline(
                Kind.FIX_RELEASED,
                due,
                facts.released_at,
                opens_at=facts.reported_at,
                critical=tied,
            )
        return due

    def _notices(self) -> Iterator[Deadline]:
        facts, steps = self.facts, self.steps
        planned = facts.disclosure_planned_at
        if planned is None or facts.is_public:
            return  # nothing to embargo: no advance notice
        # Still open in the embargo until a notice is actually sent (it may be queued).
        if steps.distributor_notice is not None and not self._skipped(
            facts.distributors_notified_at, "released"
        ):
            earliest = steps.distributor_notice_earliest
            yield self._deadline(
                Kind.DISTRIBUTOR_NOTICE,
                self.calendar.subtract(planned, steps.distributor_notice),
                facts.distributors_notified_at,
                opens_at=self.calendar.subtract(planned, earliest) if earliest else None,
            )
        if steps.final_notice is not None and not self._skipped(facts.final_notice_at, "released"):
            yield self._deadline(
                Kind.FINAL_NOTICE,
                self.calendar.subtract(planned, steps.final_notice),
                facts.final_notice_at,
                critical=True,  # an hour-precise promise to distributors
            )

    def _disclosure(self, release_due: datetime | None) -> Iterator[Deadline]:
        facts, steps, calendar = self.facts, self.steps, self.calendar
        if self._skipped(facts.disclosed_at, "disclosed"):
            return
        due: datetime | None = facts.disclosure_planned_at
        if due is None:
            if facts.released_at and steps.disclose_after_release:
                due = calendar.add(facts.released_at, steps.disclose_after_release)
            elif steps.embargo_max:
                due = calendar.add(facts.reported_at, steps.embargo_max)
            asap = self.policy.public.public_disclosure
            release = facts.released_at or release_due
            if facts.is_public and asap is not None and release is not None:
                collapsed = calendar.add(release, asap)
                due = collapsed if due is None else min(due, collapsed)
        if due is not None:
            yield self._deadline(
                Kind.PUBLIC_DISCLOSURE,
                due,
                facts.disclosed_at,
                opens_at=facts.reported_at,
                critical=facts.disclosure_planned_at is not None,
            )

    def _retrospective(self) -> Iterator[Deadline]:
        facts, steps = self.facts, self.steps
        if facts.released_at is None or steps.retrospective is None:
            return
        earliest = steps.retrospective_earliest
        yield self._deadline(
            Kind.RETROSPECTIVE,
            self.calendar.add(facts.released_at, steps.retrospective),
            facts.retrospective_done_at,
            opens_at=self.calendar.add(facts.released_at, earliest) if earliest else None,
        )

    def _stale_update(self) -> Iterator[Deadline]:
        facts = self.facts
        if facts.is_closed or facts.reached("disclosed"):
            return  # after disclosure only the retrospective is left, with its own deadline
        last = max(facts.reported_at, facts.last_update_at or facts.reported_at)
        interval = self.policy.stale_update.for_severity(facts.severity)
        due = self._due(last, interval, Kind.STALE_UPDATE)
        if due is not None:
            yield self._deadline(Kind.STALE_UPDATE, due, None, opens_at=last)

    def _reporter_update(self) -> Iterator[Deadline]:
        """The reporter hears from the team at least this often until the disclosure."""
        facts = self.facts
        if facts.is_closed or facts.reached("disclosed"):
            return
        last = max(facts.reported_at, facts.reporter_contacted_at or facts.reported_at)
        due = self._due(last, self.steps.reporter_update, Kind.REPORTER_UPDATE)
        if due is not None:
            yield self._deadline(Kind.REPORTER_UPDATE, due, None, opens_at=last)

    def _due(self, anchor: datetime, duration: Duration | None, kind: Kind) -> datetime | None:
        """`anchor + duration`, or earlier when the incident is public (see PublicCollapse)."""
        if duration is None:
            return None
        due = self.calendar.add(anchor, duration)
        asap: Duration | None = getattr(self.policy.public, kind.value, None)
        if self.facts.is_public and asap is not None:
            due = min(due, self.calendar.add(anchor, asap))
        return due

    def _skipped(self, met_at: datetime | None, phase: str) -> bool:
        return met_at is None and self.facts.reached(phase)

    def _deadline(
        self,
        kind: Kind,
        due: datetime,
        met_at: datetime | None,
        opens_at: datetime | None = None,
        critical: bool = False,
    ) -> Deadline:
        due = self.facts.rescheduled.get(kind.value, due)
        if met_at is None:
            status = Status.OPEN
        else:
            status = Status.MET_ON_TIME if met_at <= due else Status.MET_LATE
        return Deadline(
            kind=kind,
            label=LABELS[kind],
            due_at=due.astimezone(UTC),
            owner=OWNERS[kind],
            critical=critical or self.urgent,
            status=status,
            met_at=met_at and met_at.astimezone(UTC),
            opens_at=opens_at and opens_at.astimezone(UTC),
        )
