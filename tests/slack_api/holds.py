"""Calls kept waiting until the test lets them go: to stop a client at an exact point."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Hold:
    """One call of ``method`` held before or after it takes effect.

    ``arrived`` is set once the call is held; ``release()`` lets it go on as usual;
    ``cancel()`` drops the connection instead (a call held before its effect then has none).
    """

    method: str
    after_effect: bool
    when: Callable[[dict[str, Any]], bool] | None = None
    arrived: threading.Event = field(default_factory=threading.Event)
    cancelled: bool = False
    _go: threading.Event = field(default_factory=threading.Event)

    def wait_arrived(self, timeout: float = 10.0) -> bool:
        return self.arrived.wait(timeout)

    def release(self) -> None:
        self._go.set()

    def cancel(self) -> None:
        self.cancelled = True
        self._go.set()

    def block(self) -> bool:
        """Called by the server: wait for the test; False when the call is to be dropped."""
        self.arrived.set()
        self._go.wait()
        return not self.cancelled


class Holds:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: list[Hold] = []  # not yet matched by a call
        self._taken: list[Hold] = []

    def add(self, hold: Hold) -> Hold:
        with self._lock:
            self._waiting.append(hold)
        return hold

    def take(self, method: str, params: dict[str, Any]) -> Hold | None:
        """The first hold for this call; each hold catches one call."""
        if not self._waiting:
            return None
        with self._lock:
            for hold in self._waiting:
                if hold.method == method and (hold.when is None or hold.when(params)):
                    self._waiting.remove(hold)
                    self._taken.append(hold)
                    return hold
        return None

    def cancel_all(self) -> None:
        with self._lock:
            holds, self._waiting, self._taken = self._waiting + self._taken, [], []
        for hold in holds:
            hold.cancel()
