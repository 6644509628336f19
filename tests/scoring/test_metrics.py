"""The metric catalogue against what the `cvss` library accepts, and Slack's text limits."""

from __future__ import annotations

import pytest
from cvss import constants3, constants4

from bot.scoring.metrics import CATALOGUES, CVSS30, CVSS31, CVSS40, Group, catalogue


def _library(constants: object) -> tuple[object, ...]:
    names = ("METRICS_ABBREVIATIONS", "METRICS_VALUE_NAMES", "METRICS_MANDATORY")
    return tuple(getattr(constants, name) for name in names)


LIBRARY = {"3.0": _library(constants3), "3.1": _library(constants3), "4.0": _library(constants4)}


@pytest.mark.parametrize("version", sorted(CATALOGUES))
def test_same_metrics_and_values_as_the_library(version: str) -> None:
    order, values, mandatory = LIBRARY[version]
    cat = catalogue(version)
    # The library's order is FIRST's canonical vector order.
    assert [m.key for m in cat.metrics] == list(order)
    assert [m.key for m in cat.base] == list(mandatory)
    for metric in cat.metrics:
        assert set(metric.codes) == set(values[metric.key]), metric.key
        assert len(metric.codes) == len(set(metric.codes))


@pytest.mark.parametrize("version", sorted(CATALOGUES))
def test_words_fit_slack(version: str) -> None:
    for metric in catalogue(version).metrics:
        assert 0 < len(metric.description) <= 150, metric.key
        assert metric.description.endswith("."), metric.key
        assert len(metric.title) <= 75
        for value in metric.values:
            assert 0 < len(f"{value.label} ({value.code})") <= 75


def test_groups() -> None:
    assert CVSS31.groups() == (Group.BASE, Group.TEMPORAL, Group.ENVIRONMENTAL)
    assert CVSS40.groups() == (Group.BASE, Group.THREAT, Group.ENVIRONMENTAL, Group.SUPPLEMENTAL)
    assert len(CVSS31.base) == 8 and len(CVSS40.base) == 11
    assert all(m.required for m in CVSS40.base)
    assert not any(m.required for m in CVSS40.advanced)
    assert all(m.codes[0] == "X" for m in CVSS40.advanced)
    assert len(CVSS40.advanced) == 21


def test_values_in_firsts_order_with_words() -> None:
    av = CVSS31.by_key["AV"]
    assert [(v.code, v.label) for v in av.values] == [
        ("N", "Network"),
        ("A", "Adjacent"),
        ("L", "Local"),
        ("P", "Physical"),
    ]
    assert CVSS30.by_key["AV"].label("A") == "Adjacent Network"
    assert CVSS31.by_key["S"].codes == ("U", "C")
    assert CVSS31.by_key["E"].codes == ("X", "H", "F", "P", "U")
    assert CVSS40.by_key["UI"].codes == ("N", "P", "A")
    assert CVSS40.by_key["MSI"].codes == ("X", "S", "H", "L", "N")
    assert CVSS40.by_key["MSI"].label("N") == "Negligible"
    assert CVSS40.by_key["R"].label("I") == "Irrecoverable"
    assert CVSS40.by_key["U"].codes == ("X", "Clear", "Green", "Amber", "Red")
    assert av.allowed_text() == "N (Network), A (Adjacent), L (Local), P (Physical)"
    assert av.title == "Attack Vector (AV)"
    with pytest.raises(KeyError):
        av.label("Q")


def test_unknown_version() -> None:
    with pytest.raises(KeyError):
        catalogue("2.0")
