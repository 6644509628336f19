"""A seeded storm of failures on every method: rate limits, 5xx pages, drops, slow answers.

A share of each method's calls fails, before or after the call took effect (after: Slack did
the work and the answer was lost). Which calls fail and how is fixed by the seed and each
method's call order, never by timing. A call that failed is let through when it comes again
unchanged, so a client that retries always gets there.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# Slack refuses a rate-limited call without doing it, so a 429 only ever comes before the
# effect; the others can come either side.
BEFORE_ONLY = ("ratelimited",)
EITHER_SIDE = ("http_500", "http_503", "drop", "slow")
KINDS = BEFORE_ONLY + EITHER_SIDE + tuple(f"{kind}_after" for kind in EITHER_SIDE)


def is_after_effect(kind: str) -> bool:
    return kind.endswith("_after")


@dataclass
class StormHit:
    """What the storm does to one call (read by ``Faults`` into a ``Fault``)."""

    method: str
    kind: str

    @property
    def after_effect(self) -> bool:
        return is_after_effect(self.kind)

    @property
    def base(self) -> str:
        return self.kind.removesuffix("_after")


@dataclass
class Storm:
    """``fraction`` of each method's calls fail; with ``first`` each method's first call does.

    ``slow`` is how long a slow answer takes (make it longer than the client's read timeout);
    ``spare`` names methods left alone. ``hits`` counts (method, kind) as injected.
    """

    fraction: float
    seed: int = 0
    slow: float = 1.5
    first: bool = True
    spare: frozenset[str] = frozenset()
    hits: Counter[tuple[str, str]] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _seen: Counter[str] = field(default_factory=Counter)
    _used: Counter[str] = field(default_factory=Counter)
    _failed: set[str] = field(default_factory=set)
    _orders: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 <= self.fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")

    def take(self, method: str, params: dict[str, Any]) -> StormHit | None:
        if method in self.spare:
            return None
        fingerprint = method + json.dumps(params, sort_keys=True, default=str)
        with self._lock:
            if fingerprint in self._failed:
                self._failed.discard(fingerprint)  # the retry goes through
                return None
            index = self._seen[method]
            self._seen[method] += 1
            chance = random.Random(f"{self.seed}:{method}:{index}").random()
            if not ((self.first and index == 0) or chance < self.fraction):
                return None
            order = self._order(method)
            kind = order[self._used[method] % len(order)]
            self._used[method] += 1
            self._failed.add(fingerprint)
            self.hits[(method, kind)] += 1
        return StormHit(method, kind)

    def _order(self, method: str) -> list[str]:
        """The kinds in a seeded order per method, starting with a lost answer."""
        if method not in self._orders:
            kinds = list(KINDS)
            random.Random(f"{self.seed}:{method}").shuffle(kinds)
            start = next(i for i, kind in enumerate(kinds) if is_after_effect(kind))
            self._orders[method] = kinds[start:] + kinds[:start]
        return self._orders[method]

    def methods_hit(self) -> set[str]:
        with self._lock:
            return {method for method, _ in self.hits}

    def kinds_for(self, method: str) -> set[str]:
        with self._lock:
            return {kind for hit_method, kind in self.hits if hit_method == method}
