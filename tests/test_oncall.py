"""The weekly on-call rotation: week boundaries in the team's zone, order, away, swaps."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.audit.models import AuditEntry
from bot.database import Database
from bot.lead import rotation
from bot.oncall import service as oncall

BERLIN = ZoneInfo("Europe/Berlin")
RULE = oncall.WeekRule(start_day=2, start_time=time(10, 0), zone=BERLIN)  # Wednesdays 10:00
TEAM = ["U0ALICE", "U0BOB", "U0CAROL"]


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_weeks_start_on_the_configured_day_and_time_in_the_team_zone() -> None:
    assert RULE.week_start(berlin(2026, 3, 4, 9, 59)) == berlin(2026, 2, 25, 10, 0)
    assert RULE.week_start(berlin(2026, 3, 4, 10, 0)) == berlin(2026, 3, 4, 10, 0)
    assert RULE.week_start(berlin(2026, 3, 10, 23, 0)) == berlin(2026, 3, 4, 10, 0)
    # 09:30 UTC on that Wednesday is 10:30 in Berlin: the new week has begun.
    assert RULE.week_start(datetime(2026, 3, 4, 9, 30, tzinfo=UTC)) == berlin(2026, 3, 4, 10, 0)


def test_the_rotation_walks_the_roster_and_keeps_local_time_across_dst(db: Database) -> None:
    now = berlin(2026, 3, 18, 12, 0)  # Europe switches to summer time on 29 March
    with db.transaction() as session:
        weeks = oncall.schedule(session, RULE, TEAM, now, weeks=6)
    assert [w.start.hour for w in weeks] == [10] * 6
    assert weeks[1].start - weeks[0].start == timedelta(days=7)
    assert weeks[2].start.utcoffset() != weeks[1].start.utcoffset()
    users = [w.user_id for w in weeks]
    assert sorted(users[:3]) == sorted(TEAM) and users[3:] == users[:3]
    assert all(w.end == v.start for w, v in pairwise(weeks))


def test_away_members_are_skipped_and_swaps_override(db: Database) -> None:
    now = berlin(2026, 3, 18, 12, 0)
    with db.transaction() as session:
        planned = [w.user_id for w in oncall.schedule(session, RULE, TEAM, now)]
        rotation.set_away(session, planned[1], berlin(2026, 4, 1, 0, 0))
        replanned = [w.user_id for w in oncall.schedule(session, RULE, TEAM, now)]
    assert replanned[1] != planned[1] and replanned[1] in TEAM
    assert replanned[2:] == planned[2:]  # back by then

    next_week = oncall.parse_week("next", RULE, now)
    assert next_week is not None
    with db.transaction() as session:
        oncall.swap(session, RULE, next_week, "U0CAROL", "U0ALICE", now)
        oncall.swap(session, RULE, next_week, "U0BOB", "U0ALICE", now)  # a second swap wins
        weeks = oncall.schedule(session, RULE, TEAM, now)
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "oncall.swap"))
        details = [entry.detail for entry in audit]
    assert weeks[1].user_id == "U0BOB" and weeks[1].swapped
    assert not weeks[0].swapped
    assert [d["user"] for d in details] == ["U0CAROL", "U0BOB"]
    assert details[1]["previous_swap"] == "U0CAROL"


def test_weeks_are_named_in_words_numbers_or_dates() -> None:
    now = berlin(2026, 3, 18, 12, 0)
    this = berlin(2026, 3, 18, 10, 0)
    assert oncall.parse_week("this", RULE, now) == this
    assert oncall.parse_week("next", RULE, now) == berlin(2026, 3, 25, 10, 0)
    assert oncall.parse_week("+3", RULE, now) == berlin(2026, 4, 8, 10, 0)
    assert oncall.parse_week("2026-03-20", RULE, now) == this
    assert oncall.parse_week("someday", RULE, now) is None
