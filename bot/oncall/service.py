"""Who is on call (the incident commander) in a given week.

Weeks start on a configured weekday and time in the team's time zone. Week N of the
calendar (counted from a fixed Monday) goes to roster member N modulo the roster size;
a member away when the week starts is skipped for the next one in roster order. A
recorded swap overrides the rotation for its week.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit.service import BOT_ACTOR, record
from bot.incident.models import Incident
from bot.lead import rotation
from bot.oncall.models import OncallSwap
from bot.timeline.service import add_event

EPOCH = date(2024, 1, 1)  # a Monday; only the week count since then matters
WEEK = timedelta(days=7)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class WeekRule:
    start_day: int  # 0 is Monday
    start_time: time
    zone: ZoneInfo

    def week_start(self, moment: datetime) -> datetime:
        """The start of the on-call week containing this moment (aware, in the team zone)."""
        local = moment.astimezone(self.zone)
        day = local.date() - timedelta(days=(local.weekday() - self.start_day) % 7)
        start = datetime.combine(day, self.start_time, self.zone)
        if start > local:
            start = datetime.combine(day - WEEK, self.start_time, self.zone)
        return start

    def number(self, start: datetime) -> int:
        return (start.date() - EPOCH).days // 7


@dataclass(frozen=True)
class Week:
    start: datetime
    end: datetime
    user_id: str | None
    swapped: bool = False


def _rotation_choice(
    rule: WeekRule, members: Sequence[str], start: datetime, away: dict[str, datetime | None]
) -> str | None:
    if not members:
        return None
    first = rule.number(start) % len(members)
    for step in range(len(members)):
        user = members[(first + step) % len(members)]
        back = away.get(user)
        if back is None or back <= start:
            return user
    return members[first]  # everyone is away: the rotation's choice still holds the pager


def week_of(session: Session, rule: WeekRule, members: Sequence[str], moment: datetime) -> Week:
    return schedule(session, rule, members, moment, weeks=1)[0]


def schedule(
    session: Session, rule: WeekRule, members: Sequence[str], now: datetime, weeks: int = 5
) -> list[Week]:
    """This week and the following ones."""
    first = rule.week_start(now)
    starts = [_shift(rule, first, n) for n in range(weeks)]
    swaps = {
        swap.week_start: swap.user_id
        for swap in session.scalars(
            select(OncallSwap).where(OncallSwap.week_start.in_([start.date() for start in starts]))
        )
    }
    away = {user: row.away_until for user, row in rotation.places(session, members).items()}
    result = []
    for start in starts:
        end = _shift(rule, start, 1)
        swapped = swaps.get(start.date())
        # This week's away check uses now: someone who left this morning is not on call.
        moment = max(start, now.astimezone(rule.zone))
        user = swapped or _rotation_choice(rule, members, moment, away)
        result.append(Week(start, end, user, swapped is not None))
    return result


def name_commander(
    session: Session, incident: Incident, rule: WeekRule, members: Sequence[str], now: datetime
) -> bool:
    """Make the week's on-call the commander of a (locked) incident that has none, with a
    timeline event and an audit row; True if someone was named."""
    if incident.commander_id is not None:
        return False
    commander = week_of(session, rule, members, now).user_id
    if not commander:
        return False
    incident.commander_id = commander
    add_event(
        session,
        incident.id,
        now,
        BOT_ACTOR,
        "commander_set",
        f"<@{commander}> is incident commander (on call this week)",
        {"commander": commander},
    )
    record(session, now, BOT_ACTOR, "incident.commander", incident.id, commander=commander)
    return True


def _shift(rule: WeekRule, start: datetime, weeks: int) -> datetime:
    """Whole weeks later at the same local time, across daylight-saving changes."""
    return datetime.combine(start.date() + weeks * WEEK, rule.start_time, rule.zone)


def swap(
    session: Session, rule: WeekRule, week: datetime, user_id: str, by: str, now: datetime
) -> Week:
    """Give the week containing `week` to this user; recorded in the audit log."""
    start = rule.week_start(week)
    row = session.get(OncallSwap, start.date())
    previous = row.user_id if row else None
    if row is None:
        row = OncallSwap(week_start=start.date(), user_id=user_id, swapped_by=by, created_at=now)
        session.add(row)
    else:
        row.user_id, row.swapped_by, row.created_at = user_id, by, now
    record(
        session,
        now,
        by,
        "oncall.swap",
        None,
        week=start.date().isoformat(),
        user=user_id,
        previous_swap=previous,
    )
    return Week(start, _shift(rule, start, 1), user_id, True)


def parse_week(text: str, rule: WeekRule, now: datetime) -> datetime | None:
    """`this`, `next`, `+N` (weeks from now) or a date in the week (YYYY-MM-DD)."""
    word = text.strip().lower()
    current = rule.week_start(now)
    if word in ("", "this"):
        return current
    if word == "next":
        return _shift(rule, current, 1)
    if re.fullmatch(r"\+\d{1,2}", word):
        return _shift(rule, current, int(word[1:]))
    try:
        day = date.fromisoformat(word)
    except ValueError:
        return None
    return rule.week_start(datetime.combine(day, time(12), rule.zone))
