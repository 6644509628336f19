"""The policy: every deadline, reminder and calendar rule one team follows, as frozen values.

A step set to `None` is not planned at all. Presets build these objects (`presets.py`);
a policy file changes them (`loader.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, time
from types import MappingProxyType

from bot.policy.durations import Duration

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEVERITY_TRACKS = ("critical", "high", "medium", "low")
TRACKS = (*SEVERITY_TRACKS, "exploited")
ONE_DAY = Duration.calendar(days=1)


@dataclass(frozen=True)
class Deadlines:
    """How long each step may take, counted from its anchor (named in each comment)."""

    acknowledge: Duration | None = None  # report -> reporter acknowledged
    lead_assigned: Duration | None = None  # report -> fix lead accepted, fix team invited
    score_and_plan: Duration | None = None  # report -> CVSS score and fix plan
    fix_ready: Duration | None = None  # report -> fix merged privately
    fix_released: Duration | None = None  # report -> fixed versions published
    distributor_notice: Duration | None = None  # at least this long before public disclosure
    distributor_notice_earliest: Duration | None = None  # at most this long before it
    final_notice: Duration | None = None  # final distributor notice, before public disclosure
    retrospective: Duration | None = None  # release -> retrospective done
    retrospective_earliest: Duration | None = None  # release -> retrospective window opens
    embargo_max: Duration | None = None  # report -> public disclosure at the latest
    disclose_after_release: Duration | None = None  # release -> advisory, without a set date
    reporter_update: Duration | None = None  # last message to the reporter -> the next one
    cve_assigned: Duration | None = None  # report -> CVE ID reserved

    def overridden(self, overrides: Mapping[str, Duration | None]) -> Deadlines:
        return replace(self, **overrides)


DEADLINE_ITEMS = tuple(f.name for f in fields(Deadlines))


@dataclass(frozen=True)
class DisclosureRule:
    """When a public disclosure should happen; other times are allowed but warned about."""

    time_of_day: time | None = None  # None: any time of day
    timezone: str = "UTC"
    weekdays: frozenset[int] = frozenset(range(5))  # 0 = Monday
    avoid_holidays: bool = True
    release_on_disclosure_day: bool = True  # the fix ships with the announcement


@dataclass(frozen=True)
class StaleUpdates:
    """Nudge when an incident of this severity has had no update for this long."""

    critical: Duration | None = None
    high: Duration | None = None
    medium: Duration | None = None
    low: Duration | None = None
    unscored: Duration | None = None

    def for_severity(self, severity: str | None) -> Duration | None:
        track = severity_track(severity)
        return self.unscored if track is None else getattr(self, track)


@dataclass(frozen=True)
class Reminders:
    before: tuple[Duration, ...] = ()
    overdue_every: Duration = ONE_DAY
    overdue_max: int = 3
    escalate: bool = True
    # Nudges of incidents with these severities ignore quiet hours and days off.
    urgent_severities: frozenset[str] = frozenset({"Critical"})


@dataclass(frozen=True)
class PublicCollapse:
    """The "as soon as possible" timeline of an already-public incident.

    Each step is due at the earlier of its normal time and its anchor plus the duration
    here; `public_disclosure` counts from the release. Distributor notices are dropped.
    """

    acknowledge: Duration | None = None
    lead_assigned: Duration | None = None
    score_and_plan: Duration | None = None
    fix_ready: Duration | None = None
    fix_released: Duration | None = None
    public_disclosure: Duration | None = None
    stale_update: Duration | None = None


@dataclass(frozen=True)
class CalendarRules:
    working_days: frozenset[int] = frozenset(range(5))
    working_hours: tuple[time, time] = (time(9), time(17))
    quiet_hours: tuple[time, time] | None = (time(20), time(8))
    quiet_days_off: bool = True  # non-urgent nudges also wait out weekends and holidays
    holidays_country: str | None = None
    holidays_subdivision: str | None = None
    extra_holidays: frozenset[date] = frozenset()


@dataclass(frozen=True)
class Policy:
    name: str
    deadlines: Deadlines
    stale_update: StaleUpdates
    reminders: Reminders
    disclosure: DisclosureRule
    public: PublicCollapse
    calendar: CalendarRules
    lead_offer_window: Duration
    # Per-track overrides of `deadlines` items: "critical", "high", "medium", "low", "exploited".
    tracks: Mapping[str, Mapping[str, Duration | None]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def deadlines_for(self, severity: str | None, exploited: bool = False) -> Deadlines:
        """The base deadlines with the severity track, then the exploited track, applied."""
        result = self.deadlines
        track = severity_track(severity)
        if track is not None:
            result = result.overridden(self.tracks.get(track, {}))
        if exploited:
            result = result.overridden(self.tracks.get("exploited", {}))
        return result


def severity_track(severity: str | None) -> str | None:
    """The track of a CVSS severity band; a score of 0.0 ("None") rides the low track."""
    if severity is None:
        return None
    name = severity.strip().lower()
    return "low" if name == "none" else name if name in SEVERITY_TRACKS else None


def frozen_tracks(
    tracks: Mapping[str, Mapping[str, Duration | None]],
) -> Mapping[str, Mapping[str, Duration | None]]:
    return MappingProxyType({name: MappingProxyType(dict(items)) for name, items in tracks.items()})
