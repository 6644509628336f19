"""Business time in New York with the US holiday calendar.

July 2026: Thursday 2 is a working day, Friday 3 is Independence Day (observed), then a
weekend, so Monday 6 is the next business day.
"""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.policy.calendar import BusinessCalendar
from bot.policy.durations import parse_duration
from bot.policy.presets import preset

NY = ZoneInfo("America/New_York")


def ny(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NY)


def utc(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def calendar() -> BusinessCalendar:
    return BusinessCalendar("America/New_York", holidays_country="US")


def test_business_days(calendar: BusinessCalendar) -> None:
    assert calendar.is_business_day(date(2026, 7, 2))
    assert not calendar.is_business_day(date(2026, 7, 3))  # Independence Day (observed)
    assert not calendar.is_business_day(date(2026, 7, 4))  # Saturday
    assert not calendar.is_business_day(date(2026, 7, 5))  # Sunday
    assert calendar.is_business_day(date(2026, 7, 6))
    assert calendar.holiday_name(date(2026, 7, 3)) == "Independence Day (observed)"
    assert BusinessCalendar("America/New_York").is_business_day(date(2026, 7, 3))


@pytest.mark.parametrize(
    ("start", "text", "due"),
    [
        # Across the holiday and the weekend: Thursday -> Monday, same time of day.
        (ny(7, 2, 15), "1 business day", ny(7, 6, 15)),
        # An ordinary weekend.
        (ny(7, 10, 15), "1 business day", ny(7, 13, 15)),
        # After hours on a business day keeps the clock time: the team still gets a day.
        (ny(7, 9, 22), "1 business day", ny(7, 10, 22)),
        # Started on a day off: counting starts at Monday's opening.
        (ny(7, 11, 10), "1 business day", ny(7, 14, 9)),
        (ny(7, 3, 10), "1 business day", ny(7, 7, 9)),
        # Ten working days over the holiday.
        (ny(6, 29, 9), "10 working days", ny(7, 14, 9)),
        # Business hours: two today, two after the long weekend.
        (ny(7, 2, 15), "4 business hours", ny(7, 6, 11)),
        # Ending exactly at closing time stays at closing time.
        (ny(7, 2, 15), "2 business hours", ny(7, 2, 17)),
        # Before opening waits for it.
        (ny(7, 2, 6), "1 business hour", ny(7, 2, 10)),
        (ny(7, 2, 16, 30), "1.5 business hours", ny(7, 6, 10)),
        # Calendar durations are exact, holidays or not.
        (ny(7, 2, 15), "P1D", ny(7, 3, 15)),
        (ny(7, 2, 15), "PT30S", datetime(2026, 7, 2, 15, 0, 30, tzinfo=NY)),
        (ny(7, 2, 15), "0 business days", ny(7, 2, 15)),
    ],
)
def test_add(calendar: BusinessCalendar, start: datetime, text: str, due: datetime) -> None:
    result = calendar.add(start, parse_duration(text))
    assert result == due
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("end", "text", "start"),
    [
        # Back over the weekend and the holiday.
        (ny(7, 6, 12), "1 working day", ny(7, 2, 12)),
        # From a day off, back to the previous closing first.
        (ny(7, 11, 12), "1 working day", ny(7, 9, 17)),
        (ny(7, 6, 10), "3 business hours", ny(7, 2, 15)),
        (utc(7, 21, 16), "P7D", utc(7, 14, 16)),
    ],
)
def test_subtract(calendar: BusinessCalendar, end: datetime, text: str, start: datetime) -> None:
    assert calendar.subtract(end, parse_duration(text)) == start


def test_daylight_saving_time() -> None:
    calendar = BusinessCalendar("America/New_York")
    # P1D is 24 hours exactly, so it lands an hour later on the wall clock after the
    # spring change; a business day keeps the wall-clock time.
    assert calendar.add(ny(3, 7, 12), parse_duration("P1D")) == ny(3, 8, 13)
    assert calendar.add(ny(3, 6, 12), parse_duration("1 business day")) == ny(3, 9, 12)


def test_extra_holidays() -> None:
    calendar = BusinessCalendar(
        "America/New_York", holidays_country="US", extra_holidays=[date(2026, 7, 7)]
    )
    assert calendar.holiday_name(date(2026, 7, 7)) == "team holiday"
    assert calendar.add(ny(7, 6, 10), parse_duration("1 business day")) == ny(7, 8, 10)


def test_working_days_other_than_monday_to_friday() -> None:
    calendar = BusinessCalendar("Asia/Jerusalem", working_days=[6, 0, 1, 2, 3])  # Sun-Thu
    tz = ZoneInfo("Asia/Jerusalem")
    thursday = datetime(2026, 7, 9, 10, tzinfo=tz)
    assert calendar.add(thursday, parse_duration("1 business day")) == datetime(
        2026, 7, 12, 10, tzinfo=tz
    )


def test_naive_datetimes_are_refused(calendar: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="expected an aware datetime, not the naive 2026-07-02"):
        calendar.add(datetime(2026, 7, 2), parse_duration("P1D"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"holidays_country": "XX"}, "unknown holiday calendar 'XX': Country XX not available"),
        ({"working_days": []}, "working days must be one or more"),
        ({"working_hours": (time(17), time(9))}, "working hours must start before they end"),
        ({"quiet_hours": (time(8), time(8))}, "quiet hours must start and end at different"),
    ],
)
def test_bad_calendars(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        BusinessCalendar(**kwargs)


# Quiet hours (20:00-08:00 by default) and days off hold back non-critical nudges.


@pytest.mark.parametrize(
    ("planned", "allowed"),
    [
        (ny(7, 7, 12), ny(7, 7, 12)),  # Tuesday noon: at once
        (ny(7, 7, 21), ny(7, 8, 8)),  # Tuesday night: Wednesday morning
        (ny(7, 8, 3), ny(7, 8, 8)),  # early Wednesday: that morning
        (ny(7, 7, 20), ny(7, 8, 8)),  # quiet hours start at 20:00 sharp
        (ny(7, 8, 8), ny(7, 8, 8)),  # and end at 08:00 sharp
        (ny(7, 10, 21), ny(7, 13, 8)),  # Friday night: Monday morning
        (ny(7, 2, 21), ny(7, 6, 8)),  # Thursday night before the holiday: Monday morning
        (ny(7, 4, 12), ny(7, 6, 8)),  # Saturday noon: Monday morning
    ],
)
def test_non_critical_nudges_wait(
    calendar: BusinessCalendar, planned: datetime, allowed: datetime
) -> None:
    assert calendar.next_allowed_nudge_time(planned, critical=False) == allowed


def test_critical_nudges_go_out_at_once(calendar: BusinessCalendar) -> None:
    assert calendar.next_allowed_nudge_time(ny(7, 4, 3), critical=True) == ny(7, 4, 3)


def test_quiet_hours_options() -> None:
    weekends_too = BusinessCalendar("America/New_York", quiet_days_off=False)
    assert weekends_too.next_allowed_nudge_time(ny(7, 4, 12), critical=False) == ny(7, 4, 12)
    assert weekends_too.next_allowed_nudge_time(ny(7, 4, 21), critical=False) == ny(7, 5, 8)
    no_quiet_hours = BusinessCalendar("America/New_York", quiet_hours=None)
    assert no_quiet_hours.next_allowed_nudge_time(ny(7, 7, 23), critical=False) == ny(7, 7, 23)
    assert no_quiet_hours.next_allowed_nudge_time(ny(7, 4, 12), critical=False) == ny(7, 6, 0)
    lunch = BusinessCalendar("America/New_York", quiet_hours=(time(12), time(13)))
    assert lunch.next_allowed_nudge_time(ny(7, 7, 12, 30), critical=False) == ny(7, 7, 13)
    assert lunch.is_quiet(ny(7, 7, 12, 30))
    assert not lunch.is_quiet(ny(7, 7, 13))


# Public disclosure: Kubernetes prefers 16:00 UTC on a non-Friday weekday.


@pytest.mark.parametrize(
    ("moment", "preferred", "suggestion"),
    [
        (utc(7, 14, 16), True, utc(7, 14, 16)),  # Tuesday 16:00 UTC
        (utc(7, 14, 14), False, utc(7, 14, 16)),  # earlier that day: 16:00 that day
        (utc(7, 14, 17), False, utc(7, 15, 16)),  # later: the next day
        (utc(7, 10, 16), False, utc(7, 13, 16)),  # Friday: Monday
        (utc(7, 9, 17), False, utc(7, 13, 16)),  # Thursday evening: past Friday to Monday
        (utc(7, 3, 16), False, utc(7, 6, 16)),  # the holiday
        (utc(7, 2, 16), True, utc(7, 2, 16)),
    ],
)
def test_kubernetes_disclosure_time(
    calendar: BusinessCalendar, moment: datetime, preferred: bool, suggestion: datetime
) -> None:
    policy = preset("kubernetes")
    assert calendar.is_preferred_disclosure_time(moment, policy) is preferred
    assert calendar.suggest_disclosure_time(moment, policy) == suggestion


def test_openssf_disclosure_days(calendar: BusinessCalendar) -> None:
    policy = preset("openssf")
    assert calendar.is_preferred_disclosure_time(utc(7, 8, 10), policy)  # Wednesday, any time
    assert not calendar.is_preferred_disclosure_time(utc(7, 9, 10), policy)  # Thursday
    assert calendar.suggest_disclosure_time(utc(7, 9, 10), policy) == utc(7, 13, 10)
    labor_day = utc(9, 7, 15)
    assert not calendar.is_preferred_disclosure_time(labor_day, policy)
    assert calendar.suggest_disclosure_time(labor_day, policy) == utc(9, 8, 15)


def test_for_policy_prefers_the_environment_country() -> None:
    from dataclasses import replace

    policy = preset()
    with_country = replace(
        policy,
        calendar=replace(policy.calendar, holidays_country="DE", holidays_subdivision="BY"),
    )
    from_file = BusinessCalendar.for_policy(with_country, "Europe/Berlin")
    assert from_file.holidays_country == "DE"
    assert from_file.holidays_subdivision == "BY"
    from_env = BusinessCalendar.for_policy(with_country, "America/New_York", "US")
    assert (from_env.holidays_country, from_env.holidays_subdivision) == ("US", None)
    assert not from_env.is_business_day(date(2026, 7, 3))
