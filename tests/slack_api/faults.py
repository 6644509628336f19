"""Injected failures and slowness, per Web API method name."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from .holds import Holds
from .storm import Storm, StormHit


@dataclass
class Reply:
    """What the server sends back; ``drop`` closes the connection without a word."""

    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] | None = None
    drop: bool = False
    ok: bool = False
    error: str | None = None  # what the call log records
    delay: float = 0.0  # seconds the server waits before answering (or dropping)


def json_reply(data: dict[str, Any], status: int = 200, **headers: str) -> Reply:
    body = json.dumps(data).encode()
    return Reply(
        status, body, headers=headers or None, ok=bool(data.get("ok")), error=data.get("error")
    )


@dataclass
class Fault:
    method: str
    error: str | None
    status: int | None
    remaining: int | None  # None: until cleared
    retry_after: int
    drop: bool
    after_effect: bool
    when: Callable[[dict[str, Any]], bool] | None
    delay: float = 0.0  # with ``drop``: a slow answer that never comes

    def reply(self) -> Reply:
        if self.drop:
            error = "slow_reply" if self.delay else "connection_dropped"
            return Reply(0, b"", drop=True, error=error, delay=self.delay)
        status = self.status or (429 if self.error == "ratelimited" else 200)
        if status == 429:
            error = self.error or "ratelimited"
            return json_reply(
                {"ok": False, "error": error}, 429, **{"Retry-After": str(self.retry_after)}
            )
        if self.error:
            return json_reply({"ok": False, "error": self.error}, status)
        # Slack's edge answers 5xx with an HTML page, not JSON.
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        page = f"<html><body><h1>{status} {phrase}</h1></body></html>".encode()
        return Reply(status, page, "text/html; charset=utf-8", error=f"http_{status}")


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[Fault] = []
        self._delays: dict[str, float] = {}
        self.holds = Holds()
        self.storm: Storm | None = None

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._rules.append(fault)

    def set_delay(self, method: str, seconds: float) -> None:
        with self._lock:
            if seconds > 0:
                self._delays[method] = seconds
            else:
                self._delays.pop(method, None)

    def delay(self, method: str) -> float:
        return self._delays.get(method, 0.0)

    def take(self, method: str, params: dict[str, Any]) -> Fault | None:
        """The first rule that matches this call, counted as used; else the storm's hit."""
        if not self._rules:
            return self._from_storm(method, params)
        with self._lock:
            for rule in self._rules:
                if rule.method != method or (rule.when is not None and not rule.when(params)):
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._rules.remove(rule)
                return rule
        return self._from_storm(method, params)

    def _from_storm(self, method: str, params: dict[str, Any]) -> Fault | None:
        storm = self.storm
        if storm is None:
            return None
        hit = storm.take(method, params)
        return _storm_fault(hit, storm.slow) if hit is not None else None

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._delays.clear()
            self.storm = None
        self.holds.cancel_all()


def _storm_fault(hit: StormHit, slow: float) -> Fault:
    base, after = hit.base, hit.after_effect
    if base == "ratelimited":
        return Fault(hit.method, "ratelimited", 429, 1, 1, False, False, None)
    if base.startswith("http_"):
        return Fault(hit.method, None, int(base[5:]), 1, 1, False, after, None)
    delay = slow if base == "slow" else 0.0
    return Fault(hit.method, None, None, 1, 1, True, after, None, delay)
