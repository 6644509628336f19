"""Review a proposed public disclosure date: allowed, but warned about when it goes against
the policy (weekday, holiday, time of day, embargo length, distributor notice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.policy.calendar import BusinessCalendar
from bot.policy.model import Policy

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class DisclosureReview:
    warnings: tuple[str, ...]
    suggestion: datetime | None  # the policy's next preferred time, when this one is not

    @property
    def ok(self) -> bool:
        return not self.warnings


def review_disclosure_date(
    planned_at: datetime,
    *,
    reported_at: datetime,
    now: datetime,
    policy: Policy,
    calendar: BusinessCalendar,
    is_public: bool = False,
) -> DisclosureReview:
    """Warnings (empty when the date is fine) and, with warnings, a better time to offer."""
    rule = policy.disclosure
    local = planned_at.astimezone(ZoneInfo(rule.timezone))
    warnings: list[str] = []
    if planned_at <= now:
        warnings.append("is in the past")
    if local.weekday() not in rule.weekdays:
        allowed = ", ".join(_DAY_NAMES[day] for day in sorted(rule.weekdays))
        warnings.append(
            f"falls on a {_DAY_NAMES[local.weekday()]}; the {policy.name} policy prefers {allowed}"
        )
    holiday = calendar.holiday_name(local.date())
    if rule.avoid_holidays and holiday:
        warnings.append(f"falls on a holiday ({holiday})")
    wanted = rule.time_of_day
    if wanted is not None and (local.hour, local.minute) != (wanted.hour, wanted.minute):
        warnings.append(
            f"is at {local:%H:%M} {rule.timezone}; the {policy.name} policy prefers "
            f"{wanted:%H:%M} {rule.timezone}"
        )
    limit = policy.deadlines.embargo_max
    if limit is not None and planned_at > calendar.add(reported_at, limit):
        warnings.append(f"is more than {limit.describe()} after the report (the embargo limit)")
    notice = policy.deadlines.distributor_notice
    if notice is not None and not is_public and planned_at > now:
        notice_due = calendar.subtract(planned_at, notice)
        if notice_due < now:
            warnings.append(
                f"leaves distributors less than {notice.describe()} of notice "
                f"(notice was due {notice_due.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"
            )
    if not warnings:
        return DisclosureReview((), None)
    # The suggestion is the first preferred time that is neither past nor too soon for
    # the distributor notice; it may still exceed the embargo limit, which stays warned.
    earliest = max(planned_at, now)
    if notice is not None and not is_public:
        earliest = max(earliest, calendar.add(now, notice))
    return DisclosureReview(tuple(warnings), calendar.suggest_disclosure_time(earliest, policy))
