from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.deadline.facts import IncidentFacts
from bot.deadline.model import Status
from bot.deadline.planner import plan_deadlines
from bot.policy.calendar import BusinessCalendar
from bot.policy.loader import policy_from_mapping
from bot.policy.presets import preset
from tests.deadline.helpers import NY, by_kind, due_times, new_york, utc

KUBERNETES = preset("kubernetes")
UTC_CALENDAR = BusinessCalendar()
MONDAY = utc(7, 6, 14)


def plan(facts: IncidentFacts, policy=KUBERNETES, calendar=UTC_CALENDAR):
    return plan_deadlines(facts, policy, calendar)


# Severity tracks


@pytest.mark.parametrize(
    ("severity", "fix_days", "stale_days", "critical"),
    [
        (None, 21, None, False),  # unscored: the fast track until a score says otherwise
        ("Critical", 21, 2, True),  # out-of-band release; nudges ignore quiet hours
        ("High", 21, 7, False),
        ("Medium", 28, 30, False),  # the next patch release
        ("Low", 56, None, False),  # slow track, no stale nudges
        ("None", 56, None, False),  # a 0.0 score rides the low track
    ],
)
def test_severity_tracks(
    severity: str | None, fix_days: int, stale_days: int | None, critical: bool
) -> None:
    plan_by_kind = by_kind(plan(IncidentFacts(reported_at=MONDAY, severity=severity)))
    assert plan_by_kind["fix_released"].due_at == MONDAY + timedelta(days=fix_days)
    stale = plan_by_kind.get("stale_update")
    assert (stale and stale.due_at) == (stale_days and MONDAY + timedelta(days=stale_days))
    assert all(deadline.critical is critical for deadline in plan_by_kind.values())


def test_a_score_change_replans() -> None:
    facts = IncidentFacts(reported_at=MONDAY, severity="Medium", last_update_at=utc(7, 8))
    before = due_times(plan(facts))
    after = due_times(plan(replace(facts, severity="Critical")))
    assert before["fix_released"] - after["fix_released"] == timedelta(days=7)
    assert (before["stale_update"], after["stale_update"]) == (utc(8, 7), utc(7, 10))


def test_tracks_from_a_policy_file() -> None:
    policy = policy_from_mapping({"tracks": {"critical": {"fix_released": "P7D"}}})
    facts = IncidentFacts(reported_at=MONDAY, severity="Critical")
    assert by_kind(plan(facts, policy))["fix_released"].due_at == utc(7, 13, 14)


# The public flag: every deadline as soon as possible.


def test_public_collapses_the_timeline() -> None:
    reported = utc(7, 2, 19)  # Thursday before the holiday
    facts = IncidentFacts(reported_at=reported, is_public=True)
    deadlines = plan(facts, calendar=new_york(KUBERNETES))
    assert due_times(deadlines) == {
        "acknowledge": utc(7, 2, 20),  # 1 hour, not 1 business day
        "lead_assigned": utc(7, 2, 20),
        "score_and_plan": utc(7, 2, 23),  # 4 hours
        "fix_released": utc(7, 3, 19),  # 1 day, holiday or not
        "public_disclosure": utc(7, 3, 20),  # 1 hour after the fix is due
    }
    assert all(deadline.critical for deadline in deadlines)


def test_public_after_release_and_with_a_date() -> None:
    facts = IncidentFacts(
        reported_at=MONDAY, is_public=True, severity="High", released_at=utc(7, 7, 10)
    )
    plan_by_kind = by_kind(plan(facts))
    assert plan_by_kind["public_disclosure"].due_at == utc(7, 7, 11)  # release + 1 hour
    assert plan_by_kind["stale_update"].due_at == utc(7, 7, 14)  # 1 day instead of 7
    assert plan_by_kind["fix_released"].status is Status.MET_ON_TIME
    dated = by_kind(plan(replace(facts, released_at=None, disclosure_planned_at=utc(7, 8, 16))))
    assert dated["public_disclosure"].due_at == utc(7, 8, 16)
    assert "distributor_notice" not in dated  # nothing left to embargo
    assert "final_notice" not in dated


def test_public_never_turns_on_a_step_the_policy_left_off() -> None:
    policy = policy_from_mapping({"deadlines": {"score_and_plan": False}})
    facts = IncidentFacts(reported_at=MONDAY, is_public=True)
    assert "score_and_plan" not in by_kind(plan(facts, policy))


# Other presets


def test_openssf_notice_in_working_days() -> None:
    policy = preset("openssf")
    facts = IncidentFacts(reported_at=utc(6, 1, 14), disclosure_planned_at=utc(7, 21, 16))
    plan_by_kind = by_kind(plan(facts, policy, new_york(policy)))
    notice = plan_by_kind["distributor_notice"]
    assert notice.due_at == utc(7, 20, 16)  # 1 working day before
    # 30 working days before, skipping Independence Day (observed) and Juneteenth.
    assert notice.opens_at == utc(6, 5, 16)
    assert plan_by_kind["acknowledge"].due_at == utc(6, 3, 14)  # 2 days
    assert plan_by_kind["public_disclosure"].due_at == utc(7, 21, 16)


def test_openssf_embargo_limit_without_a_date() -> None:
    facts = IncidentFacts(reported_at=utc(1, 5, 10))
    public = by_kind(plan(facts, preset("openssf")))["public_disclosure"]
    assert (public.due_at, public.critical) == (utc(4, 5, 10), False)  # 90 days


@pytest.mark.parametrize(
    ("changes", "fix_due", "public_due"),
    [
        ({}, utc(4, 5, 10), utc(4, 5, 10)),  # no patch: public at day 90
        ({"released_at": utc(2, 21, 10)}, utc(4, 5, 10), utc(3, 23, 10)),  # day 47 -> day 77
        ({"released_at": utc(3, 29, 10)}, utc(4, 5, 10), utc(4, 28, 10)),  # day 83 -> day 113
        ({"exploited": True}, utc(1, 12, 10), utc(1, 12, 10)),  # in the wild: 7 days
        ({"exploited": True, "released_at": utc(1, 10, 10)}, utc(1, 12, 10), utc(2, 9, 10)),
    ],
)
def test_project_zero(changes: dict, fix_due: datetime, public_due: datetime) -> None:
    facts = IncidentFacts(reported_at=utc(1, 5, 10), **changes)
    deadlines = by_kind(plan(facts, preset("project-zero")))
    assert deadlines["fix_released"].due_at == fix_due
    assert deadlines["public_disclosure"].due_at == public_due


def test_cert_cc_publishes_at_45_days_whatever_the_release() -> None:
    facts = IncidentFacts(reported_at=utc(1, 5, 10), disclosure_planned_at=utc(2, 19, 16))
    deadlines = by_kind(plan(facts, preset("cert-cc")))
    assert deadlines["fix_released"].due_at == utc(1, 26, 10)  # not tied to the date
    assert deadlines["public_disclosure"].due_at == utc(2, 19, 16)
    undated = by_kind(plan(replace(facts, disclosure_planned_at=None), preset("cert-cc")))
    assert undated["public_disclosure"].due_at == utc(2, 19, 10)


def test_go_pre_announcement() -> None:
    facts = IncidentFacts(reported_at=utc(7, 1, 10), disclosure_planned_at=utc(7, 21, 16))
    deadlines = by_kind(plan(facts, preset("go")))
    notice = deadlines["distributor_notice"]
    assert (notice.due_at, notice.opens_at) == (utc(7, 18, 16), utc(7, 14, 16))
    assert deadlines["acknowledge"].due_at == utc(7, 8, 10)


# Met, skipped and closed


def test_met_exactly_at_the_deadline_is_on_time() -> None:
    facts = IncidentFacts(reported_at=MONDAY, lead_accepted_at=MONDAY + timedelta(hours=24))
    lead = by_kind(plan(facts))["lead_assigned"]
    assert (lead.status, lead.lateness) == (Status.MET_ON_TIME, None)
    late = by_kind(plan(replace(facts, lead_accepted_at=utc(7, 7, 14, 0) + timedelta(seconds=1))))
    assert late["lead_assigned"].lateness == timedelta(seconds=1)


def test_a_phase_passed_without_a_time_drops_its_steps() -> None:
    facts = IncidentFacts(reported_at=MONDAY, phase="released", disclosure_planned_at=utc(8, 4, 16))
    kinds = set(by_kind(plan(facts)))
    assert {"acknowledge", "lead_assigned", "distributor_notice", "final_notice"}.isdisjoint(kinds)
    assert "fix_released" not in kinds
    assert {"score_and_plan", "public_disclosure"} <= kinds


@pytest.mark.parametrize("closing", [{"phase": "closed"}, {"closed": True}])
def test_a_closed_incident_keeps_only_met_deadlines(closing: dict) -> None:
    facts = IncidentFacts(
        reported_at=MONDAY, severity="Critical", acknowledged_at=utc(7, 6, 15), **closing
    )
    assert [(d.kind.value, d.status.value) for d in plan(facts)] == [("acknowledge", "met_on_time")]


def test_times_come_out_in_utc() -> None:
    reported = datetime(2026, 7, 6, 10, tzinfo=NY)
    facts = IncidentFacts(
        reported_at=reported, disclosure_planned_at=datetime(2026, 8, 4, 12, tzinfo=NY)
    )
    for deadline in plan(facts):
        assert deadline.due_at.utcoffset() == timedelta(0)
        assert deadline.due_at.tzname() == "UTC"


def test_facts_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown phase 'done'; allowed: triage, fixing"):
        IncidentFacts(reported_at=MONDAY, phase="done")
    with pytest.raises(ValueError, match="reported_at must be an aware datetime"):
        IncidentFacts(reported_at=datetime(2026, 7, 6))


def test_a_deadline_rescheduled_by_hand() -> None:
    facts = IncidentFacts(reported_at=MONDAY, rescheduled={"score_and_plan": utc(7, 20, 9)})
    plan_by_kind = by_kind(plan(facts))
    assert plan_by_kind["score_and_plan"].due_at == utc(7, 20, 9)
    assert plan_by_kind["fix_released"].due_at == utc(7, 27, 14)  # the others stay
    met = by_kind(plan(replace(facts, scored_at=utc(7, 16))))["score_and_plan"]
    assert met.status is Status.MET_ON_TIME  # late by the policy, on time as rescheduled
