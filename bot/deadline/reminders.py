"""When to remind about one deadline: before it, at it, overdue repeats, then escalation.

Each reminder has a stable key (`before:PT24H`, `due`, `overdue:2`, `escalation`), so a
caller that stores what it sent can re-plan at any time and never send one twice.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from bot.deadline.model import Deadline, DeadlineKind
from bot.policy.calendar import BusinessCalendar
from bot.policy.durations import Duration
from bot.policy.model import Policy


class Stage(enum.StrEnum):
    BEFORE = "before"
    DUE = "due"
    OVERDUE = "overdue"
    ESCALATION = "escalation"


_STAGE_ORDER = {stage: index for index, stage in enumerate(Stage)}


@dataclass(frozen=True)
class ReminderKind:
    stage: Stage
    offset: Duration | None = None  # how long before the deadline (BEFORE)
    number: int | None = None  # which repeat, from 1 (OVERDUE)

    @property
    def key(self) -> str:
        if self.stage is Stage.BEFORE and self.offset is not None:
            return f"before:{self.offset.iso()}"
        if self.stage is Stage.OVERDUE:
            return f"overdue:{self.number}"
        return self.stage.value

    def __str__(self) -> str:
        return self.key


class PlannedReminder(NamedTuple):
    at: datetime
    kind: ReminderKind


def reminder_times(
    deadline: Deadline, policy: Policy, calendar: BusinessCalendar, now: datetime
) -> list[PlannedReminder]:
    """The reminders still to send for `deadline`, earliest first.

    - None for a met deadline.
    - `before` offsets from the policy (none for stale-update nudges, which are reminders
      themselves), dropped when they fall at or before the deadline's `opens_at`.
    - One at the deadline, then `overdue_max` repeats, then one escalation (if the policy
      escalates), each `overdue_every` after the one before it was actually sent.
    - Non-critical reminders move out of quiet hours (`next_allowed_nudge_time`). When a
      held `before` reminder lands on a later one, only the later one is kept.
    - Reminders at or before `now` collapse into the latest of them, which keeps its
      planned time: after downtime the deadline gets one catch-up reminder, not a flood.
    """
    if not deadline.is_open:
        return []
    rules = policy.reminders

    def send_time(moment: datetime) -> datetime:
        return calendar.next_allowed_nudge_time(moment, deadline.critical)

    due = deadline.due_at
    planned: list[PlannedReminder] = []
    if deadline.kind is not DeadlineKind.STALE_UPDATE:
        offsets = {offset.iso(): offset for offset in rules.before if not offset.is_zero}
        for offset in offsets.values():
            at = calendar.subtract(due, offset)
            if at < due and (deadline.opens_at is None or at > deadline.opens_at):
                kind = ReminderKind(Stage.BEFORE, offset=offset)
                planned.append(PlannedReminder(send_time(at), kind))
    moment = send_time(due)
    planned.append(PlannedReminder(moment, ReminderKind(Stage.DUE)))
    later = [ReminderKind(Stage.OVERDUE, number=n) for n in range(1, rules.overdue_max + 1)]
    if rules.escalate:
        later.append(ReminderKind(Stage.ESCALATION))
    for kind in later:
        moment = send_time(calendar.add(moment, rules.overdue_every))
        planned.append(PlannedReminder(moment, kind))

    ordered = sorted(planned, key=_sequence)
    kept = [
        reminder
        for reminder, following in zip(ordered, [*ordered[1:], None], strict=True)
        if following is None or following.at != reminder.at
    ]
    past = [reminder for reminder in kept if reminder.at <= now]
    return past[-1:] + [reminder for reminder in kept if reminder.at > now]


def _sequence(reminder: PlannedReminder) -> tuple[datetime, int, float]:
    """Time first; at the same time, later stages (and longer-overdue repeats) last."""
    kind = reminder.kind
    if kind.stage is Stage.BEFORE and kind.offset is not None:
        within = -_rough_seconds(kind.offset)
    else:
        within = float(kind.number or 0)
    return reminder.at, _STAGE_ORDER[kind.stage], within


def _rough_seconds(offset: Duration) -> float:
    """Only to order offsets that land on the same moment; longer offsets come first."""
    working = offset.business_days * 86400 + offset.business_time.total_seconds()
    return offset.exact.total_seconds() + working
