"""Scores: which one the bot shows, FIRST's calculators, the modal's partial state."""

from __future__ import annotations

import random

import pytest
from cvss import CVSS3, CVSS4

from bot.scoring.engine import (
    Incomplete,
    ScoreResult,
    VectorError,
    build_vector,
    score,
    score_metrics,
    severity_emoji,
    severity_of,
)
from bot.scoring.metrics import CVSS31, CVSS40, Catalogue

V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def test_base_only_v31() -> None:
    result = score(V31)
    assert result == ScoreResult(
        version="3.1",
        vector=V31,
        clean_vector=V31,
        score=9.8,
        severity="Critical",
        score_kind="base",
        metrics=result.metrics,
        base_score=9.8,
        base_severity="Critical",
        temporal_score=9.8,
        temporal_severity="Critical",
        environmental_score=9.8,
        environmental_severity="Critical",
    )
    assert dict(result.metrics) == dict(m.split(":") for m in V31.split("/")[1:])


def test_environmental_score_is_shown_only_when_environmental_metrics_are_set() -> None:
    # FIRST's 3.1 calculator puts the environmental score of this vector in another band
    # (6.9 Medium) although no environmental metric is chosen: the bot shows the base one.
    vector = "CVSS:3.1/AV:P/AC:H/PR:L/UI:N/S:C/C:H/I:H/A:L"
    result = score(vector)
    assert (result.base_score, result.environmental_score) == (7.0, 6.9)
    assert (result.score, result.severity, result.score_kind) == (7.0, "High", "base")
    # Not Defined metrics do not count as set.
    assert score(vector + "/E:X/MAV:X/CR:X").score_kind == "base"
    chosen = score(vector + "/CR:M")
    assert (chosen.score, chosen.severity, chosen.score_kind) == (6.9, "Medium", "environmental")


def test_temporal_score_when_only_temporal_metrics_are_set() -> None:
    result = score(V31 + "/E:P/RL:O/RC:C")
    assert (result.base_score, result.temporal_score) == (9.8, 8.8)
    assert (result.score, result.severity, result.score_kind) == (8.8, "High", "temporal")
    both = score(V31 + "/E:P/RL:O/RC:C/MAV:L")
    assert both.score_kind == "environmental"
    assert both.score == both.environmental_score


@pytest.mark.parametrize(
    ("vector", "scores"),
    [
        # FIRST's 3.0 calculator rounds 10.0 x 0.92 = 9.200000000000001 up to 9.3, and
        # 5.0 x 0.92 = 4.6000000000000005 up to 4.7; exact arithmetic gives 9.2 and 4.6.
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/RC:U", (10.0, 9.3, 9.3)),
        ("CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:L/RC:U", (5.0, 4.7, 4.7)),
        (
            "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/MAC:H/MC:L/MI:L/MA:H/CR:L/IR:L/AR:L/RC:U",
            (9.8, 9.1, 4.7),
        ),
        # 3.1 rounds as exact arithmetic does.
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/RC:U", (10.0, 9.2, 9.2)),
        ("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:L/RC:U", (5.0, 4.6, 4.6)),
    ],
)
def test_v3_scores_are_those_of_firsts_calculator(
    vector: str, scores: tuple[float, float, float]
) -> None:
    result = score(vector)
    assert (result.base_score, result.temporal_score, result.environmental_score) == scores


@pytest.mark.parametrize(
    ("suffix", "name"),
    [
        ("", "CVSS-B"),
        ("/E:A", "CVSS-BT"),
        ("/E:X", "CVSS-B"),
        ("/MAV:L", "CVSS-BE"),
        ("/CR:H", "CVSS-BE"),
        ("/E:U/MVC:L", "CVSS-BTE"),
        ("/S:P/AU:Y/U:Red", "CVSS-B"),  # supplemental metrics do not change the score
    ],
)
def test_v40_nomenclature(suffix: str, name: str) -> None:
    result = score(V40 + suffix)
    assert result.nomenclature == result.score_kind == name
    assert result.base_score is None and result.temporal_score is None


def test_supplemental_metrics_do_not_change_a_v40_score() -> None:
    assert score(V40 + "/S:P/AU:Y/R:I/V:C/RE:H/U:Red").score == score(V40).score == 9.3


def test_clean_vector_orders_metrics_and_drops_not_defined() -> None:
    result = score("CVSS:4.0/SA:N/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/E:X/U:Clear")
    assert result.clean_vector == V40 + "/U:Clear"
    assert result.vector.startswith("CVSS:4.0/SA:N")


@pytest.mark.parametrize(
    ("value", "severity"),
    [(0.0, "None"), (0.1, "Low"), (3.9, "Low"), (4.0, "Medium"), (6.9, "Medium"),
     (7.0, "High"), (8.9, "High"), (9.0, "Critical"), (10.0, "Critical")],
)  # fmt: skip
def test_severity_bands(value: float, severity: str) -> None:
    assert severity_of(value) == severity


def test_severity_emoji() -> None:
    assert [severity_emoji(s) for s in ("None", "Low", "Medium", "High", "Critical")] == [
        ":white_circle:",
        ":large_green_circle:",
        ":large_yellow_circle:",
        ":large_orange_circle:",
        ":red_circle:",
    ]
    assert severity_emoji(None) == ":grey_question:"
    assert score(V31).emoji == ":red_circle:"


def _random_vector(rng: random.Random, cat: Catalogue) -> str:
    fields = [
        f"{m.key}:{rng.choice(m.codes)}" for m in cat.metrics if m.required or rng.random() < 0.3
    ]
    rng.shuffle(fields)
    return f"{cat.prefix}/" + "/".join(fields)


def test_agrees_with_the_library_on_random_vectors() -> None:
    """Our parser feeds the library its own metrics; the results must not change by that."""
    rng = random.Random(7)
    for _ in range(1500):
        vector = _random_vector(rng, CVSS31)
        library = CVSS3(vector)
        result = score(vector)
        assert (result.base_score, result.temporal_score, result.environmental_score) == (
            library.scores()
        )
        assert (
            result.base_severity,
            result.temporal_severity,
            result.environmental_severity,
        ) == library.severities()
        assert result.clean_vector == library.clean_vector()
    for _ in range(1500):
        vector = _random_vector(rng, CVSS40)
        library4 = CVSS4(vector)
        result = score(vector)
        assert (result.score, result.severity) == (library4.base_score, library4.severity)
        assert result.clean_vector == library4.clean_vector()


class TestPartialState:
    def test_nothing_chosen(self) -> None:
        outcome = score_metrics("3.1", {})
        assert isinstance(outcome, Incomplete)
        assert [m.key for m in outcome.missing] == ["AV", "AC", "PR", "UI", "S", "C", "I", "A"]

    def test_some_missing_in_words(self) -> None:
        outcome = score_metrics("4.0", {"AV": "N", "AC": "L", "AT": None, "PR": ""})
        assert isinstance(outcome, Incomplete)
        assert outcome.message == (
            "Not scored yet: choose Attack Requirements, Privileges Required, User Interaction, "
            "Vulnerable System Confidentiality, Vulnerable System Integrity, Vulnerable System "
            "Availability, Subsequent System Confidentiality, Subsequent System Integrity, "
            "Subsequent System Availability."
        )

    def test_complete(self) -> None:
        metrics = dict(m.split(":") for m in V31.split("/")[1:])
        outcome = score_metrics("3.1", {**metrics, "E": "X", "RL": "O"})
        assert isinstance(outcome, ScoreResult)
        assert (outcome.clean_vector, outcome.score) == (V31 + "/RL:O", 9.4)

    @pytest.mark.parametrize(
        ("metrics", "message"),
        [
            ({"AV": "Q"}, 'Attack Vector (AV) cannot be "Q"; allowed: N (Network), A (Adjacent), '
             "L (Local), P (Physical)."),
            ({"AT": "N"}, '"AT" is not a CVSS 3.1 metric.'),
        ],
    )  # fmt: skip
    def test_refuses_what_could_never_score(self, metrics: dict[str, str], message: str) -> None:
        with pytest.raises(VectorError, match=None) as raised:
            score_metrics("3.1", metrics)
        assert raised.value.message == message

    def test_build_vector(self) -> None:
        assert build_vector("4.0", {"SA": "N", "AV": "N", "E": "X", "MSI": "S", "U": None}) == (
            "CVSS:4.0/AV:N/SA:N/MSI:S"
        )
