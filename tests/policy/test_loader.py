from datetime import date, time
from pathlib import Path

import pytest

from bot.policy.durations import EXAMPLES, parse_duration
from bot.policy.loader import PolicyError, load_policy
from bot.policy.presets import preset

DEADLINE_KEYS = (
    "acknowledge, lead_assigned, score_and_plan, fix_ready, fix_released, distributor_notice, "
    "distributor_notice_earliest, final_notice, retrospective, retrospective_earliest, "
    "embargo_max, disclose_after_release, reporter_update, cve_assigned"
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_preset_alone_is_that_preset(tmp_path: Path) -> None:
    assert load_policy(write(tmp_path, 'preset = "openssf"\n')) == preset("openssf")
    assert load_policy(write(tmp_path, "")) == preset("kubernetes")


def test_overrides(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
preset = "kubernetes"

[deadlines]
acknowledge = "PT30S"
fix_released = "10 working days"
embargo_max = "P60D"
disclose_after_release = false

[reminders]
before = ["PT10S"]
overdue_every = "PT5S"
overdue_max = 2
escalate = false
urgent_severities = ["critical", "High"]

[stale_update]
low = "P60D"

[disclosure]
time_of_day = 15:30:00
timezone = "Europe/Berlin"
weekdays = ["Monday", "tue"]

[public]
fix_released = "PT12H"

[calendar]
working_hours = "08:00-16:30"
quiet_hours = false
quiet_days_off = false
holidays_country = "de"
holidays_subdivision = "BY"
extra_holidays = [2026-12-24, "2026-12-31"]

[lead]
offer_window = "2 business hours"

[tracks.critical]
fix_released = "P7D"

[tracks.low]
fix_released = false
""",
    )
    policy = load_policy(path)
    assert policy.name == "kubernetes"
    assert policy.deadlines.acknowledge == parse_duration("PT30S")
    assert policy.deadlines.fix_released == parse_duration("10 business days")
    assert policy.deadlines.embargo_max == parse_duration("P60D")
    assert policy.deadlines.disclose_after_release is None
    assert policy.deadlines.lead_assigned == parse_duration("PT24H")  # untouched
    assert policy.reminders.before == (parse_duration("PT10S"),)
    assert policy.reminders.overdue_every == parse_duration("PT5S")
    assert (policy.reminders.overdue_max, policy.reminders.escalate) == (2, False)
    assert policy.reminders.urgent_severities == {"Critical", "High"}
    assert policy.stale_update.low == parse_duration("P60D")
    assert policy.stale_update.critical == parse_duration("P2D")
    assert policy.disclosure.time_of_day == time(15, 30)
    assert policy.disclosure.timezone == "Europe/Berlin"
    assert policy.disclosure.weekdays == {0, 1}
    assert policy.public.fix_released == parse_duration("PT12H")
    assert policy.calendar.working_hours == (time(8), time(16, 30))
    assert policy.calendar.quiet_hours is None
    assert not policy.calendar.quiet_days_off
    assert policy.calendar.holidays_country == "DE"
    assert policy.calendar.holidays_subdivision == "BY"
    assert policy.calendar.extra_holidays == {date(2026, 12, 24), date(2026, 12, 31)}
    assert policy.lead_offer_window == parse_duration("2 business hours")
    assert policy.deadlines_for("Critical").fix_released == parse_duration("P7D")
    assert policy.deadlines_for("Low").fix_released is None
    assert policy.deadlines_for("Medium").fix_released == parse_duration("P28D")  # preset track


def test_time_of_day_as_text_and_off(tmp_path: Path) -> None:
    assert load_policy(
        write(tmp_path, '[disclosure]\ntime_of_day = "9:05"\n')
    ).disclosure.time_of_day == time(9, 5)
    assert (
        load_policy(write(tmp_path, "[disclosure]\ntime_of_day = false\n")).disclosure.time_of_day
        is None
    )


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        # Unknown keys, with a hint when one is close.
        (
            "colour = 1",
            "colour",
            "unknown key; allowed: preset, deadlines, stale_update, "
            "reminders, disclosure, public, calendar, lead, tracks",
        ),
        (
            "[deadlines]\nacknowlege = 'P1D'",
            "deadlines.acknowlege",
            f"unknown key (did you mean 'acknowledge'?); allowed: {DEADLINE_KEYS}",
        ),
        (
            "[lead]\nwindow = 'PT1H'",
            "lead.window",
            "unknown key (did you mean 'offer_window'?); allowed: offer_window",
        ),
        (
            "[tracks.urgent]\nfix_released = 'P1D'",
            "tracks.urgent",
            "unknown track; allowed: critical, high, medium, low, exploited",
        ),
        (
            "[tracks.high]\nfix = 'P1D'",
            "tracks.high.fix",
            f"unknown key; allowed: {DEADLINE_KEYS}",
        ),
        # Bad and negative durations.
        (
            "[deadlines]\nacknowledge = 'P1X'",
            "deadlines.acknowledge",
            f"'P1X' is not a duration: expected {EXAMPLES}",
        ),
        (
            "[deadlines]\nacknowledge = '-PT1H'",
            "deadlines.acknowledge",
            "'-PT1H': durations cannot be negative",
        ),
        (
            "[reminders]\nbefore = ['PT1H', '-PT10S']",
            "reminders.before",
            "'-PT10S': durations cannot be negative",
        ),
        (
            "[reminders]\noverdue_max = -1",
            "reminders.overdue_max",
            "expected a whole number of 0 or more; not the number -1",
        ),
        (
            "[reminders]\noverdue_every = 'PT0S'",
            "reminders.overdue_every",
            "'PT0S': must be longer than zero",
        ),
        # Wrong types.
        (
            "[deadlines]\nacknowledge = 1",
            "deadlines.acknowledge",
            'expected a duration as text, such as "P1D", "PT4H" or "1 business day", or false '
            "to turn it off; not the number 1",
        ),
        (
            "[deadlines]\nacknowledge = true",
            "deadlines.acknowledge",
            'expected a duration as text, such as "P1D", "PT4H" or "1 business day", or false '
            "to turn it off; not the boolean true",
        ),
        (
            "[reminders]\noverdue_every = false",
            "reminders.overdue_every",
            'expected a duration as text, such as "P1D", "PT4H" or "1 business day"; '
            "not the boolean false",
        ),
        (
            "[reminders]\noverdue_max = 'three'",
            "reminders.overdue_max",
            "expected a whole number of 0 or more; not the text 'three'",
        ),
        (
            "[reminders]\nbefore = 'PT1H'",
            "reminders.before",
            'expected a list of durations such as ["PT24H", "PT1H"]; not the text \'PT1H\'',
        ),
        (
            "[reminders]\nescalate = 'yes'",
            "reminders.escalate",
            "expected true or false; not the text 'yes'",
        ),
        ("deadlines = 'P1D'", "deadlines", "expected a table ([deadlines]); not the text 'P1D'"),
        (
            "[tracks]\ncritical = 'P1D'",
            "tracks.critical",
            "expected a table ([tracks.critical]); not the text 'P1D'",
        ),
        # Bad values of other kinds.
        (
            "preset = 'k8s'",
            "preset",
            "unknown preset 'k8s'; allowed: kubernetes, openssf, go, project-zero, cert-cc",
        ),
        (
            "[disclosure]\ntime_of_day = '25:00'",
            "disclosure.time_of_day",
            "expected a time of day such as \"16:00\"; not the text '25:00'",
        ),
        (
            "[disclosure]\nweekdays = ['mon', 'fry']",
            "disclosure.weekdays",
            "unknown weekday 'fry'; allowed: mon, tue, wed, thu, fri, sat, sun",
        ),
        (
            "[disclosure]\nweekdays = []",
            "disclosure.weekdays",
            'expected a list of weekdays such as ["mon", "tue"]; not a list',
        ),
        (
            "[disclosure]\ntimezone = 'Mars/Olympus'",
            "disclosure.timezone",
            "unknown time zone 'Mars/Olympus'; expected an IANA name such as UTC or Europe/Berlin",
        ),
        (
            "[reminders]\nurgent_severities = ['Severe']",
            "reminders.urgent_severities",
            "unknown severity 'Severe'; allowed: Critical, High, Medium, Low, None",
        ),
        (
            "[calendar]\nworking_hours = '17:00-09:00'",
            "calendar.working_hours",
            "'17:00-09:00': working hours must start before they end on the same day",
        ),
        (
            "[calendar]\nquiet_hours = '08:00-08:00'",
            "calendar.quiet_hours",
            "'08:00-08:00': start and end must differ",
        ),
        (
            "[calendar]\nholidays_country = 'XX'",
            "calendar.holidays_country",
            "unknown holiday country 'XX'; expected an ISO 3166 code such as US or DE, "
            "or false for none",
        ),
        (
            "[calendar]\nholidays_country = 'US'\nholidays_subdivision = 'ZZ'",
            "calendar.holidays_subdivision",
            "Entity `US` does not have subdivision ZZ",
        ),
        (
            "[calendar]\nextra_holidays = ['24 December']",
            "calendar.extra_holidays",
            "expected dates such as 2026-12-24; not the text '24 December'",
        ),
        # Items that contradict each other.
        (
            "[deadlines]\ndistributor_notice = 'P30D'",
            "deadlines.distributor_notice_earliest",
            "P28D is shorter than deadlines.distributor_notice (P30D)",
        ),
        (
            "[tracks.critical]\nretrospective_earliest = 'P5D'",
            "tracks.critical.retrospective",
            "P3D is shorter than tracks.critical.retrospective_earliest (P5D)",
        ),
    ],
)
def test_invalid_files(tmp_path: Path, text: str, key: str, reason: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    error = caught.value
    assert (error.source, error.key, error.reason) == (str(path), key, reason)
    assert str(error) == f"{path}: {key}: {reason}"


def test_invalid_toml(tmp_path: Path) -> None:
    path = write(tmp_path, "[deadlines\nacknowledge = 'P1D'")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert caught.value.key is None
    assert str(caught.value).startswith(f"{path}: not valid TOML: ")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert str(caught.value) == f"{path}: cannot read the file (No such file or directory)"


def test_the_readme_examples_load(tmp_path: Path) -> None:
    readme = Path(__file__).parents[2] / "bot" / "policy" / "README.md"
    blocks = readme.read_text(encoding="utf-8").split("```toml\n")[1:]
    assert len(blocks) == 2
    for block in blocks:
        load_policy(write(tmp_path, block.split("```")[0]))
