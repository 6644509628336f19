"""Vector strings in, validated metric maps out.

`parse_vector` checks everything itself before the `cvss` library sees a vector, so every
error message is ours. Well-formed vectors take a fast path of dictionary look-ups; only a
vector that fails it is examined closely (see `diagnosis.py`) to explain what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from bot.scoring.metrics import CATALOGUES, NOT_DEFINED, Group


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
    """A valid vector: its version, its metrics as given (in the order given) and its text."""

    version: str
    metrics: Mapping[str, str]
    text: str

    @property
    def prefix(self) -> str:
        return f"CVSS:{self.version}"

    def defined(self, group: Group) -> bool:
        """Whether any metric of the group has a value other than Not Defined."""
        groups = _GROUP_OF[self.version]
        return any(v != NOT_DEFINED and groups[k] is group for k, v in self.metrics.items())

    def canonical(self) -> str:
        """The vector in FIRST's metric order without Not Defined metrics."""
        order = _ORDER[self.version]
        items = [(order[k], k, v) for k, v in self.metrics.items() if v != NOT_DEFINED]
        items.sort()
        return f"CVSS:{self.version}/" + "/".join(f"{k}:{v}" for _, k, v in items)


# Every valid "KEY:VALUE" field of each version, mapped to its (key, value) pair.
_FIELDS: dict[str, dict[str, tuple[str, str]]] = {
    version: {f"{m.key}:{code}": (m.key, code) for m in cat.metrics for code in m.codes}
    for version, cat in CATALOGUES.items()
}
_PREFIXES = {cat.prefix: version for version, cat in CATALOGUES.items()}
_REQUIRED = {version: frozenset(m.key for m in cat.base) for version, cat in CATALOGUES.items()}
_ORDER = {
    version: {m.key: i for i, m in enumerate(cat.metrics)} for version, cat in CATALOGUES.items()
}
_GROUP_OF = {version: {m.key: m.group for m in cat.metrics} for version, cat in CATALOGUES.items()}


def parse_vector(text: str) -> Vector:
    """Parse a CVSS 3.0, 3.1 or 4.0 vector; surrounding whitespace is ignored.

    Metrics may come in any order (FIRST's own 4.0 examples do not always follow the
    canonical one). Raises VectorError explaining the first problem found.
    """
    stripped = text.strip()
    head, _, body = stripped.partition("/")
    version = _PREFIXES.get(head)
    if version is not None and body:
        fields = _FIELDS[version]
        metrics: dict[str, str] = {}
        for field in body.split("/"):
            pair = fields.get(field)
            if pair is None or pair[0] in metrics:
                break
            metrics[pair[0]] = pair[1]
        else:
            if metrics.keys() >= _REQUIRED[version]:
                return Vector(version, MappingProxyType(metrics), stripped)
    from bot.scoring.diagnosis import diagnose  # imported late: only bad input needs it

    raise diagnose(stripped)


def build_vector(version: str, metrics: Mapping[str, str]) -> str:
    """The canonical vector text for a metric map (values are not checked here)."""
    order = _ORDER[version]
    keys = sorted((k for k, v in metrics.items() if v and v != NOT_DEFINED), key=order.__getitem__)
    return f"CVSS:{version}/" + "/".join(f"{k}:{metrics[k]}" for k in keys)
