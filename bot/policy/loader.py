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
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import holidays

from bot.policy.durations import Duration
from bot.policy.model import (
    DEADLINE_ITEMS,
    TRACKS,
    Deadlines,
    Policy,
    PublicCollapse,
    StaleUpdates,
    frozen_tracks,
)
from bot.policy.presets import DEFAULT_PRESET, PRESETS
from bot.policy.values import (
    InvalidValue,
    clock_or_off,
    count,
    dates,
    duration_list,
    flag,
    holiday_country,
    hours_range_or_off,
    kind_of,
    optional_duration,
    positive_duration,
    severities,
    text_or_off,
    timezone,
    weekdays,
    working_hours,
)


class PolicyError(ValueError):
    """An invalid policy: `source` (the file), `key` (dotted, if any) and `reason`."""

    def __init__(self, source: str, key: str | None, reason: str) -> None:
        self.source, self.key, self.reason = source, key, reason
        super().__init__(f"{source}: {key}: {reason}" if key else f"{source}: {reason}")


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
            "time_of_day": clock_or_off,
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
            "quiet_hours": hours_range_or_off,
            "quiet_days_off": flag,
            "holidays_country": holiday_country,
            "holidays_subdivision": text_or_off,
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
        raise PolicyError(source, section, f"expected a table ([{section}]); not {kind_of(table)}")
    return table


def _read(readers: Mapping[str, Reader], key: str, value: object, section: str, source: str) -> Any:
    path = f"{section}.{key}"
    if key not in readers:
        raise PolicyError(source, path, _unknown(key, readers))
    try:
        return readers[key](value)
    except InvalidValue as exc:
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
                f"expected a table ([tracks.{name}]); not {kind_of(items)}",
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
