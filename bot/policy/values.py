"""Readers of policy-file values: each takes a TOML value and returns the policy's value,
or raises `InvalidValue` saying what is wrong and what is expected."""

from __future__ import annotations

import re
from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from bot.policy.durations import Duration, DurationError, parse_duration
from bot.policy.model import WEEKDAYS

SEVERITIES = ("Critical", "High", "Medium", "Low", "None")
WEEKDAY_NAMES = {
    full: short
    for full, short in zip(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        WEEKDAYS,
        strict=True,
    )
}
_DURATION_HINT = 'a duration as text, such as "P1D", "PT4H" or "1 business day"'


class InvalidValue(Exception):
    """A bad value; the loader adds the file and the key."""


def kind_of(value: object) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"the {type(value).__name__} {value}"


def _duration_text(value: object) -> Duration:
    if not isinstance(value, str):
        raise InvalidValue(f"expected {_DURATION_HINT}; not {kind_of(value)}")
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise InvalidValue(str(exc)) from None


def optional_duration(value: object) -> Duration | None:
    if value is False:
        return None
    if not isinstance(value, str):
        raise InvalidValue(
            f"expected {_DURATION_HINT}, or false to turn it off; not {kind_of(value)}"
        )
    return _duration_text(value)


def positive_duration(value: object) -> Duration:
    duration = _duration_text(value)
    if duration.is_zero:
        raise InvalidValue(f"{value!r}: must be longer than zero")
    return duration


def duration_list(value: object) -> tuple[Duration, ...]:
    if not isinstance(value, list):
        raise InvalidValue(
            f'expected a list of durations such as ["PT24H", "PT1H"]; not {kind_of(value)}'
        )
    return tuple(_duration_text(item) for item in value)


def count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValue(f"expected a whole number of 0 or more; not {kind_of(value)}")
    return value


def flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidValue(f"expected true or false; not {kind_of(value)}")
    return value


def clock(value: object) -> time:
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    if isinstance(value, str) and re.fullmatch(r"\d{1,2}:\d{2}", value.strip()):
        hours, minutes = (int(part) for part in value.strip().split(":"))
        if hours < 24 and minutes < 60:
            return time(hours, minutes)
    raise InvalidValue(f'expected a time of day such as "16:00"; not {kind_of(value)}')


def clock_or_off(value: object) -> time | None:
    return None if value is False else clock(value)


def hours_range(value: object) -> tuple[time, time]:
    if isinstance(value, str) and value.count("-") == 1:
        start, end = (clock(part) for part in value.split("-"))
        if start != end:
            return start, end
        raise InvalidValue(f"{value!r}: start and end must differ")
    raise InvalidValue(f'expected a range of hours such as "09:00-17:00"; not {kind_of(value)}')


def working_hours(value: object) -> tuple[time, time]:
    start, end = hours_range(value)
    if not start < end:
        raise InvalidValue(f"{value!r}: working hours must start before they end on the same day")
    return start, end


def hours_range_or_off(value: object) -> tuple[time, time] | None:
    return None if value is False else hours_range(value)


def weekdays(value: object) -> frozenset[int]:
    if not isinstance(value, list) or not value:
        raise InvalidValue(
            f'expected a list of weekdays such as ["mon", "tue"]; not {kind_of(value)}'
        )
    days = set()
    for item in value:
        name = item.strip().lower() if isinstance(item, str) else ""
        name = WEEKDAY_NAMES.get(name, name)
        if name not in WEEKDAYS:
            raise InvalidValue(f"unknown weekday {item!r}; allowed: {', '.join(WEEKDAYS)}")
        days.add(WEEKDAYS.index(name))
    return frozenset(days)


def timezone(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidValue(f"expected a time zone name such as UTC; not {kind_of(value)}")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidValue(
            f"unknown time zone {value!r}; expected an IANA name such as UTC or Europe/Berlin"
        ) from None
    return value


def severities(value: object) -> frozenset[str]:
    if not isinstance(value, list):
        raise InvalidValue(
            f'expected a list of severities such as ["Critical"]; not {kind_of(value)}'
        )
    names = set()
    for item in value:
        matches = [
            name for name in SEVERITIES if isinstance(item, str) and name.lower() == item.lower()
        ]
        if not matches:
            raise InvalidValue(f"unknown severity {item!r}; allowed: {', '.join(SEVERITIES)}")
        names.add(matches[0])
    return frozenset(names)


def holiday_country(value: object) -> str | None:
    if value is False:
        return None
    if not isinstance(value, str) or value.upper() not in holidays.list_supported_countries():
        raise InvalidValue(
            f"unknown holiday country {value!r}; expected an ISO 3166 code such as US or DE, "
            "or false for none"
        )
    return value.upper()


def text_or_off(value: object) -> str | None:
    if value is False:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(f'expected text such as "CA", or false for none; not {kind_of(value)}')
    return value.strip()


def dates(value: object) -> frozenset[date]:
    if not isinstance(value, list):
        raise InvalidValue(f"expected a list of dates such as [2026-12-24]; not {kind_of(value)}")
    result = set()
    for item in value:
        if isinstance(item, date) and not hasattr(item, "hour"):
            result.add(item)
            continue
        try:
            result.add(date.fromisoformat(item))
        except (TypeError, ValueError):
            raise InvalidValue(f"expected dates such as 2026-12-24; not {kind_of(item)}") from None
    return frozenset(result)
