"""Scores for vectors, on top of the `cvss` library.

Which score the bot shows (`ScoreResult.score`):

- CVSS 3.x: the base score, unless an environmental metric is set (any value other than
  Not Defined), then the environmental score; if only temporal metrics are set, the
  temporal score. FIRST's calculator always computes an environmental score, and in 3.1
  it can fall in another band than the base score even when no environmental metric is
  chosen, so it is shown only when environmental metrics were chosen.
- CVSS 4.0: the library's score over every metric given, named by the groups it covers
  (CVSS-B, CVSS-BT, CVSS-BE or CVSS-BTE). Supplemental metrics never change it.

Base, temporal and environmental scores of 3.x vectors are those of FIRST's calculator
(for 3.0 see `first_v30.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from bot.scoring import first_v30
from bot.scoring.library import ParsedCVSS3, ParsedCVSS4
from bot.scoring.metrics import Group, Metric, catalogue
from bot.scoring.parsing import Vector, VectorError, build_vector, parse_vector
from bot.scoring.severity import severity_emoji, severity_of

__all__ = [
    "Incomplete",
    "ScoreResult",
    "Scores",
    "Vector",
    "VectorError",
    "build_vector",
    "compute",
    "parse_vector",
    "result_of",
    "score",
    "score_metrics",
    "severity_emoji",
    "severity_of",
]


@dataclass(frozen=True, slots=True)
class ScoreResult:
    version: str  # "3.0", "3.1" or "4.0"
    vector: str  # as given, without surrounding whitespace
    clean_vector: str  # FIRST's metric order, Not Defined metrics left out
    score: float  # the score the bot shows (see the module docstring)
    severity: str  # None, Low, Medium, High or Critical
    score_kind: str  # what `score` is: "base", "temporal", "environmental" or the 4.0 name
    metrics: Mapping[str, str]
    # CVSS 3.x only:
    base_score: float | None = None
    base_severity: str | None = None
    temporal_score: float | None = None
    temporal_severity: str | None = None
    environmental_score: float | None = None
    environmental_severity: str | None = None
    # CVSS 4.0 only:
    nomenclature: str | None = None

    @property
    def emoji(self) -> str:
        return severity_emoji(self.severity)


def score(vector: str | Vector) -> ScoreResult:
    """Score a vector text (parsed first, raising VectorError) or an already parsed Vector."""
    if isinstance(vector, str):
        vector = parse_vector(vector)
    return result_of(vector, compute(vector))


def result_of(vector: Vector, numbers: Scores) -> ScoreResult:
    """The ScoreResult of a vector from its computed numbers."""
    if numbers.base is None:
        return ScoreResult(
            vector.version,
            vector.text,
            vector.clean,
            numbers.score,
            severity_of(numbers.score),
            numbers.kind,
            vector.metrics,
            nomenclature=numbers.kind,
        )
    temporal, environmental = numbers.temporal, numbers.environmental
    assert temporal is not None and environmental is not None  # a 3.x vector has all three
    return ScoreResult(
        vector.version,
        vector.text,
        vector.clean,
        numbers.score,
        severity_of(numbers.score),
        numbers.kind,
        vector.metrics,
        numbers.base,
        severity_of(numbers.base),
        temporal,
        severity_of(temporal),
        environmental,
        severity_of(environmental),
    )


class Scores(NamedTuple):
    """The numbers of one vector. `score()` wraps them in a ScoreResult; the command line
    formats them directly, as a frozen dataclass per line would cost it a tenth of its speed.
    """

    score: float  # the one the bot shows
    kind: str  # "base", "temporal" or "environmental" (3.x), or the 4.0 nomenclature
    base: float | None = None  # the three 3.x scores; None for 4.0
    temporal: float | None = None
    environmental: float | None = None


def compute(vector: Vector) -> Scores:
    """The library's scores for a parsed vector, and which of them the bot shows."""
    if vector.version == "4.0":
        return Scores(float(ParsedCVSS4(vector).base_score), nomenclature(vector))
    parsed = ParsedCVSS3(vector)
    base, temporal, environmental = parsed.scores()
    if vector.version == "3.0":
        temporal, environmental = first_v30.temporal_and_environmental(parsed)
    if Group.ENVIRONMENTAL in vector.defined:
        return Scores(environmental, "environmental", base, temporal, environmental)
    if Group.TEMPORAL in vector.defined:
        return Scores(temporal, "temporal", base, temporal, environmental)
    return Scores(base, "base", base, temporal, environmental)


def nomenclature(vector: Vector) -> str:
    """CVSS 4.0's name for a score: which metric groups, besides base, it covers."""
    threat = "T" if Group.THREAT in vector.defined else ""
    environmental = "E" if Group.ENVIRONMENTAL in vector.defined else ""
    return f"CVSS-B{threat}{environmental}"


@dataclass(frozen=True, slots=True)
class Incomplete:
    """A partly filled modal: which base metrics still need a value."""

    version: str
    missing: tuple[Metric, ...]

    @property
    def message(self) -> str:
        names = ", ".join(m.name for m in self.missing)
        return f"Not scored yet: choose {names}."


def score_metrics(version: str, metrics: Mapping[str, str | None]) -> ScoreResult | Incomplete:
    """Score a metric map that may still lack base metrics (the modal's state).

    Unset metrics may be absent or None. Returns Incomplete listing the missing base metrics
    in words, or the ScoreResult once every base metric is set. Raises VectorError for an
    unknown metric or value, and KeyError for an unknown version.
    """
    cat = catalogue(version)
    chosen = {k: v for k, v in metrics.items() if v}
    for key, value in chosen.items():
        metric = cat.by_key.get(key)
        if metric is None:
            raise VectorError(f'"{key}" is not a CVSS {version} metric.', (key,))
        if value not in metric.codes:
            raise VectorError(
                f'{metric.title} cannot be "{value}"; allowed: {metric.allowed_text()}.', (key,)
            )
    missing = tuple(m for m in cat.base if m.key not in chosen)
    if missing:
        return Incomplete(version, missing)
    return score(build_vector(version, chosen))
