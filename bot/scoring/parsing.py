"""Vector strings in, validated metric maps out.

`parse_vector` checks everything itself before the `cvss` library sees a vector, so every
error message is ours. Well-formed vectors take a fast path of dictionary look-ups; only a
vector that fails it is examined closely (see `diagnosis.py`) to explain what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import attrgetter
from types import MappingProxyType
from typing import NamedTuple

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


class Vector(NamedTuple):
    """A valid vector: its version, metrics as given (in the order given) and text.

    `clean` is the vector in FIRST's metric order without Not Defined metrics; `defined`
    holds the groups other than base with at least one metric set to something other than
    Not Defined. (A NamedTuple rather than a dataclass: one is built per vector scored, and
    a tuple is several times cheaper to build.)
    """

    version: str
    metrics: Mapping[str, str]
    text: str
    clean: str
    defined: frozenset[Group]

    @property
    def prefix(self) -> str:
        return f"CVSS:{self.version}"


class _Field(NamedTuple):
    """What the fast path needs to know about one valid "KEY:VALUE" field."""

    key: str
    value: str
    rank: int  # position of the metric in FIRST's order
    sets: int  # bit of the group this field defines; 0 for base metrics and Not Defined


def _bits(cat: Catalogue) -> dict[Group, int]:
    return {group: 1 << i for i, group in enumerate(cat.groups()) if group is not Group.BASE}


def _field_table(cat: Catalogue) -> dict[str, _Field]:
    bits = _bits(cat)
    table = {}
    for rank, metric in enumerate(cat.metrics):
        for code in metric.codes:
            sets = 0 if metric.required or code == NOT_DEFINED else bits[metric.group]
            table[f"{metric.key}:{code}"] = _Field(metric.key, code, rank, sets)
    return table


def _group_sets(cat: Catalogue) -> dict[int, frozenset[Group]]:
    """Every combination of group bits, as the frozenset of groups it stands for."""
    bits = _bits(cat)
    return {
        flags: frozenset(g for g, bit in bits.items() if flags & bit)
        for flags in range(1 << (len(bits) + 1))
    }


_FIELDS = {version: _field_table(cat) for version, cat in CATALOGUES.items()}
_GROUP_SETS = {version: _group_sets(cat) for version, cat in CATALOGUES.items()}
_PREFIXES = {cat.prefix: version for version, cat in CATALOGUES.items()}
_REQUIRED = {version: frozenset(m.key for m in cat.base) for version, cat in CATALOGUES.items()}


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
        parts = body.split("/")
        metrics: dict[str, str] = {}
        flags = 0
        last_rank = -1
        in_order = True
        for part in parts:
            field = table.get(part)
            if field is None:
                break
            key, value, rank, sets = field
            if key in metrics:
                break
            metrics[key] = value
            if rank < last_rank:
                in_order = False
            last_rank = rank
            flags |= sets
        else:
            if metrics.keys() >= _REQUIRED[version]:
                if not in_order:
                    clean = _clean(version, metrics)
                elif ":X" in body:  # only values follow ":", and Not Defined is the only X
                    clean = head + "/" + "/".join([p for p in parts if p[-2:] != ":X"])
                else:
                    clean = stripped
                return Vector(
                    version,
                    MappingProxyType(metrics),
                    stripped,
                    clean,
                    _GROUP_SETS[version][flags],
                )
    from bot.scoring.diagnosis import diagnose  # imported late: only bad input needs it

    raise diagnose(stripped)


def _clean(version: str, metrics: Mapping[str, str | None]) -> str:
    table = _FIELDS[version]
    kept = sorted(
        (table[f"{k}:{v}"] for k, v in metrics.items() if v and v != NOT_DEFINED),
        key=attrgetter("rank"),
    )
    return f"CVSS:{version}/" + "/".join(f"{f.key}:{f.value}" for f in kept)


def build_vector(version: str, metrics: Mapping[str, str | None]) -> str:
    """The canonical vector text for a metric map; KeyError for an unknown metric or value."""
    return _clean(version, metrics)
