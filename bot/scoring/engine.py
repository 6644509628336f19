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

from cvss import CVSS3, CVSS4

from bot.scoring import first_v30
from bot.scoring.metrics import Group, Metric, catalogue
from bot.scoring.parsing import Vector, VectorError, build_vector, parse_vector
from bot.scoring.severity import severity_emoji, severity_of

__all__ = [
    "Incomplete",
    "ScoreResult",
    "Vector",
    "VectorError",
    "build_vector",
    "parse_vector",
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
    if vector.version == "4.0":
        return _score_v4(vector)
    return _score_v3(vector)


def _score_v3(vector: Vector) -> ScoreResult:
    parsed = CVSS3(vector.text)
    base, temporal, environmental = parsed.scores()
    if vector.version == "3.0":
        temporal, environmental = first_v30.temporal_and_environmental(parsed)
    if Group.ENVIRONMENTAL in vector.defined:
        kind, shown = "environmental", environmental
    elif Group.TEMPORAL in vector.defined:
        kind, shown = "temporal", temporal
    else:
        kind, shown = "base", base
    return ScoreResult(
        version=vector.version,
        vector=vector.text,
        clean_vector=vector.clean,
        score=shown,
        severity=severity_of(shown),
        score_kind=kind,
        metrics=vector.metrics,
        base_score=base,
        base_severity=severity_of(base),
        temporal_score=temporal,
        temporal_severity=severity_of(temporal),
        environmental_score=environmental,
        environmental_severity=severity_of(environmental),
    )


def _score_v4(vector: Vector) -> ScoreResult:
    value = float(CVSS4(vector.text).base_score)
    name = nomenclature(vector)
    return ScoreResult(
        version="4.0",
        vector=vector.text,
        clean_vector=vector.clean,
        score=value,
        severity=severity_of(value),
        score_kind=name,
        metrics=vector.metrics,
        nomenclature=name,
    )


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
