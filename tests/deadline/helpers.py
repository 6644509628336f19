from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.deadline.model import Deadline
from bot.policy.calendar import BusinessCalendar
from bot.policy.model import Policy

NY = ZoneInfo("America/New_York")


def utc(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def new_york(policy: Policy) -> BusinessCalendar:
    """A team in New York on the US holiday calendar."""
    return BusinessCalendar.for_policy(policy, "America/New_York", "US")


def by_kind(deadlines: list[Deadline]) -> dict[str, Deadline]:
    kinds = [deadline.kind for deadline in deadlines]
    assert len(kinds) == len(set(kinds)), kinds
    return {deadline.kind.value: deadline for deadline in deadlines}


def due_times(deadlines: list[Deadline]) -> dict[str, datetime]:
    return {kind: deadline.due_at for kind, deadline in by_kind(deadlines).items()}
