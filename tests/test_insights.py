"""Insights over a seeded year (tests/insights_history.py), on both databases.

Every expected figure is worked out by hand below from the history's table, with the
arithmetic written out; none comes from the code under test. The calendar is the
default one: Monday to Friday, 09:00-17:00 UTC, no holidays, so a business day is 8
working hours. The period is 2025: since 2025-01-01 00:00, until 2026-01-01 00:00.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from bot.database import Database
from bot.insights import charts, table
from bot.insights.business_time import working_time_between
from bot.insights.period import PeriodError, between, parse_period
from bot.insights.report import Insights, compute
from bot.policy import BusinessCalendar, Duration
from tests.insights_history import seed_history

h = timedelta(hours=1)
d = timedelta(days=1)
PEOPLE = {"alice": "UALICE01", "bob": "UBOB0002", "carol": "UCAROL03"}
MEMBERS = ["UALICE01", "UBOB0002", "UCAROL03", "UDAN0004"]  # Dan never led
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
UNTIL = datetime(2026, 1, 1, tzinfo=UTC)
BERLIN_WITH_HOLIDAYS = BusinessCalendar("Europe/Berlin", holidays_country="DE")


@pytest.fixture
def year(db: Database) -> Insights:
    seed_history(db, PEOPLE)
    period = between(date(2025, 1, 1), date(2025, 12, 31), NOW)
    with db.transaction() as session:
        return compute(session, period, BusinessCalendar(), MEMBERS)


def test_the_period_is_the_year(year: Insights) -> None:
    assert year.period.since == datetime(2025, 1, 1, tzinfo=UTC)
    assert year.period.until == UNTIL


def test_opened_and_closed_by_severity_and_source(year: Insights) -> None:
    # Reported in 2025: A-L. Critical A B J, High C D I, Medium E F L, Low G K, no score H.
    assert year.opened_by_severity == {
        "Critical": 3, "High": 3, "Medium": 3, "Low": 2, "Unscored": 1
    }  # fmt: skip
    # Sources: email C E H K, HackerOne A D J, GitHub B I L, internal F, other G.
    assert year.opened_by_source == {
        "email": 4, "hackerone": 3, "github": 3, "internal": 1, "other": 1
    }  # fmt: skip
    assert year.opened == 12
    # Closed in 2025: A B C D E F G H J and Z0 (reported in 2024, closed 3 February).
    # I, K and L are open; Z1 is not of the year.
    assert year.closed_by_severity == {
        "Critical": 3, "High": 3, "Medium": 2, "Low": 1, "Unscored": 1
    }  # fmt: skip
    assert year.closed_by_source == {
        "email": 4, "hackerone": 3, "github": 1, "internal": 1, "other": 1
    }  # fmt: skip
    assert year.closed == 10


def test_time_to_acknowledge(year: Insights) -> None:
    spread = year.measures["acknowledge"]
    # After 2 h: A C E G H J L (7); after a day: B D I (24 h, 8 working hours: Monday
    # 10-17 and Tuesday 9-10); F after 3 days (72 h; 7 + 8 + 8 + 1 = 24 working hours).
    assert sorted(spread.calendar) == [2 * h] * 7 + [24 * h] * 3 + [72 * h]
    assert sorted(spread.business) == [2 * h] * 7 + [8 * h] * 3 + [24 * h]
    # n = 11: the median is the 6th value, the 90th percentile the ceil(9.9) = 10th.
    assert spread.median == 2 * h
    assert spread.p90 == 24 * h
    assert spread.business_median == 2 * h
    assert spread.business_p90 == 8 * h
    # K, reported 3 Nov 10:00, is still waiting: 27 days to 30 Nov, 31 more to 31 Dec,
    # then 14 h to midnight = 58 d 14 h.
    assert spread.pending == 1
    assert spread.longest_pending == 58 * d + 14 * h


def test_time_to_a_fix_lead(year: Insights) -> None:
    spread = year.measures["lead"]
    # A 1, B 2, C 3, D 5 (Carol volunteered), E 1, F 2, G 4, I 2, J 1, L 2 hours; H closed
    # as a duplicate with no lead (left out); K still waiting. All inside working hours.
    hours = [1, 2, 3, 5, 1, 2, 4, 2, 1, 2]
    assert sorted(spread.calendar) == sorted(n * h for n in hours)
    assert spread.business == spread.calendar
    # Sorted 1 1 1 2 2 2 2 3 4 5: median (2 + 2) / 2, 90th percentile the 9th value.
    assert spread.median == 2 * h
    assert spread.p90 == 4 * h
    assert (spread.pending, spread.longest_pending) == (1, 58 * d + 14 * h)


def test_time_to_a_fix(year: Insights) -> None:
    spread = year.measures["fix"]
    # A 4 d, B 7 d, C 14 d, D 21 d (released without a ready mark), F 7 d, G 28 d,
    # I 7 d, J 4 d; E and H closed without a fix; K waits, and L's fix came in 2026.
    assert sorted(spread.calendar) == [96 * h, 96 * h, 168 * h, 168 * h, 168 * h,
                                       336 * h, 504 * h, 672 * h]  # fmt: skip
    # Monday 10:00 to Friday 10:00: 7 + 8 + 8 + 8 + 1 = 32 working hours; a week is 40.
    assert sorted(spread.business) == [32 * h, 32 * h, 40 * h, 40 * h, 40 * h,
                                       80 * h, 120 * h, 160 * h]  # fmt: skip
    # n = 8: median (4th + 5th) / 2 = (168 + 168) / 2; 90th: ceil(7.2) = 8th.
    assert (spread.median, spread.p90) == (168 * h, 672 * h)
    assert (spread.business_median, spread.business_p90) == (40 * h, 160 * h)
    # K waits 58 d 14 h, L (1 Dec 10:00) 30 d 14 h.
    assert (spread.pending, spread.longest_pending) == (2, 58 * d + 14 * h)


def test_time_in_embargo(year: Insights) -> None:
    spread = year.measures["embargo"]
    # A: notified 13 Jan, disclosed 20 Jan = 168 h (one working week, 40 h).
    # C: notified 17 Mar, marked public 19 Mar (before its disclosure on 24 Mar) = 48 h,
    #    working: Monday 7 + Tuesday 8 + Wednesday 1 = 16 h.
    # J: notified Friday 10 Oct 10:00, disclosed Monday 13 Oct 10:00 = 72 h, working 7 + 1.
    assert sorted(spread.calendar) == [48 * h, 72 * h, 168 * h]
    assert sorted(spread.business) == [8 * h, 16 * h, 40 * h]
    assert (spread.median, spread.p90) == (72 * h, 168 * h)
    assert (spread.business_median, spread.business_p90) == (16 * h, 40 * h)
    # I, notified 8 Sep 10:00, is still embargoed: 22 d to 30 Sep, +31 +30 +31 to
    # 31 Dec 10:00 = 114 d, then 14 h.
    assert (spread.pending, spread.longest_pending) == (1, 114 * d + 14 * h)


def test_time_to_disclosure(year: Insights) -> None:
    spread = year.measures["disclosure"]
    # A 14 d, B 9 d, C 21 d, D 28 d, J 7 d; E F G H closed undisclosed; I K L wait.
    assert sorted(spread.calendar) == [168 * h, 216 * h, 336 * h, 504 * h, 672 * h]
    # B: Monday 3 Feb 10:00 to Wednesday 12 Feb 10:00 = 7 + 4 * 8 + 2 * 8 + 1 = 56 h.
    assert sorted(spread.business) == [40 * h, 56 * h, 80 * h, 120 * h, 160 * h]
    # n = 5: median the 3rd, 90th percentile the ceil(4.5) = 5th.
    assert (spread.median, spread.p90) == (336 * h, 672 * h)
    # I (1 Sep 10:00) waits longest: 29 d to 30 Sep, +31 +30 +31 = 121 d, then 14 h.
    assert (spread.pending, spread.longest_pending) == (3, 121 * d + 14 * h)


def test_time_to_a_fix_by_severity(year: Insights) -> None:
    by = year.fix_by_severity
    assert list(by) == ["Critical", "High", "Medium", "Low", "Unscored"]
    # Critical A 96, J 96, B 168: median 96, 90th the 3rd (ceil 2.7) = 168.
    assert (by["Critical"].median, by["Critical"].p90) == (96 * h, 168 * h)
    assert (by["Critical"].business_median, by["Critical"].business_p90) == (32 * h, 40 * h)
    # High I 168, C 336, D 504 (Z0 was reported in 2024).
    assert (by["High"].median, by["High"].p90) == (168 * h * 2, 504 * h)
    # Medium: F 7 days; E closed without a fix; L waits.
    assert (by["Medium"].calendar, by["Medium"].pending) == ((168 * h,), 1)
    # Low: G 28 days; K waits.
    assert (by["Low"].calendar, by["Low"].pending) == ((672 * h,), 1)
    # Unscored: H, a duplicate, has no fix and waits for none.
    assert (by["Unscored"].count, by["Unscored"].pending) == (0, 0)


def test_deadline_hit_rates(year: Insights) -> None:
    rates = {rate.kind: rate for rate in year.deadlines}
    assert list(rates) == ["acknowledge", "lead_assigned", "fix_ready", "public_disclosure"]
    ack = rates["acknowledge"]
    # Due one day after each 2025 report (12). Met at or before: A C E G H J L (2 h) and
    # B D I exactly at the due time = 10. F 48 h late (due Tue 3 Jun, met Thu 5 Jun).
    # K never: missed, due 4 Nov 10:00, open at the end: 26 + 31 days, 14 h = 57 d 14 h.
    # (Z0's was due in 2024, Z1's in 2026.)
    assert (ack.on_time, ack.late, ack.missed) == (10, 1, 1)
    assert ack.lateness == (48 * h, 57 * d + 14 * h)
    assert ack.rate == pytest.approx(10 / 12)
    assert ack.median_lateness == (48 * h + 57 * d + 14 * h) / 2
    lead = rates["lead_assigned"]
    # B's met in 2 h; K's open since 4 Nov: 57 d 14 h.
    assert (lead.on_time, lead.late, lead.missed) == (1, 0, 1)
    fix = rates["fix_ready"]
    # A on time; late: Z0 by 2 days, C by 7, G by 14; missed: H (dropped on closing an
    # hour after its due time: 1 h), L (met only in 2026: due 15 Dec 10:00, 16 d 14 h to
    # the end), K (due 17 Nov 10:00, open: 13 + 31 days, 14 h = 44 d 14 h).
    # E's was dropped when it closed, before it was due: not counted.
    assert (fix.on_time, fix.late, fix.missed) == (1, 3, 3)
    assert fix.lateness == (
        1 * h, 48 * h, 168 * h, 336 * h, 16 * d + 14 * h, 44 * d + 14 * h
    )  # fmt: skip
    # Six lateness values: median (168 + 336) / 2 = 252 h; the worst 44 d 14 h.
    assert fix.median_lateness == 252 * h
    assert fix.worst_lateness == 44 * d + 14 * h
    disclosure = rates["public_disclosure"]
    # A on its day, J a day early; I planned for 15 Dec, not disclosed in 2025.
    assert (disclosure.on_time, disclosure.late, disclosure.missed) == (2, 0, 1)
    assert disclosure.lateness == (16 * d + 14 * h,)
    # Worst first by the share met on time: fix 1/7, lead 1/2, disclosure 2/3 (ack 10/12).
    assert [rate.kind for rate in year.worst_offenders] == [
        "fix_ready", "lead_assigned", "public_disclosure"
    ]  # fmt: skip


def test_lead_load_per_member(year: Insights) -> None:
    load = {row.member: row for row in year.leads}
    assert list(load) == MEMBERS
    alice, bob, carol, dan = (load[m] for m in MEMBERS)
    # Taken in 2025: Alice A C F J L (her Z0 acceptance was in 2024); Bob B E I and Z0's
    # handoff; Carol G and D (as a volunteer).
    assert (alice.taken, bob.taken, carol.taken, dan.taken) == (5, 4, 2, 0)
    # Passed: Bob on D and K. Expired: Alice's offer on D, Carol's on K.
    assert (alice.passed, bob.passed, carol.passed) == (0, 2, 0)
    assert (alice.expired, bob.expired, carol.expired) == (1, 0, 1)
    # Time leading, inside 2025:
    # Alice: Z0 1 Jan 00:00 to the handoff 13 Jan 10:00 = 12 d 10 h = 298 h;
    #        A 6 Jan 11:00 to closing 21 Jan 10:00 = 14 d 23 h = 359 h;
    #        C 3 Mar 13:00 to 25 Mar 10:00 = 21 d 21 h = 525 h;
    #        F 2 Jun 12:00 to 12 Jun 10:00 = 9 d 22 h = 238 h;
    #        J 6 Oct 11:00 to 14 Oct 10:00 = 7 d 23 h = 191 h;
    #        L 1 Dec 12:00 to the end = 30 d 12 h = 732 h.
    assert alice.leading == (298 + 359 + 525 + 238 + 191 + 732) * h
    # Bob: Z0 13 Jan 10:00 to 3 Feb 10:00 = 504 h; B 3 Feb 12:00 to 13 Feb 10:00 = 238 h;
    #      E 5 May 11:00 to 8 May 10:00 = 71 h; I 1 Sep 12:00 to the end = 121 d 12 h.
    assert bob.leading == (504 + 238 + 71 + 121 * 24 + 12) * h
    # Carol: D 7 Apr 15:00 to 6 May 10:00 = 28 d 19 h = 691 h; G 7 Jul 14:00 to
    #        6 Aug 10:00 = 29 d 20 h = 716 h.
    assert carol.leading == (691 + 716) * h
    assert dan.leading == timedelta(0)


def test_the_fix_chart_is_drawn_from_the_figures(year: Insights) -> None:
    chart = charts.fix_time_chart(year)
    # Severities with a fix, with their counts; Unscored has none and is not drawn.
    assert chart.categories == ("Critical (3)", "High (3)", "Medium (1)", "Low (1)")
    # In days: Critical 96 h = 4, 168 h = 7; High 336 h = 14, 504 h = 21; Medium 7; Low 28.
    assert chart.series == {"median": (4.0, 14.0, 7.0, 28.0), "p90": (7.0, 21.0, 7.0, 28.0)}
    _assert_png(chart.png, chart.width, chart.height)
    assert (chart.width, chart.height) == (900, 500)


def test_the_hit_rate_chart_is_drawn_from_the_figures(year: Insights) -> None:
    chart = charts.hit_rate_chart(year)
    assert chart.categories == (
        "Acknowledge the reporter (12)",
        "Fix lead and fix team assembled (2)",
        "Fix ready (merged privately) (7)",
        "Publish the advisory (3)",
    )
    # Shares in %: 10/12 = 83.3, 1/12 = 8.3; 1/2; 1/7 = 14.3, 3/7 = 42.9; 2/3 = 66.7.
    assert chart.series == {
        "on time": (83.3, 50.0, 14.3, 66.7),
        "late": (8.3, 0.0, 42.9, 0.0),
        "missed": (8.3, 50.0, 42.9, 33.3),
    }
    _assert_png(chart.png, 900, 500)


def test_charts_of_an_empty_period_still_draw(db: Database) -> None:
    period = between(date(2025, 1, 1), date(2025, 1, 31), NOW)
    with db.transaction() as session:
        empty = compute(session, period, BusinessCalendar(), MEMBERS)
    for chart in (charts.fix_time_chart(empty), charts.hit_rate_chart(empty)):
        assert chart.categories == ()
        _assert_png(chart.png, 900, 500)


def _assert_png(data: bytes, width: int, height: int) -> None:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(data))
    image.load()  # decodes every pixel; a truncated file raises here
    assert image.size == (width, height)
    # Not a blank canvas: the bars and text give it more than a couple of colours.
    assert len(image.convert("RGB").getcolors(maxcolors=1_000_000) or []) > 10


def test_the_csv_carries_the_same_figures(year: Insights) -> None:
    found = list(csv.reader(io.StringIO(table.to_csv(year))))
    assert found[0] == ["section", "group", "name", "value", "unit"]
    values = {(s, g, n): v for s, g, n, v, _ in found[1:]}
    assert values[("opened", "all", "count")] == "12"
    assert values[("closed", "source", "GitHub")] == "1"
    assert values[("time", "fix", "median")] == "168.00"
    assert values[("time", "fix", "business_p90")] == "160.00"
    assert values[("time", "embargo", "longest_pending")] == f"{114 * 24 + 14:.2f}"
    assert values[("deadline", "fix_ready", "hit_rate")] == f"{1 / 7:.4f}"
    assert values[("deadline", "fix_ready", "median_lateness")] == "252.00"
    assert values[("lead", "UCAROL03", "leading")] == f"{691 + 716:.2f}"
    assert values[("time_to_fix", "High", "p90")] == "504.00"


def test_nothing_names_an_incident(db: Database, year: Insights) -> None:
    from tests.insights_history import history, secrets_of

    outputs = [table.to_csv(year), "\n".join(table.summary_lines(year))]
    outputs += [repr(charts.fix_time_chart(year).series), repr(charts.hit_rate_chart(year))]
    for past in history():
        for secret in secrets_of(past.key).values():
            assert all(secret not in text for text in outputs)
    for number in range(1, 15):
        for year_of in (2024, 2025, 2026):
            assert all(f"SEC-{year_of}-{number:04d}" not in text for text in outputs)


# -- periods and business time --------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "since", "until", "label"),
    [
        ("", datetime(2025, 12, 2, 9, tzinfo=UTC), NOW, "last 90 days"),
        ("30d", datetime(2026, 1, 31, 9, tzinfo=UTC), NOW, "last 30 days"),
        ("quarter", datetime(2026, 1, 1, tzinfo=UTC), NOW, "Q1 2026 so far"),
        ("year", datetime(2026, 1, 1, tzinfo=UTC), NOW, "2026 so far"),
        ("last-quarter", datetime(2025, 10, 1, tzinfo=UTC), UNTIL, "Q4 2025"),
        ("last-year", datetime(2025, 1, 1, tzinfo=UTC), UNTIL, "2025"),
        ("2025-q2", datetime(2025, 4, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC), "Q2 2025"),
        ("2025", datetime(2025, 1, 1, tzinfo=UTC), UNTIL, "2025"),
        (
            "2025-01-01 2025-03-31",
            datetime(2025, 1, 1, tzinfo=UTC),
            datetime(2025, 4, 1, tzinfo=UTC),
            "2025-01-01 to 2025-03-31",
        ),
        ("2026-02-01", datetime(2026, 2, 1, tzinfo=UTC), NOW, "since 2026-02-01"),
    ],
)
def test_periods(words: str, since: datetime, until: datetime, label: str) -> None:
    period = parse_period(words, NOW)
    assert (period.since, period.until, period.label) == (since, until, label)


def test_periods_are_the_teams_days() -> None:
    berlin = ZoneInfo("Europe/Berlin")  # UTC+1 in winter
    year = parse_period("2025", NOW, berlin)
    assert (year.since, year.until) == (
        datetime(2024, 12, 31, 23, tzinfo=UTC),
        datetime(2025, 12, 31, 23, tzinfo=UTC),
    )
    # At 09:00 UTC on 2 March it is Monday in Berlin, still Sunday 23:00 in Honolulu
    # (UTC-10): a period "since 2026-03-02" has begun in Berlin only.
    assert parse_period("2026-03-02", NOW, berlin).since == datetime(2026, 3, 1, 23, tzinfo=UTC)
    with pytest.raises(PeriodError):
        parse_period("2026-03-02", NOW, ZoneInfo("Pacific/Honolulu"))


@pytest.mark.parametrize(
    ("words", "problem"),
    [
        ("fortnight", "`fortnight` is not a period. Allowed:"),
        ("2025-03-31 2025-01-01", "ends (2025-01-01) before it starts (2025-03-31)"),
        ("2025-02-30 2025-03-01", "`2025-02-30` is not a date; write it as YYYY-MM-DD."),
        ("2027", "starts on 2027-01-01, which has not begun yet"),
        ("0d", "at least one day"),
    ],
)
def test_bad_periods_say_what_is_allowed(words: str, problem: str) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(words, NOW)
    assert problem in str(caught.value)


def test_business_time_counts_working_hours_only() -> None:
    calendar = BusinessCalendar(extra_holidays=[date(2025, 12, 25)])
    friday = datetime(2025, 12, 19, 16, tzinfo=UTC)
    # Friday 16-17, then Monday 9-10: 2 working hours over a weekend.
    assert working_time_between(calendar, friday, friday + 2 * d + 18 * h) == 2 * h
    # Wednesday 24 Dec 12:00 to Friday 26 Dec 12:00: 5 h, the holiday, 3 h.
    start = datetime(2025, 12, 24, 12, tzinfo=UTC)
    assert working_time_between(calendar, start, start + 2 * d) == 8 * h
    # In another time zone the working day is the team's own: 09:00-17:00 in Berlin
    # (UTC+1 in winter) is 08:00-16:00 UTC.
    berlin = BusinessCalendar("Europe/Berlin")
    monday = datetime(2025, 12, 15, 7, tzinfo=UTC)
    assert working_time_between(berlin, monday, monday + 2 * h) == 1 * h
    assert working_time_between(calendar, start, start - h) == timedelta(0)


# -- the command line ----------------------------------------------------------------------


def test_the_command_line_prints_the_year(
    db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    from bot.insights.cli import main

    seed_history(db, PEOPLE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.setenv("SECURITY_TEAM", ",".join(MEMBERS))
    argv = ["--since", "2025-01-01", "--until", "2025-12-31", "--csv", "--charts", "charts"]
    assert main(argv, now=NOW) == 0
    out = capsys.readouterr().out
    rows = {tuple(row[:3]): row[3] for row in csv.reader(io.StringIO(out))}
    assert rows[("opened", "all", "count")] == "12"
    assert rows[("time", "acknowledge", "p90")] == "24.00"
    assert rows[("lead", "UBOB0002", "passed")] == "2"
    for name in ("time-to-fix.png", "deadline-hit-rates.png"):
        _assert_png((tmp_path / "charts" / name).read_bytes(), 900, 500)
    assert main(["--since", "2025-01-01", "--until", "2025-12-31"], now=NOW) == 0
    text = capsys.readouterr().out
    assert "Opened: 12 (Critical 3, High 3, Medium 3, Low 2, Unscored 1)" in text
    assert "Fix: median 7.0 days (5.0 business days)" in text
    assert "Fix ready (merged privately): 1 / 3 / 3, 14%" in text
    assert "Embargoed flaw" not in text and "SEC-2025" not in text


def test_the_command_line_refuses_a_bad_date(monkeypatch, tmp_path: Path, capsys) -> None:
    from bot.insights.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["--since", "2025-13-01"], now=NOW) == 2
    assert "`2025-13-01` is not a date; write it as YYYY-MM-DD." in capsys.readouterr().err
    assert main(["--until", "2025-12-31"], now=NOW) == 2
    assert "--until needs --since." in capsys.readouterr().err


@given(
    start=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
    ),
    minutes=st.integers(min_value=1, max_value=60 * 8 * 30),
)
@settings(max_examples=200, deadline=None)
def test_business_time_is_the_inverse_of_the_calendars_own_arithmetic(
    start: datetime, minutes: int
) -> None:
    """What the planner adds as business hours, this counts back, across weekends,
    holidays and daylight saving time."""
    calendar = BERLIN_WITH_HOLIDAYS
    end = calendar.add(start, Duration.hours_of_business(minutes / 60))
    assert working_time_between(calendar, start, end) == timedelta(minutes=minutes)
