"""Working time between two moments on the team's business calendar.

The mirror of `BusinessCalendar.add` for business hours: only the hours between opening
and closing on business days (in the team's time zone) count, so a report on Friday at
16:00 acknowledged on Monday at 10:00 took 2 business hours (with 9:00-17:00 hours).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.policy import BusinessCalendar


def working_time_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Working time from `start` to `end` (zero when `end` is not after `start`)."""
    if end <= start:
        return timedelta(0)
    first = start.astimezone(calendar.tz).replace(tzinfo=None)
    last = end.astimezone(calendar.tz).replace(tzinfo=None)
    total = timedelta(0)
    day = first.date()
    while day <= last.date():
        if calendar.is_business_day(day):
            opening = datetime.combine(day, calendar.opening)
            closing = datetime.combine(day, calendar.closing)
            overlap = min(last, closing) - max(first, opening)
            if overlap > timedelta(0):
                total += overlap
        day += timedelta(days=1)
    return total


def working_day_length(calendar: BusinessCalendar) -> timedelta:
    """How long one business day's working hours are (8 hours for 09:00-17:00)."""
    return datetime.combine(datetime.min, calendar.closing) - datetime.combine(
        datetime.min, calendar.opening
    )
