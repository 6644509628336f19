from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.deadline.facts import IncidentFacts
from bot.deadline.model import Deadline, DeadlineKind, Owner, Status
from bot.deadline.planner import plan_deadlines
from bot.deadline.reminders import ReminderKind, Stage, reminder_times
from bot.policy.calendar import BusinessCalendar
from bot.policy.durations import parse_duration
from bot.policy.loader import policy_from_mapping
from bot.policy.presets import preset
from tests.deadline.helpers import new_york, utc

KUBERNETES = preset("kubernetes")
UTC_CALENDAR = BusinessCalendar()
DUE = utc(7, 14, 16)  # a Tuesday
EARLY = utc(7, 1)


def deadline(
    due: datetime = DUE,
    critical: bool = True,
    kind: DeadlineKind = DeadlineKind.SCORE_AND_PLAN,
    **changes: object,
) -> Deadline:
    made = Deadline(kind, "A step", due, Owner.FIX_LEAD, critical, opens_at=utc(7, 1))
    return replace(made, **changes)


def schedule(item: Deadline, policy=KUBERNETES, calendar=UTC_CALENDAR, now=EARLY):
    return [(r.at, r.kind.key) for r in reminder_times(item, policy, calendar, now)]


def test_offsets_due_repeats_and_escalation() -> None:
    assert schedule(deadline()) == [
        (utc(7, 13, 16), "before:P1D"),
        (utc(7, 14, 15), "before:PT1H"),
        (DUE, "due"),
        (utc(7, 15, 16), "overdue:1"),
        (utc(7, 16, 16), "overdue:2"),
        (utc(7, 17, 16), "overdue:3"),
        (utc(7, 18, 16), "escalation"),
    ]


def test_reminder_kinds() -> None:
    first, *_ = reminder_times(deadline(), KUBERNETES, UTC_CALENDAR, EARLY)
    at, kind = first  # a (datetime, kind) pair
    assert at == utc(7, 13, 16)
    assert kind == ReminderKind(Stage.BEFORE, offset=parse_duration("PT24H"))
    assert str(kind) == "before:P1D"
    assert str(ReminderKind(Stage.OVERDUE, number=2)) == "overdue:2"
    assert str(ReminderKind(Stage.ESCALATION)) == "escalation"


def test_cap_and_escalation_settings() -> None:
    capped = policy_from_mapping({"reminders": {"overdue_max": 1, "escalate": False}})
    assert schedule(deadline(), capped)[-2:] == [(DUE, "due"), (utc(7, 15, 16), "overdue:1")]
    straight_up = policy_from_mapping({"reminders": {"overdue_max": 0, "before": []}})
    assert schedule(deadline(), straight_up) == [(DUE, "due"), (utc(7, 15, 16), "escalation")]


def test_repeats_in_business_days() -> None:
    policy = policy_from_mapping(
        {"reminders": {"before": [], "overdue_every": "1 business day", "overdue_max": 2}}
    )
    friday = deadline(due=utc(7, 10, 16))
    assert schedule(friday, policy) == [
        (utc(7, 10, 16), "due"),
        (utc(7, 13, 16), "overdue:1"),
        (utc(7, 14, 16), "overdue:2"),
        (utc(7, 15, 16), "escalation"),
    ]


def test_quiet_hours_hold_non_critical_reminders() -> None:
    calendar = new_york(KUBERNETES)
    late_friday = deadline(due=utc(7, 11, 2), critical=False)  # Friday 22:00 EDT
    assert schedule(late_friday, calendar=calendar) == [
        (utc(7, 10, 12), "before:P1D"),  # Thursday 22:00 EDT, held to Friday 08:00
        (utc(7, 13, 12), "due"),  # Monday 08:00 EDT; the 1-hour reminder merged into it
        (utc(7, 14, 12), "overdue:1"),
        (utc(7, 15, 12), "overdue:2"),
        (utc(7, 16, 12), "overdue:3"),
        (utc(7, 17, 12), "escalation"),
    ]
    critical = replace(late_friday, critical=True)
    assert schedule(critical, calendar=calendar)[2] == (utc(7, 11, 2), "due")


def test_after_downtime_one_catch_up_reminder() -> None:
    now = utc(7, 16, 20)  # past the due time, overdue:1 and overdue:2
    assert schedule(deadline(), now=now) == [
        (utc(7, 16, 16), "overdue:2"),  # the latest missed one only, due at once
        (utc(7, 17, 16), "overdue:3"),
        (utc(7, 18, 16), "escalation"),
    ]
    assert schedule(deadline(), now=utc(7, 20)) == [(utc(7, 18, 16), "escalation")]


def test_met_deadlines_have_no_reminders() -> None:
    met = deadline(status=Status.MET_LATE, met_at=utc(7, 15))
    assert schedule(met) == []


def test_no_reminder_before_the_step_opens() -> None:
    just_opened = deadline(opens_at=utc(7, 14, 2))  # 14 hours before the deadline
    assert [key for _, key in schedule(just_opened)][:2] == ["before:PT1H", "due"]


def test_stale_update_nudges_have_no_advance_reminders() -> None:
    stale = deadline(kind=DeadlineKind.STALE_UPDATE)
    assert [key for _, key in schedule(stale)][:2] == ["due", "overdue:1"]


def test_same_offset_spelled_twice_is_one_reminder() -> None:
    policy = policy_from_mapping({"reminders": {"before": ["P1D", "PT24H", "PT0S"]}})
    assert [key for _, key in schedule(deadline(), policy)][:2] == ["before:P1D", "due"]


def test_business_offsets() -> None:
    policy = policy_from_mapping({"reminders": {"before": ["1 business day"]}})
    monday = deadline(due=utc(7, 13, 16))
    assert schedule(monday, policy)[0] == (utc(7, 10, 16), "before:1 business day")


def test_a_demo_policy_in_seconds() -> None:
    policy = policy_from_mapping(
        {
            "deadlines": {"acknowledge": "PT30S"},
            "reminders": {"before": ["PT10S"], "overdue_every": "PT10S", "overdue_max": 2},
            "calendar": {"quiet_hours": False, "quiet_days_off": False},
        }
    )
    reported = datetime(2026, 7, 4, 3, 0, tzinfo=UTC)  # a Saturday night: no quiet hours here
    facts = IncidentFacts(reported_at=reported)
    calendar = BusinessCalendar.for_policy(policy, "America/New_York", "US")
    acknowledge = next(
        d for d in plan_deadlines(facts, policy, calendar) if d.kind is DeadlineKind.ACKNOWLEDGE
    )
    seconds = [
        ((at - reported).total_seconds(), key)
        for at, key in schedule(acknowledge, policy, calendar, now=reported)
    ]
    assert seconds == [
        (20, "before:PT10S"),
        (30, "due"),
        (40, "overdue:1"),
        (50, "overdue:2"),
        (60, "escalation"),
    ]
    assert acknowledge.due_at - reported == timedelta(seconds=30)
