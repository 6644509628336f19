"""Read a policy file (TOML): a preset, then overrides of any item.

```toml
preset = "kubernetes"
[deadlines]
acknowledge = "PT30S"
[reminders]
before = ["PT10S"]
```

Every problem raises `PolicyError` naming the file, the key and the reason.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from bot.policy.durations import Duration, DurationError, parse_duration
from bot.policy.model import (
    DEADLINE_ITEMS,
    TRACKS,
    WEEKDAYS,
    Deadlines,
    Policy,
    PublicCollapse,
    StaleUpdates,
    frozen_tracks,
)
from bot.policy.presets import DEFAULT_PRESET, PRESETS

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


class PolicyError(ValueError):
    """An invalid policy: `source` (the file), `key` (dotted, if any) and `reason`."""

    def __init__(self, source: str, key: str | None, reason: str) -> None:
        self.source, self.key, self.reason = source, key, reason
        super().__init__(f"{source}: {key}: {reason}" if key else f"{source}: {reason}")


class _Invalid(Exception):
    """A bad value; the caller adds the file and key."""


def load_policy(path: str | Path | None = None) -> Policy:
    """The policy in `path`, or the default preset when there is no file."""
    if path is None:
        return PRESETS[DEFAULT_PRESET]
    source = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(source, None, f"cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise PolicyError(source, None, "not valid TOML: the file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(source, None, f"not valid TOML: {exc}") from None
    return policy_from_mapping(data, source)


def policy_from_mapping(data: Mapping[str, Any], source: str = "policy") -> Policy:
    """Build a policy from parsed TOML (a preset plus overrides)."""
    _check_keys(data, TOP_LEVEL_KEYS, "", source)
    name = data.get("preset", DEFAULT_PRESET)
    if not isinstance(name, str) or name not in PRESETS:
        raise PolicyError(
            source, "preset", f"unknown preset {name!r}; allowed: {', '.join(PRESETS)}"
        )
    policy = PRESETS[name]
    for section, (attribute, readers) in SECTIONS.items():
        table = _table(data, section, source)
        changes = {key: _read(readers, key, value, section, source) for key, value in table.items()}
        policy = replace(policy, **{attribute: replace(getattr(policy, attribute), **changes)})
    for key, value in _table(data, "lead", source).items():
        window = _read(LEAD_READERS, key, value, "lead", source)
        policy = replace(policy, lead_offer_window=window)
    policy = replace(policy, tracks=_tracks(policy, _table(data, "tracks", source), source))
    _check_consistency(policy, source)
    return policy


# Value readers: each takes a TOML value and returns the policy value, or raises _Invalid.


def _kind_of(value: object) -> str:
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
        raise _Invalid(f"expected {_DURATION_HINT}; not {_kind_of(value)}")
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise _Invalid(str(exc)) from None


def optional_duration(value: object) -> Duration | None:
    if value is False:
        return None
    if not isinstance(value, str):
        raise _Invalid(f"expected {_DURATION_HINT}, or false to turn it off; not {_kind_of(value)}")
    return _duration_text(value)


def positive_duration(value: object) -> Duration:
    duration = _duration_text(value)
    if duration.is_zero:
        raise _Invalid(f"{value!r}: must be longer than zero")
    return duration


def duration_list(value: object) -> tuple[Duration, ...]:
    if not isinstance(value, list):
        raise _Invalid(
            f'expected a list of durations such as ["PT24H", "PT1H"]; not {_kind_of(value)}'
        )
    return tuple(_duration_text(item) for item in value)


def count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _Invalid(f"expected a whole number of 0 or more; not {_kind_of(value)}")
    return value


def flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"expected true or false; not {_kind_of(value)}")
    return value


def clock(value: object) -> time:
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    if isinstance(value, str) and re.fullmatch(r"\d{1,2}:\d{2}", value.strip()):
        hours, minutes = (int(part) for part in value.strip().split(":"))
        if hours < 24 and minutes < 60:
            return time(hours, minutes)
    raise _Invalid(f'expected a time of day such as "16:00"; not {_kind_of(value)}')


def optional_clock(value: object) -> time | None:
    return None if value is False else clock(value)


def hours_range(value: object) -> tuple[time, time]:
    if isinstance(value, str) and value.count("-") == 1:
        start, end = (clock(part) for part in value.split("-"))
        if start != end:
            return start, end
        raise _Invalid(f"{value!r}: start and end must differ")
    raise _Invalid(f'expected a range of hours such as "09:00-17:00"; not {_kind_of(value)}')


def working_hours(value: object) -> tuple[time, time]:
    start, end = hours_range(value)
    if not start < end:
        raise _Invalid(f"{value!r}: working hours must start before they end on the same day")
    return start, end


def optional_hours_range(value: object) -> tuple[time, time] | None:
    return None if value is False else hours_range(value)


def weekdays(value: object) -> frozenset[int]:
    if not isinstance(value, list) or not value:
        raise _Invalid(f'expected a list of weekdays such as ["mon", "tue"]; not {_kind_of(value)}')
    days = set()
    for item in value:
        name = item.strip().lower() if isinstance(item, str) else ""
        name = WEEKDAY_NAMES.get(name, name)
        if name not in WEEKDAYS:
            raise _Invalid(f"unknown weekday {item!r}; allowed: {', '.join(WEEKDAYS)}")
        days.add(WEEKDAYS.index(name))
    return frozenset(days)


def timezone(value: object) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"expected a time zone name such as UTC; not {_kind_of(value)}")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise _Invalid(
            f"unknown time zone {value!r}; expected an IANA name such as UTC or Europe/Berlin"
        ) from None
    return value


def severities(value: object) -> frozenset[str]:
    if not isinstance(value, list):
        raise _Invalid(f'expected a list of severities such as ["Critical"]; not {_kind_of(value)}')
    names = set()
    for item in value:
        matches = [
            name for name in SEVERITIES if isinstance(item, str) and name.lower() == item.lower()
        ]
        if not matches:
            raise _Invalid(f"unknown severity {item!r}; allowed: {', '.join(SEVERITIES)}")
        names.add(matches[0])
    return frozenset(names)


def country(value: object) -> str | None:
    if value is False:
        return None
    if not isinstance(value, str) or value.upper() not in holidays.list_supported_countries():
        raise _Invalid(
            f"unknown holiday country {value!r}; expected an ISO 3166 code such as US or DE, "
            "or false for none"
        )
    return value.upper()


def optional_text(value: object) -> str | None:
    if value is False:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(f'expected text such as "CA", or false for none; not {_kind_of(value)}')
    return value.strip()


def dates(value: object) -> frozenset[date]:
    if not isinstance(value, list):
        raise _Invalid(f"expected a list of dates such as [2026-12-24]; not {_kind_of(value)}")
    result = set()
    for item in value:
        if isinstance(item, date) and not hasattr(item, "hour"):
            result.add(item)
            continue
        try:
            result.add(date.fromisoformat(item))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise _Invalid(f"expected dates such as 2026-12-24; not {_kind_of(item)}") from None
    return frozenset(result)


Reader = Callable[[object], Any]


def _readers(names: tuple[str, ...], reader: Reader) -> dict[str, Reader]:
    return dict.fromkeys(names, reader)


SECTIONS: dict[str, tuple[str, dict[str, Reader]]] = {
    "deadlines": ("deadlines", _readers(DEADLINE_ITEMS, optional_duration)),
    "stale_update": (
        "stale_update",
        _readers(tuple(f.name for f in fields(StaleUpdates)), optional_duration),
    ),
    "reminders": (
        "reminders",
        {
            "before": duration_list,
            "overdue_every": positive_duration,
            "overdue_max": count,
            "escalate": flag,
            "urgent_severities": severities,
        },
    ),
    "disclosure": (
        "disclosure",
        {
            "time_of_day": optional_clock,
            "timezone": timezone,
            "weekdays": weekdays,
            "avoid_holidays": flag,
            "release_on_disclosure_day": flag,
        },
    ),
    "public": (
        "public",
        _readers(tuple(f.name for f in fields(PublicCollapse)), optional_duration),
    ),
    "calendar": (
        "calendar",
        {
            "working_days": weekdays,
            "working_hours": working_hours,
            "quiet_hours": optional_hours_range,
            "quiet_days_off": flag,
            "holidays_country": country,
            "holidays_subdivision": optional_text,
            "extra_holidays": dates,
        },
    ),
}
LEAD_READERS: dict[str, Reader] = {"offer_window": positive_duration}
TOP_LEVEL_KEYS = ("preset", *SECTIONS, "lead", "tracks")


# Structure


def _table(data: Mapping[str, Any], section: str, source: str) -> Mapping[str, Any]:
    table = data.get(section, {})
    if not isinstance(table, dict):
        raise PolicyError(source, section, f"expected a table ([{section}]); not {_kind_of(table)}")
    return table


def _read(readers: Mapping[str, Reader], key: str, value: object, section: str, source: str) -> Any:
    path = f"{section}.{key}"
    if key not in readers:
        raise PolicyError(source, path, _unknown(key, readers))
    try:
        return readers[key](value)
    except _Invalid as exc:
        raise PolicyError(source, path, str(exc)) from None


def _check_keys(
    data: Mapping[str, Any], allowed: tuple[str, ...], prefix: str, source: str
) -> None:
    for key in data:
        if key not in allowed:
            raise PolicyError(source, prefix + key, _unknown(key, allowed))


def _unknown(key: str, allowed: Mapping[str, object] | tuple[str, ...]) -> str:
    names = list(allowed)
    close = [name for name in names if key in name or name in key]
    if len(close) != 1:
        close = difflib.get_close_matches(key, names, n=1, cutoff=0.7)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key{hint}; allowed: {', '.join(names)}"


def _tracks(
    policy: Policy, table: Mapping[str, Any], source: str
) -> Mapping[str, Mapping[str, Duration | None]]:
    merged = {name: dict(items) for name, items in policy.tracks.items()}
    readers = _readers(DEADLINE_ITEMS, optional_duration)
    for name, items in table.items():
        if name not in TRACKS:
            raise PolicyError(
                source, f"tracks.{name}", f"unknown track; allowed: {', '.join(TRACKS)}"
            )
        if not isinstance(items, dict):
            raise PolicyError(
                source,
                f"tracks.{name}",
                f"expected a table ([tracks.{name}]); not {_kind_of(items)}",
            )
        for key, value in items.items():
            merged.setdefault(name, {})[key] = _read(readers, key, value, f"tracks.{name}", source)
    return frozen_tracks(merged)


def _check_consistency(policy: Policy, source: str) -> None:
    """Rules between items, checked on the merged policy."""
    for deadlines, prefix in _all_deadlines(policy):
        for shorter, longer in (
            ("distributor_notice", "distributor_notice_earliest"),
            ("retrospective_earliest", "retrospective"),
        ):
            low, high = getattr(deadlines, shorter), getattr(deadlines, longer)
            if low is not None and high is not None and _longer(low, high):
                raise PolicyError(
                    source,
                    f"{prefix}.{longer}",
                    f"{high} is shorter than {prefix}.{shorter} ({low})",
                )
    rules = policy.calendar
    if rules.holidays_subdivision and rules.holidays_country:
        try:
            holidays.country_holidays(
                rules.holidays_country, subdiv=rules.holidays_subdivision, years=[]
            )
        except NotImplementedError as exc:
            raise PolicyError(source, "calendar.holidays_subdivision", str(exc)) from None


def _all_deadlines(policy: Policy) -> list[tuple[Deadlines, str]]:
    result = [(policy.deadlines, "deadlines")]
    for track in TRACKS:
        if track in policy.tracks:
            result.append((policy.deadlines.overridden(policy.tracks[track]), f"tracks.{track}"))
    return result


def _longer(first: Duration, second: Duration) -> bool:
    """Whether `first` is surely longer than `second` (only comparable kinds are compared)."""
    if first.kind == second.kind == "calendar":
        return first.exact > second.exact
    if first.kind == second.kind == "business" and bool(first.business_days) == bool(
        second.business_days
    ):
        return (first.business_days, first.business_time) > (
            second.business_days,
            second.business_time,
        )
    return False
