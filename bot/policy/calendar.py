"""Business time in the team's time zone: working days, holidays, working and quiet hours.

Aware datetimes go in (any zone); aware UTC datetimes come out. Business arithmetic runs
on the team's wall clock, so "1 business day" keeps the local time of day across a change
to or from daylight saving time.

Rounding, chosen so that neither the team nor the reporter loses time:
- Business days keep the local time of day and step over weekends and holidays
  (Thursday 15:00 + 1 business day = Friday 15:00, or Monday 15:00 if Friday is a
  holiday). A start on a day off first moves to the opening of the next business day,
  so a Saturday report gets all of Monday: due Tuesday at opening.
- Business hours count only working hours; a start outside them waits for the next
  opening, and a deadline that ends exactly at closing time is due at closing.
- Subtraction mirrors both rules (a day off moves back to the previous closing).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from bot.policy.durations import Duration
from bot.policy.model import CalendarRules, Policy

_SEARCH_DAYS = 3 * 366  # enough to cross any run of days off a sane calendar has


class BusinessCalendar:
    def __init__(
        self,
        timezone: str = "UTC",
        *,
        working_days: Iterable[int] = range(5),
        working_hours: tuple[time, time] = (time(9), time(17)),
        quiet_hours: tuple[time, time] | None = (time(20), time(8)),
        quiet_days_off: bool = True,
        holidays_country: str | None = None,
        holidays_subdivision: str | None = None,
        extra_holidays: Iterable[date] = (),
    ) -> None:
        try:
            self.tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {timezone!r}; expected an IANA name such as Europe/Berlin"
            ) from None
        self.working_days = frozenset(working_days)
        if not self.working_days <= set(range(7)) or not self.working_days:
            raise ValueError("working days must be one or more of Monday (0) to Sunday (6)")
        self.opening, self.closing = working_hours
        if not self.opening < self.closing:
            raise ValueError(
                f"working hours must start before they end, not "
                f"{self.opening:%H:%M}-{self.closing:%H:%M}"
            )
        if quiet_hours is not None and quiet_hours[0] == quiet_hours[1]:
            raise ValueError("quiet hours must start and end at different times")
        self.quiet_hours = quiet_hours
        self.quiet_days_off = quiet_days_off
        self.extra_holidays = frozenset(extra_holidays)
        self.holidays_country = holidays_country.upper() if holidays_country else None
        self.holidays_subdivision = holidays_subdivision
        self._years: dict[int, dict[date, str]] = {}
        self._lock = threading.Lock()
        if self.holidays_country:
            self._load_year(None)  # fail now on an unknown country or subdivision

    @classmethod
    def for_policy(
        cls,
        policy: Policy,
        timezone: str = "UTC",
        holidays_country: str | None = None,
        holidays_subdivision: str | None = None,
    ) -> BusinessCalendar:
        """The policy's calendar rules in the team's time zone.

        A holiday country given here (from the environment) wins over the policy file's.
        """
        rules: CalendarRules = policy.calendar
        return cls(
            timezone,
            working_days=rules.working_days,
            working_hours=rules.working_hours,
            quiet_hours=rules.quiet_hours,
            quiet_days_off=rules.quiet_days_off,
            holidays_country=holidays_country or rules.holidays_country,
            holidays_subdivision=(
                holidays_subdivision if holidays_country else rules.holidays_subdivision
            ),
            extra_holidays=rules.extra_holidays,
        )

    # Days

    def holiday_name(self, day: date) -> str | None:
        if day in self.extra_holidays:
            return "team holiday"
        if not self.holidays_country:
            return None
        return self._country_holidays(day.year).get(day)

    def is_holiday(self, day: date) -> bool:
        return self.holiday_name(day) is not None

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.working_days and not self.is_holiday(day)

    def next_business_day(self, day: date, step: int = 1) -> date:
        """The nearest business day after `day` (or before it, with `step=-1`)."""
        for _ in range(_SEARCH_DAYS):
            day += timedelta(days=step)
            if self.is_business_day(day):
                return day
        raise ValueError(f"no business day within {_SEARCH_DAYS} days of {day}")

    # Arithmetic

    def add(self, start: datetime, duration: Duration) -> datetime:
        """`start` plus `duration`: exact for calendar durations, business time otherwise."""
        return self._shift(start, duration, 1)

    def subtract(self, end: datetime, duration: Duration) -> datetime:
        """The moment that is `duration` before `end` (mirror image of `add`)."""
        return self._shift(end, duration, -1)

    def _shift(self, moment: datetime, duration: Duration, direction: int) -> datetime:
        _require_aware(moment)
        if duration.kind == "calendar":
            return moment.astimezone(UTC) + direction * duration.exact
        if duration.is_zero:
            return moment.astimezone(UTC)
        local = self._wall(moment)
        if duration.business_days:
            shifted = self._shift_business_days(local, duration.business_days, direction)
        else:
            shifted = self._shift_working_time(local, duration.business_time, direction)
        return self._utc(shifted)

    def _shift_business_days(self, local: datetime, days: int, direction: int) -> datetime:
        day, clock = local.date(), local.time()
        if not self.is_business_day(day):
            day = self.next_business_day(day, direction)
            clock = self.opening if direction > 0 else self.closing
        for _ in range(days):
            day = self.next_business_day(day, direction)
        return datetime.combine(day, clock)

    def _shift_working_time(self, local: datetime, amount: timedelta, direction: int) -> datetime:
        remaining, moment = amount, local
        while True:
            day = moment.date()
            opening = datetime.combine(day, self.opening)
            closing = datetime.combine(day, self.closing)
            if direction > 0 and self.is_business_day(day) and moment < closing:
                moment = max(moment, opening)
                if remaining <= closing - moment:
                    return moment + remaining
                remaining -= closing - moment
            elif direction < 0 and self.is_business_day(day) and moment > opening:
                moment = min(moment, closing)
                if remaining <= moment - opening:
                    return moment - remaining
                remaining -= moment - opening
            following = self.next_business_day(day, direction)
            moment = datetime.combine(following, self.opening if direction > 0 else self.closing)

    # Nudges

    def is_quiet(self, moment: datetime) -> bool:
        """Inside quiet hours, or (when days off are quiet) on a weekend or holiday."""
        local = self._wall(moment)
        if self.quiet_days_off and not self.is_business_day(local.date()):
            return True
        return self._in_quiet_hours(local.time())

    def next_allowed_nudge_time(self, moment: datetime, critical: bool) -> datetime:
        """When a nudge planned for `moment` may go out.

        Critical nudges go out at once. Others wait until quiet hours end, and, with
        `quiet_days_off`, until that time on the next business day: the team's on-call is
        a business-hours duty. Deadlines themselves never move; only their nudges do.
        """
        _require_aware(moment)
        if critical or not self.is_quiet(moment):
            return moment.astimezone(UTC)
        local = self._wall(moment)
        for _ in range(_SEARCH_DAYS * 2):
            day = local.date()
            if self.quiet_days_off and not self.is_business_day(day):
                local = datetime.combine(day + timedelta(days=1), time(0))
            elif self.quiet_hours is not None and self._in_quiet_hours(local.time()):
                end = self.quiet_hours[1]
                after = day if local.time() < end else day + timedelta(days=1)
                local = datetime.combine(after, end)
            else:
                return self._utc(local)
        raise ValueError(f"no time for a nudge within {_SEARCH_DAYS} days of {moment}")

    def _in_quiet_hours(self, clock: time) -> bool:
        if self.quiet_hours is None:
            return False
        start, end = self.quiet_hours
        if start < end:
            return start <= clock < end
        return clock >= start or clock < end

    # Public disclosure

    def is_preferred_disclosure_time(self, moment: datetime, policy: Policy) -> bool:
        """On an allowed weekday, not a holiday, at the policy's time of day (if it has one)."""
        _require_aware(moment)
        rule = policy.disclosure
        local = moment.astimezone(ZoneInfo(rule.timezone))
        if not self._preferred_disclosure_day(local.date(), policy):
            return False
        wanted = rule.time_of_day
        return wanted is None or (local.hour, local.minute) == (wanted.hour, wanted.minute)

    def suggest_disclosure_time(self, moment: datetime, policy: Policy) -> datetime:
        """The first preferred disclosure time at or after `moment` (itself, if preferred).

        Without a policy time of day, the suggestion keeps the local time of `moment`.
        """
        if self.is_preferred_disclosure_time(moment, policy):
            return moment.astimezone(UTC)
        rule = policy.disclosure
        zone = ZoneInfo(rule.timezone)
        local = moment.astimezone(zone)
        clock = rule.time_of_day or local.time().replace(tzinfo=None)
        for offset in range(_SEARCH_DAYS):
            day = local.date() + timedelta(days=offset)
            if not self._preferred_disclosure_day(day, policy):
                continue
            candidate = datetime.combine(day, clock, tzinfo=zone)
            if candidate >= moment:
                return candidate.astimezone(UTC)
        raise ValueError(f"no preferred disclosure time within {_SEARCH_DAYS} days of {moment}")

    def _preferred_disclosure_day(self, day: date, policy: Policy) -> bool:
        rule = policy.disclosure
        if day.weekday() not in rule.weekdays:
            return False
        return not (rule.avoid_holidays and self.is_holiday(day))

    # Time zones and holidays

    def _wall(self, moment: datetime) -> datetime:
        """The team's wall-clock time, as a naive datetime."""
        return moment.astimezone(self.tz).replace(tzinfo=None)

    def _utc(self, wall: datetime) -> datetime:
        return wall.replace(tzinfo=self.tz).astimezone(UTC)

    def _country_holidays(self, year: int) -> dict[date, str]:
        with self._lock:
            known = self._years.get(year)
            if known is None:
                known = self._years[year] = self._load_year(year)
            return known

    def _load_year(self, year: int | None) -> dict[date, str]:
        assert self.holidays_country is not None
        try:
            calendar = holidays.country_holidays(
                self.holidays_country,
                subdiv=self.holidays_subdivision,
                years=() if year is None else year,
            )
        except NotImplementedError as exc:
            raise ValueError(
                f"unknown holiday calendar {self.holidays_country!r}"
                + (
                    f" subdivision {self.holidays_subdivision!r}"
                    if self.holidays_subdivision
                    else ""
                )
                + f": {exc}; expected an ISO 3166 country code such as US or DE"
            ) from None
        return dict(calendar.items())


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, not the naive {moment.isoformat()}")
