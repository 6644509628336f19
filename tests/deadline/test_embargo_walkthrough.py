"""A whole Kubernetes-preset embargo, re-planned at every step.

The team works in New York on the US holiday calendar. The report arrives on Thursday
2 July 2026 at 15:00 EDT (19:00 UTC), the day before Independence Day (observed, Friday
3 July) and its weekend. Public disclosure is set for Tuesday 21 July at 16:00 UTC.
"""

from dataclasses import replace
from datetime import timedelta

from bot.deadline.facts import IncidentFacts
from bot.deadline.model import Owner, Status
from bot.deadline.planner import plan_deadlines
from bot.deadline.reminders import reminder_times
from bot.policy.presets import preset
from tests.deadline.helpers import by_kind, due_times, new_york, utc

POLICY = preset("kubernetes")
CALENDAR = new_york(POLICY)
REPORTED = utc(7, 2, 19)
PLANNED = utc(7, 21, 16)

TRIAGE = IncidentFacts(reported_at=REPORTED)
FIXING = replace(
    TRIAGE,
    phase="fixing",
    acknowledged_at=utc(7, 2, 20),
    lead_accepted_at=utc(7, 6, 14),
    scored_at=utc(7, 8, 15),
    severity="High",
    last_update_at=utc(7, 8, 15),
)
PLANNED_DATE = replace(FIXING, fix_ready_at=utc(7, 10, 18), disclosure_planned_at=PLANNED)
EMBARGO = replace(
    PLANNED_DATE,
    phase="embargo",
    distributors_notified_at=utc(7, 13, 13),
    last_update_at=utc(7, 13, 13),
    final_notice_at=utc(7, 20, 12),
)
RELEASED = replace(
    EMBARGO, phase="released", released_at=utc(7, 21, 15, 50), last_update_at=utc(7, 21, 15, 50)
)
DISCLOSED = replace(RELEASED, phase="disclosed", disclosed_at=utc(7, 21, 16))
CLOSED = replace(DISCLOSED, phase="closed", retrospective_done_at=utc(7, 23, 18))


def plan(facts: IncidentFacts):
    return plan_deadlines(facts, POLICY, CALENDAR)


def test_triage() -> None:
    deadlines = plan(TRIAGE)
    assert [deadline.kind.value for deadline in deadlines] == [
        "lead_assigned",
        "acknowledge",
        "score_and_plan",
        "fix_released",
    ]
    assert due_times(deadlines) == {
        "lead_assigned": utc(7, 3, 19),  # 24 hours, holiday or not
        "acknowledge": utc(7, 6, 19),  # 1 business day: over the holiday and the weekend
        "score_and_plan": utc(7, 9, 19),  # 7 days
        "fix_released": utc(7, 23, 19),  # 21 days
    }
    plan_by_kind = by_kind(deadlines)
    assert plan_by_kind["acknowledge"].owner is Owner.COMMANDER
    assert plan_by_kind["acknowledge"].label == "Acknowledge the reporter"
    assert plan_by_kind["lead_assigned"].owner is Owner.TEAM
    assert plan_by_kind["score_and_plan"].owner is Owner.FIX_LEAD
    assert all(deadline.status is Status.OPEN for deadline in deadlines)
    assert not any(deadline.critical for deadline in deadlines)
    assert all(deadline.opens_at == REPORTED for deadline in deadlines)


def test_triage_reminders_wait_for_the_working_day() -> None:
    plan_by_kind = by_kind(plan(TRIAGE))
    # Acknowledge: 24 hours before falls on Sunday, held to Monday 08:00 EDT.
    assert [
        (r.at, r.kind.key)
        for r in reminder_times(plan_by_kind["acknowledge"], POLICY, CALENDAR, REPORTED)
    ] == [
        (utc(7, 6, 12), "before:P1D"),
        (utc(7, 6, 18), "before:PT1H"),
        (utc(7, 6, 19), "due"),
        (utc(7, 7, 19), "overdue:1"),
        (utc(7, 8, 19), "overdue:2"),
        (utc(7, 9, 19), "overdue:3"),
        (utc(7, 10, 19), "escalation"),
    ]
    # Lead: due on the holiday. The 24-hour reminder would be the report itself (dropped);
    # the 1-hour one and the deadline itself wait for Monday 08:00 EDT and merge.
    assert [
        (r.at, r.kind.key)
        for r in reminder_times(plan_by_kind["lead_assigned"], POLICY, CALENDAR, REPORTED)
    ] == [
        (utc(7, 6, 12), "due"),
        (utc(7, 7, 12), "overdue:1"),
        (utc(7, 8, 12), "overdue:2"),
        (utc(7, 9, 12), "overdue:3"),
        (utc(7, 10, 12), "escalation"),
    ]


def test_fixing() -> None:
    plan_by_kind = by_kind(plan(FIXING))
    assert plan_by_kind["acknowledge"].status is Status.MET_ON_TIME
    assert plan_by_kind["acknowledge"].met_at == utc(7, 2, 20)
    lead = plan_by_kind["lead_assigned"]
    assert lead.status is Status.MET_LATE
    assert lead.lateness == timedelta(days=2, hours=19)
    assert plan_by_kind["score_and_plan"].status is Status.MET_ON_TIME
    assert plan_by_kind["score_and_plan"].lateness is None
    assert plan_by_kind["fix_released"].due_at == utc(7, 23, 19)  # High: out-of-band, 21 days
    stale = plan_by_kind["stale_update"]
    assert (stale.due_at, stale.owner, stale.status) == (
        utc(7, 15, 15),
        Owner.COMMANDER,
        Status.OPEN,
    )
    assert reminder_times(stale, POLICY, CALENDAR, utc(7, 8, 15))[0].kind.key == "due"


def test_disclosure_date_set() -> None:
    plan_by_kind = by_kind(plan(PLANNED_DATE))
    notice = plan_by_kind["distributor_notice"]
    assert notice.due_at == utc(7, 14, 16)  # at least 7 days before
    assert notice.opens_at == utc(6, 23, 16)  # no earlier than 4 weeks before
    assert not notice.critical
    final = plan_by_kind["final_notice"]
    assert (final.due_at, final.critical) == (utc(7, 20, 16), True)  # 24 hours before
    fix = plan_by_kind["fix_released"]
    assert (fix.due_at, fix.critical) == (PLANNED, True)  # released on disclosure day
    public = plan_by_kind["public_disclosure"]
    assert (public.due_at, public.critical, public.owner) == (PLANNED, True, Owner.FIX_LEAD)
    # Final notice reminders ignore quiet hours: Sunday and Monday, UTC times as planned.
    assert [(r.at, r.kind.key) for r in reminder_times(final, POLICY, CALENDAR, utc(7, 14))] == [
        (utc(7, 19, 16), "before:P1D"),
        (utc(7, 20, 15), "before:PT1H"),
        (utc(7, 20, 16), "due"),
        (utc(7, 21, 16), "overdue:1"),
        (utc(7, 22, 16), "overdue:2"),
        (utc(7, 23, 16), "overdue:3"),
        (utc(7, 24, 16), "escalation"),
    ]


def test_embargo() -> None:
    plan_by_kind = by_kind(plan(EMBARGO))
    assert plan_by_kind["distributor_notice"].status is Status.MET_ON_TIME
    assert plan_by_kind["final_notice"].status is Status.MET_ON_TIME
    assert plan_by_kind["stale_update"].due_at == utc(7, 20, 13)
    assert plan_by_kind["fix_released"].is_open
    assert reminder_times(plan_by_kind["distributor_notice"], POLICY, CALENDAR, utc(7, 13)) == []


def test_released() -> None:
    plan_by_kind = by_kind(plan(RELEASED))
    assert plan_by_kind["fix_released"].status is Status.MET_ON_TIME
    retrospective = plan_by_kind["retrospective"]
    assert retrospective.due_at == utc(7, 24, 15, 50)  # 3 days after the release
    assert retrospective.opens_at == utc(7, 22, 15, 50)  # window opens 1 day after
    assert plan_by_kind["public_disclosure"].is_open
    assert plan_by_kind["stale_update"].due_at == utc(7, 28, 15, 50)


def test_disclosed() -> None:
    plan_by_kind = by_kind(plan(DISCLOSED))
    assert plan_by_kind["public_disclosure"].status is Status.MET_ON_TIME
    assert "stale_update" not in plan_by_kind  # only the retrospective is left
    assert [d.kind.value for d in plan(DISCLOSED) if d.is_open] == ["retrospective"]


def test_closed_keeps_the_record() -> None:
    deadlines = plan(CLOSED)
    assert {d.kind.value: d.status.value for d in deadlines} == {
        "acknowledge": "met_on_time",
        "lead_assigned": "met_late",
        "score_and_plan": "met_on_time",
        "distributor_notice": "met_on_time",
        "final_notice": "met_on_time",
        "fix_released": "met_on_time",
        "public_disclosure": "met_on_time",
        "retrospective": "met_on_time",
    }
    assert all(reminder_times(d, POLICY, CALENDAR, utc(7, 23, 18)) == [] for d in deadlines)
