"""The disclosure moment as distributors read it: UTC, and the announcement time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def in_zone(moment: datetime, zone: str) -> datetime:
    """The same instant on the zone's wall clock, with the offset that applies that day."""
    return moment.astimezone(ZoneInfo(zone))


def disclosure_time_text(moment: datetime, zone: str) -> str:
    """`Tuesday 2026-07-14 16:00 UTC (09:00 PDT, America/Los_Angeles)`."""
    utc = moment.astimezone(UTC)
    text = f"{utc:%A %Y-%m-%d %H:%M} UTC"
    if zone == "UTC":
        return text
    local = in_zone(moment, zone)
    day = "" if local.date() == utc.date() else f"{local:%A %Y-%m-%d} "
    return f"{text} ({day}{local:%H:%M} {local.tzname()}, {zone})"


def describe(seconds: float) -> str:
    """`3 days 4 hours`, `5 hours`, `12 minutes`: the two largest units."""
    seconds = max(0, int(seconds))
    units = (("day", 86400), ("hour", 3600), ("minute", 60))
    parts = []
    for name, size in units:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {name}{'' if count == 1 else 's'}")
    return " ".join(parts[:2]) or "less than a minute"
