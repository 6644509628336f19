"""Team scoring: where the vectors of several members disagree, metric by metric."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.scoring.engine import ScoreResult, score
from bot.scoring.metrics import NOT_DEFINED, Metric, catalogue
from bot.scoring.parsing import VectorError


@dataclass(frozen=True, slots=True)
class MemberScore:
    """One member's vector and what it scores (or why it does not)."""

    member: str
    vector: str
    result: ScoreResult | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Disagreement:
    """One metric on which members differ; `labels` holds each member's value in words.

    A member whose version has no such metric shows as None in `values` and "-" in
    `labels`; a metric left out of a vector counts as Not Defined.
    """

    key: str
    name: str
    values: Mapping[str, str | None]
    labels: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Comparison:
    members: tuple[MemberScore, ...]
    disagreements: tuple[Disagreement, ...]
    versions: tuple[str, ...]  # the distinct versions of the valid vectors

    @property
    def unanimous(self) -> bool:
        """True when every valid vector says the same thing (and there is no bad one)."""
        scored = [m for m in self.members if m.result is not None]
        return (
            len(scored) == len(self.members) and not self.disagreements and len(self.versions) <= 1
        )


def diff_vectors(vectors_by_member: Mapping[str, str]) -> Comparison:
    """Compare members' vectors (member id -> vector text), keeping the input order."""
    members = tuple(_score_member(member, text) for member, text in vectors_by_member.items())
    scored = [m for m in members if m.result is not None]
    versions = tuple(dict.fromkeys(m.result.version for m in scored if m.result))
    return Comparison(members, _disagreements(scored, versions), versions)


def _score_member(member: str, text: str) -> MemberScore:
    try:
        return MemberScore(member, text, score(text))
    except VectorError as error:
        return MemberScore(member, text, None, error.message)


def _disagreements(
    scored: list[MemberScore], versions: tuple[str, ...]
) -> tuple[Disagreement, ...]:
    if len(scored) < 2:
        return ()
    # Every metric of every version present, in the canonical order of the first version.
    metrics: dict[str, Metric] = {}
    for version in versions:
        for metric in catalogue(version).metrics:
            metrics.setdefault(metric.key, metric)
    rows = []
    for key, metric in metrics.items():
        values: dict[str, str | None] = {}
        labels: dict[str, str] = {}
        for member in scored:
            assert member.result is not None
            own = catalogue(member.result.version).by_key.get(key)
            if own is None:
                values[member.member], labels[member.member] = None, "-"
                continue
            code = member.result.metrics.get(key, NOT_DEFINED)
            values[member.member], labels[member.member] = code, own.label(code)
        if len(set(values.values())) > 1:
            rows.append(Disagreement(key, metric.name, values, labels))
    return tuple(rows)
