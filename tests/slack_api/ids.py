"""Slack-shaped identifiers and message timestamps."""

from __future__ import annotations

import secrets
import threading

_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _base36(number: int) -> str:
    text = ""
    while number:
        number, rest = divmod(number, 36)
        text = _DIGITS[rest] + text
    return text or "0"


class IdFactory:
    """IDs like ``C0000000A1`` (prefix + 10 uppercase alphanumerics) and strictly rising ts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counter = 0
        self._last_micros = 0

    def new(self, prefix: str) -> str:
        with self._lock:
            self._counter += 1
            number = self._counter
        # One counter for every kind, and a prime step, so no two IDs share their digits.
        return prefix + _base36(number * 7919).rjust(10, "0")

    def ts(self, now: float) -> str:
        """A message timestamp ``"1732790000.000100"`` later than every one handed out before."""
        with self._lock:
            micros = max(int(now * 1_000_000), self._last_micros + 1)
            self._last_micros = micros
        seconds, fraction = divmod(micros, 1_000_000)
        return f"{seconds}.{fraction:06d}"


def trigger_id(now: float) -> str:
    return f"{int(now)}.{secrets.randbelow(10**12):012d}.{secrets.token_hex(16)}"


def view_hash(now: float) -> str:
    return f"{now:.6f}.{secrets.token_hex(4)}"


def secret_token() -> str:
    return secrets.token_urlsafe(18)
