from bot.deadline.disclosure_date import review_disclosure_date
from bot.policy.presets import preset
from tests.deadline.helpers import new_york, utc

KUBERNETES = preset("kubernetes")
NOW = utc(6, 29, 12)  # a Monday


def review(planned, policy=KUBERNETES, now=NOW, **kwargs):
    return review_disclosure_date(
        planned,
        reported_at=utc(6, 25, 12),
        now=now,
        policy=policy,
        calendar=new_york(policy),
        **kwargs,
    )


def test_a_good_date() -> None:
    result = review(utc(7, 14, 16))
    assert result.ok
    assert (result.warnings, result.suggestion) == ((), None)


def test_friday_is_warned_and_monday_offered() -> None:
    result = review(utc(7, 10, 16))
    assert result.warnings == (
        "falls on a Friday; the kubernetes policy prefers Monday, Tuesday, Wednesday, Thursday",
    )
    assert result.suggestion == utc(7, 13, 16)


def test_holiday_and_time_of_day() -> None:
    result = review(utc(9, 7, 13))  # Labor Day, 13:00 UTC
    assert result.warnings == (
        "falls on a holiday (Labor Day)",
        "is at 13:00 UTC; the kubernetes policy prefers 16:00 UTC",
    )
    assert result.suggestion == utc(9, 8, 16)


def test_too_soon_for_the_distributors() -> None:
    result = review(utc(7, 2, 16))  # Thursday, 16:00 UTC, but only 3 days away
    assert result.warnings == (
        "leaves distributors less than 7 days of notice (notice was due 2026-06-25 16:00 UTC)",
    )
    assert result.suggestion == utc(7, 6, 16)  # first preferred time 7 days from now
    assert review(utc(7, 2, 16), is_public=True).ok  # no embargo, no notice


def test_past_dates_and_embargo_limits() -> None:
    past = review(utc(6, 22, 16))
    assert past.warnings[0] == "is in the past"
    openssf = review(utc(10, 5, 16), policy=preset("openssf"))  # a Monday, 102 days in
    assert openssf.warnings == ("is more than 90 days after the report (the embargo limit)",)
