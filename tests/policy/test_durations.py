from datetime import timedelta

import pytest

from bot.policy.durations import EXAMPLES, Duration, DurationError, parse_duration


@pytest.mark.parametrize(
    ("text", "expected", "canonical", "words"),
    [
        ("P1D", Duration.calendar(days=1), "P1D", "1 day"),
        ("PT4H", Duration.calendar(hours=4), "PT4H", "4 hours"),
        ("PT30S", Duration.calendar(seconds=30), "PT30S", "30 seconds"),
        ("P1DT12H", Duration.calendar(days=1, hours=12), "P1DT12H", "1 day 12 hours"),
        ("P2W", Duration.calendar(days=14), "P14D", "14 days"),
        ("PT24H", Duration.calendar(days=1), "P1D", "1 day"),
        ("PT1H30M", Duration.calendar(minutes=90), "PT1H30M", "1 hour 30 minutes"),
        ("PT0.5S", Duration.calendar(seconds=0.5), "PT0.5S", "0.5 seconds"),
        ("P1,5D", Duration.calendar(hours=36), "P1DT12H", "1 day 12 hours"),
        ("P0D", Duration.calendar(), "PT0S", "0 seconds"),
        (" p7d ", Duration.calendar(days=7), "P7D", "7 days"),
        ("1 business day", Duration.days_of_business(1), "1 business day", "1 business day"),
        ("10 working days", Duration.days_of_business(10), "10 business days", "10 business days"),
        ("4 business hours", Duration.hours_of_business(4), "4 business hours", "4 business hours"),
        ("1 Working Hour", Duration.hours_of_business(1), "1 business hour", "1 business hour"),
        (
            "1.5 business hours",
            Duration.hours_of_business(1.5),
            "1.5 business hours",
            "1.5 business hours",
        ),
    ],
)
def test_valid_durations(text: str, expected: Duration, canonical: str, words: str) -> None:
    duration = parse_duration(text)
    assert duration == expected
    assert duration.iso() == canonical
    assert duration.describe() == words
    assert str(duration) == " ".join(text.split())


def test_kinds() -> None:
    assert parse_duration("P1D").kind == "calendar"
    assert parse_duration("P1D").exact == timedelta(days=1)
    business = parse_duration("2 business days")
    assert (business.kind, business.business_days, business.exact) == ("business", 2, timedelta())
    hours = parse_duration("4 business hours")
    assert hours.business_time == timedelta(hours=4)
    assert not hours.is_zero
    assert parse_duration("PT0S").is_zero


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", f"empty duration: expected {EXAMPLES}"),
        ("   ", f"empty duration: expected {EXAMPLES}"),
        ("-P1D", "'-P1D': durations cannot be negative"),
        ("-1 business day", "'-1 business day': durations cannot be negative"),
        ("P1Y", "'P1Y': years and months have no fixed length; use days or weeks (P365D, P4W)"),
        ("P2M", "'P2M': years and months have no fixed length; use days or weeks (P365D, P4W)"),
        ("P", "'P': no amount; write at least one number and unit, such as P1D or PT30S"),
        ("PT", "'PT': no amount after T; write hours, minutes or seconds, such as PT4H"),
        ("P1DT", "'P1DT': T must be followed by hours, minutes or seconds"),
        ("P1H", "'P1H': hours, minutes and seconds go after T, as in PT1H"),
        ("P1D4H", "'P1D4H': hours, minutes and seconds go after T, as in PT1H"),
        ("P1.5DT2H", "'P1.5DT2H': only the last component may have a fraction"),
        ("P1X", f"'P1X' is not a duration: expected {EXAMPLES}"),
        ("1 day", f"'1 day' is not a duration: expected {EXAMPLES}"),
        ("soon", f"'soon' is not a duration: expected {EXAMPLES}"),
        (
            "3 business weeks",
            "'3 business weeks': unknown unit 'weeks'; allowed: business days, business hours "
            "(or working days, working hours)",
        ),
        (
            "1.5 business days",
            "'1.5 business days': business days must be a whole number; use business hours "
            "for parts",
        ),
        ("two business days", "'two business days': 'two' is not a number"),
        ("P9999999999D", "'P9999999999D': too long; the longest is 999999999 days"),
    ],
)
def test_invalid_durations(text: str, message: str) -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration(text)
    assert str(caught.value) == message


def test_non_text_is_refused() -> None:
    with pytest.raises(DurationError, match="expected text with a duration"):
        parse_duration(5)  # type: ignore[arg-type]


def test_equal_lengths_compare_equal_whatever_the_spelling() -> None:
    assert parse_duration("P1D") == parse_duration("PT24H")
    assert parse_duration("P1D") != parse_duration("1 business day")
