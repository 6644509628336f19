"""Durations as a policy writes them: ISO 8601 (`P1D`, `PT4H`) or business time (`1 business day`).

A calendar duration is an exact length of time. A business duration counts only business
days, or only working hours, so its length depends on where it starts; `BusinessCalendar`
turns it into a moment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Literal

DurationKind = Literal["calendar", "business"]

EXAMPLES = (
    "ISO 8601 such as P1D, PT4H, PT30S, P1DT12H or P2W, or a business duration such as "
    '"1 business day", "4 business hours" or "10 working days"'
)

_NUMBER = r"\d+(?:[.,]\d+)?"
_ISO = re.compile(
    rf"P(?:(?P<years>{_NUMBER})Y)?(?:(?P<months>{_NUMBER})M)?(?:(?P<weeks>{_NUMBER})W)?"
    rf"(?:(?P<days>{_NUMBER})D)?"
    rf"(?:T(?:(?P<hours>{_NUMBER})H)?(?:(?P<minutes>{_NUMBER})M)?(?:(?P<seconds>{_NUMBER})S)?)?"
)
_ISO_UNITS = ("years", "months", "weeks", "days", "hours", "minutes", "seconds")
_SECONDS_PER = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}
_BUSINESS = re.compile(r"(?P<amount>\S+)\s+(?:business|working)\s+(?P<unit>\S+)", re.IGNORECASE)
_BUSINESS_UNITS = {"day": "days", "days": "days", "hour": "hours", "hours": "hours"}


class DurationError(ValueError):
    """Text that is not a duration; the message says what is wrong and what is allowed."""


@dataclass(frozen=True)
class Duration:
    """A calendar length (`exact`) or a business length (`business_days` or `business_time`).

    `business_time` is working time: "4 business hours" is four hours inside working hours.
    """

    kind: DurationKind
    exact: timedelta = timedelta(0)
    business_days: int = 0
    business_time: timedelta = timedelta(0)
    text: str = field(default="", compare=False)

    @classmethod
    def calendar(cls, **parts: float) -> Duration:
        """`Duration.calendar(hours=4)`: the same keywords as `timedelta`."""
        return cls("calendar", exact=timedelta(**parts))

    @classmethod
    def days_of_business(cls, days: int) -> Duration:
        return cls("business", business_days=days)

    @classmethod
    def hours_of_business(cls, hours: float) -> Duration:
        return cls("business", business_time=timedelta(hours=hours))

    @property
    def is_zero(self) -> bool:
        return not (self.exact or self.business_days or self.business_time)

    def iso(self) -> str:
        """A canonical spelling, stable across equal durations (used in reminder keys)."""
        if self.kind == "business":
            if self.business_days:
                return _plural(self.business_days, "business day")
            return _plural(_number(self.business_time / timedelta(hours=1)), "business hour")
        return _iso_of(self.exact)

    def describe(self) -> str:
        """Words for people: "1 business day", "7 days", "1 day 12 hours", "30 seconds"."""
        if self.kind == "business":
            return self.iso()
        return _words_of(self.exact)

    def __str__(self) -> str:
        return self.text or self.iso()


def parse_duration(text: str) -> Duration:
    """Parse `P1D`, `PT4H`, `PT30S`, `P1DT12H`, `P2W`, `1 business day`, `4 working hours`."""
    if not isinstance(text, str):
        raise DurationError(f"expected text with a duration, {EXAMPLES}; not {text!r}")
    cleaned = " ".join(text.split())
    if not cleaned:
        raise DurationError(f"empty duration: expected {EXAMPLES}")
    if cleaned.startswith("-"):
        raise DurationError(f"{text!r}: durations cannot be negative")
    if cleaned[0] in "Pp":
        duration = _parse_iso(cleaned.upper(), text)
    elif _BUSINESS.fullmatch(cleaned):
        duration = _parse_business(cleaned, text)
    else:
        raise DurationError(f"{text!r} is not a duration: expected {EXAMPLES}")
    return Duration(
        duration.kind,
        exact=duration.exact,
        business_days=duration.business_days,
        business_time=duration.business_time,
        text=cleaned,
    )


def _parse_iso(upper: str, text: str) -> Duration:
    match = _ISO.fullmatch(upper)
    if not match:
        if "T" not in upper and re.fullmatch(rf"P(?:{_NUMBER}[YMWD])*{_NUMBER}[HS]", upper):
            raise DurationError(f"{text!r}: hours, minutes and seconds go after T, as in PT1H")
        raise DurationError(f"{text!r} is not a duration: expected {EXAMPLES}")
    parts = {unit: match[unit] for unit in _ISO_UNITS if match[unit] is not None}
    if not parts:
        if upper.endswith("T"):
            raise DurationError(
                f"{text!r}: no amount after T; write hours, minutes or seconds, such as PT4H"
            )
        raise DurationError(
            f"{text!r}: no amount; write at least one number and unit, such as P1D or PT30S"
        )
    if upper.endswith("T"):
        raise DurationError(f"{text!r}: T must be followed by hours, minutes or seconds")
    if "years" in parts or "months" in parts:
        raise DurationError(
            f"{text!r}: years and months have no fixed length; use days or weeks (P365D, P4W)"
        )
    fractional = [unit for unit, value in parts.items() if not value.isdigit()]
    if fractional and fractional != [list(parts)[-1]]:
        raise DurationError(f"{text!r}: only the last component may have a fraction")
    seconds = sum(
        Decimal(value.replace(",", ".")) * _SECONDS_PER[unit] for unit, value in parts.items()
    )
    try:
        return Duration("calendar", exact=timedelta(seconds=float(seconds)))
    except OverflowError:
        raise DurationError(f"{text!r}: too long; the longest is 999999999 days") from None


def _parse_business(cleaned: str, text: str) -> Duration:
    match = _BUSINESS.fullmatch(cleaned)
    assert match is not None
    unit = _BUSINESS_UNITS.get(match["unit"].lower())
    if unit is None:
        raise DurationError(
            f"{text!r}: unknown unit {match['unit']!r}; allowed: business days, business hours "
            "(or working days, working hours)"
        )
    try:
        amount = Decimal(match["amount"].replace(",", "."))
    except InvalidOperation:
        raise DurationError(f"{text!r}: {match['amount']!r} is not a number") from None
    if not amount.is_finite():
        raise DurationError(f"{text!r}: {match['amount']!r} is not a number")
    if unit == "days":
        if amount != amount.to_integral_value():
            raise DurationError(
                f"{text!r}: business days must be a whole number; use business hours for parts"
            )
        return Duration.days_of_business(int(amount))
    return Duration.hours_of_business(float(amount))


def _iso_of(delta: timedelta) -> str:
    days, rest = delta.days, delta.seconds
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    fraction = delta.microseconds / 1_000_000
    clock = ""
    if hours:
        clock += f"{hours}H"
    if minutes:
        clock += f"{minutes}M"
    if seconds or fraction:
        clock += f"{_number(seconds + fraction)}S"
    if not days and not clock:
        return "PT0S"
    return "P" + (f"{days}D" if days else "") + (f"T{clock}" if clock else "")


def _words_of(delta: timedelta) -> str:
    days, rest = delta.days, delta.seconds
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    seconds_value = _number(seconds + delta.microseconds / 1_000_000)
    words = [
        _plural(value, unit)
        for value, unit in (
            (days, "day"),
            (hours, "hour"),
            (minutes, "minute"),
            (seconds_value, "second"),
        )
        if value
    ]
    return " ".join(words) or "0 seconds"


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 6)


def _plural(amount: int | float, unit: str) -> str:
    return f"{amount} {unit}" if amount == 1 else f"{amount} {unit}s"
