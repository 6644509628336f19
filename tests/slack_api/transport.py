"""Signed HTTP to the bot, on one kept-alive connection per thread."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

ACK_DEADLINE = 3.0
STALE_CONNECTION = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


@dataclass
class DriverResponse:
    status: int
    headers: dict[str, str]
    text: str
    elapsed: float = 0.0
    payload: dict[str, Any] = field(default_factory=dict)  # what was sent to the bot
    problems: list[str] = field(default_factory=list)  # what Slack would show as an error
    view_errors: dict[str, str] | None = None  # a view_submission's field errors

    def json(self) -> Any:
        return json.loads(self.text) if self.text.strip() else None

    def acknowledged(self) -> bool:
        """Slack gives up after 3 seconds and on any status but 200; records why."""
        if self.elapsed > ACK_DEADLINE:
            self.problems.append("operation_timeout")
            return False
        if self.status != 200:
            self.problems.append(f"http_error_{self.status}")
            return False
        return True


class BotConnection:
    def __init__(self, bot_url: str, signing_secret: str, timeout: float) -> None:
        parts = urlsplit(bot_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path or "/"
        self.signing_secret = signing_secret
        self.timeout = timeout
        self._local = threading.local()

    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """Slack's v0 signature headers (the timestamp is wall-clock time, as Slack's is)."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        base = b"v0:" + stamp.encode() + b":" + body
        digest = hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()
        return {"X-Slack-Signature": f"v0={digest}", "X-Slack-Request-Timestamp": stamp}

    def send(self, body: bytes, content_type: str, extra: dict[str, str] | None) -> DriverResponse:
        headers = {"Content-Type": content_type, **self.sign(body), **(extra or {})}
        return self.post(body, headers)

    def post(self, body: bytes, headers: dict[str, str]) -> DriverResponse:
        connection, reused = self._connection()
        try:
            return self._exchange(connection, body, headers)
        except STALE_CONNECTION:
            self._forget(connection)
            if not reused:
                raise
        # The bot closed the kept-alive connection while it was idle: once more on a new one.
        connection, _ = self._connection()
        try:
            return self._exchange(connection, body, headers)
        except STALE_CONNECTION:
            self._forget(connection)
            raise

    def _exchange(
        self, connection: http.client.HTTPConnection, body: bytes, headers: dict[str, str]
    ) -> DriverResponse:
        started = time.monotonic()
        connection.request("POST", self.path, body=body, headers=headers)
        answer = connection.getresponse()
        text = answer.read().decode("utf-8", "replace")
        elapsed = time.monotonic() - started
        if answer.getheader("Connection", "").lower() == "close":
            self._forget(connection)
        return DriverResponse(answer.status, dict(answer.getheaders()), text, elapsed)

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        existing = getattr(self._local, "connection", None)
        if existing is not None:
            return existing, True
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self._local.connection = connection
        return connection, False

    def _forget(self, connection: http.client.HTTPConnection) -> None:
        connection.close()
        self._local.connection = None
