from datetime import time

import pytest

from bot.policy.durations import parse_duration
from bot.policy.loader import load_policy
from bot.policy.model import DEADLINE_ITEMS
from bot.policy.presets import DEFAULT_PRESET, PRESETS, preset

# (preset, item, expected): None means "not planned".
NUMBERS = [
    ("kubernetes", "deadlines.acknowledge", "1 business day"),
    ("kubernetes", "deadlines.lead_assigned", "PT24H"),
    ("kubernetes", "deadlines.score_and_plan", "P7D"),
    ("kubernetes", "deadlines.fix_ready", None),
    ("kubernetes", "deadlines.fix_released", "P21D"),
    ("kubernetes", "deadlines.distributor_notice", "P7D"),
    ("kubernetes", "deadlines.distributor_notice_earliest", "P28D"),
    ("kubernetes", "deadlines.final_notice", "PT24H"),
    ("kubernetes", "deadlines.retrospective", "P3D"),
    ("kubernetes", "deadlines.retrospective_earliest", "P1D"),
    ("kubernetes", "deadlines.embargo_max", None),
    ("kubernetes", "deadlines.disclose_after_release", "P1D"),
    ("kubernetes", "stale_update.critical", "P2D"),
    ("kubernetes", "stale_update.high", "P7D"),
    ("kubernetes", "stale_update.medium", "P30D"),
    ("kubernetes", "stale_update.low", None),
    ("kubernetes", "stale_update.unscored", None),
    ("kubernetes", "reminders.overdue_every", "P1D"),
    ("kubernetes", "lead_offer_window", "4 business hours"),
    ("kubernetes", "public.acknowledge", "PT1H"),
    ("kubernetes", "public.fix_released", "P1D"),
    ("openssf", "deadlines.acknowledge", "P2D"),
    ("openssf", "deadlines.embargo_max", "P90D"),
    ("openssf", "deadlines.distributor_notice", "1 working day"),
    ("openssf", "deadlines.distributor_notice_earliest", "30 working days"),
    ("openssf", "deadlines.lead_assigned", "PT24H"),  # inherited from kubernetes
    ("go", "deadlines.acknowledge", "P7D"),
    ("go", "deadlines.fix_released", "P90D"),
    ("go", "deadlines.embargo_max", "P90D"),
    ("go", "deadlines.distributor_notice", "P3D"),
    ("go", "deadlines.distributor_notice_earliest", "P7D"),
    ("project-zero", "deadlines.fix_released", "P90D"),
    ("project-zero", "deadlines.disclose_after_release", "P30D"),
    ("project-zero", "deadlines.embargo_max", "P90D"),
    ("cert-cc", "deadlines.embargo_max", "P45D"),
]


def _item(policy: object, path: str) -> object:
    for part in path.split("."):
        policy = getattr(policy, part)
    return policy


@pytest.mark.parametrize(("name", "path", "expected"), NUMBERS)
def test_preset_numbers(name: str, path: str, expected: str | None) -> None:
    value = _item(preset(name), path)
    assert value == (None if expected is None else parse_duration(expected))


def test_kubernetes_is_the_default() -> None:
    assert DEFAULT_PRESET == "kubernetes"
    assert load_policy() is PRESETS["kubernetes"]
    assert preset() is PRESETS["kubernetes"]


def test_kubernetes_rules() -> None:
    policy = preset("kubernetes")
    assert policy.reminders.before == (parse_duration("PT24H"), parse_duration("PT1H"))
    assert (policy.reminders.overdue_max, policy.reminders.escalate) == (3, True)
    assert policy.reminders.urgent_severities == {"Critical"}
    assert policy.disclosure.time_of_day == time(16)
    assert policy.disclosure.timezone == "UTC"
    assert policy.disclosure.weekdays == {0, 1, 2, 3}  # Monday to Thursday
    assert policy.disclosure.release_on_disclosure_day
    assert policy.calendar.working_hours == (time(9), time(17))
    assert policy.calendar.quiet_hours == (time(20), time(8))


def test_kubernetes_tracks() -> None:
    policy = preset("kubernetes")
    fix = {
        severity: policy.deadlines_for(severity).fix_released
        for severity in ("Critical", "High", "Medium", "Low", "None", None)
    }
    assert fix == {
        "Critical": parse_duration("P21D"),  # out-of-band release
        "High": parse_duration("P21D"),
        "Medium": parse_duration("P28D"),  # next patch release
        "Low": parse_duration("P56D"),  # slow track
        "None": parse_duration("P56D"),
        None: parse_duration("P21D"),  # unscored: fast until scored
    }


def test_openssf_releases_monday_to_wednesday_at_any_time() -> None:
    rule = preset("openssf").disclosure
    assert (rule.weekdays, rule.time_of_day, rule.avoid_holidays) == ({0, 1, 2}, None, True)


def test_project_zero_in_the_wild() -> None:
    policy = preset("project-zero")
    exploited = policy.deadlines_for("High", exploited=True)
    assert exploited.fix_released == parse_duration("P7D")
    assert exploited.embargo_max == parse_duration("P7D")
    assert exploited.disclose_after_release == parse_duration("P30D")
    assert not policy.disclosure.release_on_disclosure_day


def test_cert_cc_publishes_without_waiting_for_a_fix() -> None:
    assert not preset("cert-cc").disclosure.release_on_disclosure_day


def test_every_preset_is_complete_and_named() -> None:
    assert list(PRESETS) == ["kubernetes", "openssf", "go", "project-zero", "cert-cc"]
    for name, policy in PRESETS.items():
        assert policy.name == name
        assert policy.deadlines.acknowledge is not None
        assert all(hasattr(policy.deadlines, item) for item in DEADLINE_ITEMS)


def test_unknown_preset() -> None:
    with pytest.raises(KeyError, match="unknown preset 'k8s'; allowed: kubernetes, openssf"):
        preset("k8s")
