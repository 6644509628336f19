"""Vector strings in, validated metric maps out.

`parse_vector` checks everything itself before the `cvss` library sees a vector, so every
error message is ours. Well-formed vectors take a fast path of dictionary look-ups; only a
vector that fails it is examined closely (see `diagnosis.py`) to explain what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from bot.scoring.metrics import CATALOGUES, NOT_DEFINED, Catalogue, Group


class VectorError(ValueError):
    """A vector that cannot be scored, with a message meant for the person who typed it.

    `metrics` lists the keys at fault (empty when the problem is not one metric's);
    `suggestion` is a corrected vector when the fix is unambiguous.
    """

    def __init__(
        self, message: str, metrics: tuple[str, ...] = (), suggestion: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.metrics = metrics
        self.suggestion = suggestion

    @property
    def metric(self) -> str | None:
        """The first offending metric key, if the problem is about a metric."""
        return self.metrics[0] if self.metrics else None


@dataclass(frozen=True, slots=True)
class Vector:
    """A valid vector: its version, metrics as given (in the order given) and text.

    `clean` is the vector in FIRST's metric order without Not Defined metrics; `defined`
    holds the groups other than base with at least one metric set to something else than
    Not Defined.
    """

    version: str
    metrics: Mapping[str, str]
    text: str
    clean: str
    defined: frozenset[Group]

    @property
    def prefix(self) -> str:
        return f"CVSS:{self.version}"


@dataclass(frozen=True, slots=True)
class _Field:
    """What the fast path needs to know about one valid "KEY:VALUE" field."""

    key: str
    value: str
    rank: int  # position of the metric in FIRST's order
    sets: Group | None  # the group this field defines; None for base and Not Defined


def _field_table(cat: Catalogue) -> dict[str, _Field]:
    table = {}
    for rank, metric in enumerate(cat.metrics):
        for code in metric.codes:
            sets = None if metric.required or code == NOT_DEFINED else metric.group
            table[f"{metric.key}:{code}"] = _Field(metric.key, code, rank, sets)
    return table


_FIELDS = {version: _field_table(cat) for version, cat in CATALOGUES.items()}
_PREFIXES = {cat.prefix: version for version, cat in CATALOGUES.items()}
_REQUIRED = {version: frozenset(m.key for m in cat.base) for version, cat in CATALOGUES.items()}
_NO_GROUPS: frozenset[Group] = frozenset()


def parse_vector(text: str) -> Vector:
    """Parse a CVSS 3.0, 3.1 or 4.0 vector; surrounding whitespace is ignored.

    Metrics may come in any order (FIRST's own 4.0 examples do not always follow the
    canonical one). Raises VectorError saying what is wrong and how to fix it.
    """
    stripped = text.strip()
    head, _, body = stripped.partition("/")
    version = _PREFIXES.get(head)
    if version is not None and body:
        table = _FIELDS[version]
        metrics: dict[str, str] = {}
        fields: list[_Field] = []
        groups: set[Group] = set()
        last_rank = -1
        in_order = True
        for part in body.split("/"):
            field = table.get(part)
            if field is None or field.key in metrics:
                break
            metrics[field.key] = field.value
            fields.append(field)
            if field.rank < last_rank:
                in_order = False
            last_rank = field.rank
            if field.sets is not None:
                groups.add(field.sets)
        else:
            if metrics.keys() >= _REQUIRED[version]:
                # Only a value starts with ":", and "X" (Not Defined) is the only one with X.
                canonical = in_order and ":X" not in body
                return Vector(
                    version,
                    MappingProxyType(metrics),
                    stripped,
                    stripped if canonical else _clean(head, fields),
                    frozenset(groups) if groups else _NO_GROUPS,
                )
    from bot.scoring.diagnosis import diagnose  # imported late: only bad input needs it

    raise diagnose(stripped)


def _clean(prefix: str, fields: list[_Field]) -> str:
    kept = sorted((f for f in fields if f.value != NOT_DEFINED), key=lambda f: f.rank)
    return prefix + "/" + "/".join(f"{f.key}:{f.value}" for f in kept)


def build_vector(version: str, metrics: Mapping[str, str | None]) -> str:
    """The canonical vector text for a metric map (values are not checked here)."""
    table = _FIELDS[version]
    fields = [table.get(f"{k}:{v}") or _Field(k, v, 10**6, None) for k, v in metrics.items() if v]
    return _clean(f"CVSS:{version}", fields)
