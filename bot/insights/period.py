"""The period a report covers, from the words people type.

Days are the team's days: a date starts at midnight in the given time zone (the team's,
`TEAM_TIMEZONE`; UTC by default), so "2025" is the year as the team lived it. The end of
a period is exclusive and never later than now: a report on a period still running
describes it as it stands. Both ends are aware UTC datetimes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

DEFAULT_DAYS = 90
FORMS = (
    "nothing (the last 90 days), `30d` (the last N days), `quarter` or `year` (this one so "
    "far), `last-quarter` or `last-year`, `2026-Q1`, `2026`, a start date `2026-01-01`, "
    "or two dates `2026-01-01 2026-03-31` (both days included)"
)
_DAYS = re.compile(r"^(\d{1,4})d$")
_QUARTER = re.compile(r"^(\d{4})-?q([1-4])$")
_YEAR = re.compile(r"^\d{4}$")


class PeriodError(ValueError):
    """Words that name no period; the message says what is allowed."""


@dataclass(frozen=True)
class Period:
    since: datetime  # inclusive
    until: datetime  # exclusive
    label: str


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _next_quarter(start: date) -> date:
    return date(start.year + 1, 1, 1) if start.month == 10 else date(start.year, start.month + 3, 1)


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"`{text}` is not a date; write it as YYYY-MM-DD.") from None


def between(
    first: date, last: date, now: datetime, label: str | None = None, zone: tzinfo = UTC
) -> Period:
    """From the start of `first` to the end of `last` (both days included)."""
    if last < first:
        raise PeriodError(f"The period ends ({last}) before it starts ({first}).")
    since = _midnight(first, zone)
    if since >= now:
        raise PeriodError(f"The period starts on {first}, which has not begun yet.")
    until = min(_midnight(last + timedelta(days=1), zone), now)
    return Period(since, until, label or f"{first} to {last}")


def parse_period(text: str, now: datetime, zone: tzinfo = UTC) -> Period:
    """The period the words name, in the time zone's days, ending no later than `now`."""
    words = text.strip().lower().split()
    if not words:
        return Period(now - timedelta(days=DEFAULT_DAYS), now, f"last {DEFAULT_DAYS} days")
    if len(words) == 2:
        return between(parse_date(words[0]), parse_date(words[1]), now, None, zone)
    if len(words) > 2:
        raise PeriodError(f"That is not a period. Allowed: {FORMS}.")
    return _one_word(words[0], text, now, zone)


def _one_word(word: str, text: str, now: datetime, zone: tzinfo) -> Period:
    """A period named in one word: `30d`, `quarter`, `2026-Q1`, `2025`, a start date..."""
    today = now.astimezone(zone).date()

    def span(first: date, last: date, label: str | None = None) -> Period:
        return between(first, last, now, label, zone)

    if found := _DAYS.match(word):
        days = int(found[1])
        if days < 1:
            raise PeriodError("A period of days needs at least one day, such as `30d`.")
        return Period(now - timedelta(days=days), now, f"last {days} days")
    if word == "quarter":
        start = _quarter_start(today)
        return Period(_midnight(start, zone), now, f"Q{(start.month + 2) // 3} {start.year} so far")
    if word == "year":
        return Period(_midnight(date(today.year, 1, 1), zone), now, f"{today.year} so far")
    if word == "last-quarter":
        end = _quarter_start(today)
        start = _quarter_start(end - timedelta(days=1))
        return span(start, end - timedelta(days=1), _quarter_label(start))
    if word == "last-year":
        year = today.year - 1
        return span(date(year, 1, 1), date(year, 12, 31), str(year))
    if found := _QUARTER.match(word):
        start = date(int(found[1]), 3 * (int(found[2]) - 1) + 1, 1)
        end = _next_quarter(start) - timedelta(days=1)
        return span(start, end, _quarter_label(start))
    if _YEAR.match(word):
        year = int(word)
        return span(date(year, 1, 1), date(year, 12, 31), word)
    if re.match(r"^\d{4}-\d{2}-\d{2}$", word):
        first = parse_date(word)
        return span(first, today, f"since {first}")
    raise PeriodError(f"`{text.strip()}` is not a period. Allowed: {FORMS}.")


def _quarter_label(start: date) -> str:
    return f"Q{(start.month + 2) // 3} {start.year}"
