"""The lead offer window comes from the policy and counts the team's business time."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.lead.window import offer_expiry
from bot.policy.calendar import BusinessCalendar
from bot.policy.loader import policy_from_mapping
from bot.policy.presets import preset

FRIDAY_4PM = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)


def test_an_offer_made_late_on_friday_stays_open_over_the_weekend() -> None:
    expiry = offer_expiry(preset("kubernetes"), BusinessCalendar(), FRIDAY_4PM)
    # One working hour on Friday, three more from Monday's opening.
    assert expiry == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


def test_the_team_time_zone_decides_what_working_hours_are() -> None:
    berlin = BusinessCalendar(timezone="Europe/Berlin")
    # 16:00 UTC is 17:00 in Berlin in March: closing time, so the window starts Monday.
    expiry = offer_expiry(preset("kubernetes"), berlin, FRIDAY_4PM)
    assert expiry == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)  # 13:00 Berlin


def test_a_policy_file_can_set_a_calendar_window() -> None:
    policy = policy_from_mapping({"lead": {"offer_window": "PT1H"}})
    assert offer_expiry(policy, BusinessCalendar(), FRIDAY_4PM) == datetime(
        2026, 3, 6, 17, 0, tzinfo=UTC
    )
