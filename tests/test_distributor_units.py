"""Distributor rules without the bot: the disclosure time across both changes of the clocks
in a year, acknowledgement tokens, and the settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.distributor.models import NoticeKind
from bot.distributor.notice import NoticeOptions, notice_header
from bot.distributor.times import disclosure_time_text
from bot.distributor.tokens import make_token, read_token

PACIFIC = "America/Los_Angeles"
BERLIN = "Europe/Berlin"


def nine_am(day: datetime, zone: str) -> datetime:
    """9:00 on the zone's wall clock that day, as a UTC instant."""
    return day.replace(hour=9, tzinfo=ZoneInfo(zone)).astimezone(UTC)


@pytest.mark.parametrize(
    ("day", "utc_hour", "abbreviation"),
    [
        # 2026: US daylight time from Sunday 8 March to Sunday 1 November.
        (datetime(2026, 3, 6), 17, "PST"),  # the Friday before the spring change
        (datetime(2026, 3, 9), 16, "PDT"),  # the Monday after it
        (datetime(2026, 10, 30), 16, "PDT"),  # the Friday before the autumn change
        (datetime(2026, 11, 2), 17, "PST"),  # the Monday after it
        (datetime(2026, 7, 14), 16, "PDT"),  # summer
        (datetime(2026, 1, 13), 17, "PST"),  # winter
    ],
)
def test_nine_pacific_is_16_utc_in_summer_and_17_utc_in_winter(
    day: datetime, utc_hour: int, abbreviation: str
) -> None:
    moment = nine_am(day, PACIFIC)
    assert moment.hour == utc_hour
    text = disclosure_time_text(moment, PACIFIC)
    assert f"{moment:%Y-%m-%d} {utc_hour}:00 UTC (09:00 {abbreviation}, {PACIFIC})" in text


@pytest.mark.parametrize(
    ("moment", "local"),
    [
        # Europe changes on the last Sundays of March and October (29 March, 25 October
        # 2026), weeks apart from the US: the same 16:00 UTC reads differently in between.
        (datetime(2026, 3, 27, 16, tzinfo=UTC), "17:00 CET"),
        (datetime(2026, 3, 30, 16, tzinfo=UTC), "18:00 CEST"),
        (datetime(2026, 10, 23, 16, tzinfo=UTC), "18:00 CEST"),
        (datetime(2026, 10, 26, 16, tzinfo=UTC), "17:00 CET"),
    ],
)
def test_berlin_across_both_changes(moment: datetime, local: str) -> None:
    assert disclosure_time_text(moment, BERLIN).endswith(f"({local}, {BERLIN})")


def test_the_hour_that_does_not_exist_and_the_hour_that_happens_twice() -> None:
    # 2026-03-08 10:00 UTC is 03:00 PDT: 02:00-03:00 Pacific never happened that night.
    spring = datetime(2026, 3, 8, 10, tzinfo=UTC)
    assert "(03:00 PDT" in disclosure_time_text(spring, PACIFIC)
    assert "(01:00 PST" in disclosure_time_text(spring - timedelta(hours=1), PACIFIC)
    # 2026-11-01 01:30 happens twice in Pacific time; each instant keeps its own offset.
    first = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    assert "(01:30 PDT" in disclosure_time_text(first, PACIFIC)
    assert "(01:30 PST" in disclosure_time_text(first + timedelta(hours=1), PACIFIC)


def test_a_local_day_other_than_the_utc_day_is_named() -> None:
    late = datetime(2026, 7, 15, 2, tzinfo=UTC)  # 19:00 the evening before in California
    assert disclosure_time_text(late, PACIFIC) == (
        f"Wednesday 2026-07-15 02:00 UTC (Tuesday 2026-07-14 19:00 PDT, {PACIFIC})"
    )
    assert disclosure_time_text(late, "UTC") == "Wednesday 2026-07-15 02:00 UTC"


def test_the_notice_header_carries_both_times_and_the_conditions() -> None:
    options = NoticeOptions(planned_at=nine_am(datetime(2026, 11, 2), PACIFIC), zone=PACIFIC)
    header = notice_header(NoticeKind.NOTICE, options)
    assert header.startswith("EMBARGOED until Monday 2026-11-02 17:00 UTC (09:00 PST")
    assert "Do not deploy the patch before the disclosure time." in header
    assert "The patch itself is under embargo" in header


def test_tokens_name_one_notice_and_cannot_be_altered() -> None:
    token = make_token("secret-a", 42)
    assert read_token("secret-a", token) == 42
    assert read_token("secret-b", token) is None  # another bot's secret
    prefix, number, mac = token.split(".")
    assert read_token("secret-a", f"{prefix}.43.{mac}") is None  # another notice
    altered = mac[:-1] + ("B" if mac.endswith("A") else "A")
    assert read_token("secret-a", f"{prefix}.{number}.{altered}") is None
    assert read_token("secret-a", f"{prefix}.{number}.{'A' * len(mac)}") is None
    for junk in ("", "ack1", "ack1.x.y", "ack2.42." + mac, "ack1.1234567890123." + mac):
        assert read_token("secret-a", junk) is None
    assert make_token("secret-a", 42) == token  # stable: a resent link still works


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("public_url", "bot.example.org", "PUBLIC_URL: expected the bot's public base URL"),
        (
            "announce_to",
            "announce@example.org, not an address",
            "ANNOUNCE_TO: expected comma-separated addresses",
        ),
        ("announce_channel", "#announce", "ANNOUNCE_CHANNEL: expected a channel ID"),
        ("announce_timezone", "Pacific", "ANNOUNCE_TIMEZONE: expected an IANA time zone"),
        ("distributor_ack_window", "two days", "DISTRIBUTOR_ACK_WINDOW:"),
    ],
)
def test_bad_distributor_settings_say_what_is_wrong(setting: str, value: str, message: str) -> None:
    from bot.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match=message):
        load_settings(_env_file=None, **{setting: value})


def test_distributor_settings_are_read() -> None:
    from bot.config import load_settings

    settings = load_settings(
        _env_file=None,
        public_url="https://bot.example.org/",
        announce_to="announce@example.org, oss-security@lists.openwall.com",
        announce_channel="C0ANNOUNCE",
    )
    assert settings.public_url == "https://bot.example.org"
    assert settings.announce_to == ["announce@example.org", "oss-security@lists.openwall.com"]
