"""Slack's Web API over kept-alive connections: one per thread, reused call after call.

slack_sdk's WebClient opens a new TCP (and TLS) connection for every call through urllib.
This client sends the same requests over an `http.client` connection that stays open, so
a call costs one round trip instead of a handshake and a round trip. Everything else
(request building, errors, the response object) is slack_sdk's own.
"""

from __future__ import annotations

import http.client
import threading
import time
from typing import Any
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient

from bot.slack.gateway import READ_METHODS

# A connection the server may have closed while idle: a read is tried once more on a fresh one.
STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
IDLE_LIMIT = 30.0  # seconds; an older idle connection is closed rather than reused


class KeepAliveWebClient(WebClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._local = threading.local()

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = urlsplit(url)
        if self.proxy is not None or parts.scheme not in ("http", "https"):
            return super()._perform_urllib_http_request_internal(url, req)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = dict(req.header_items())
        connection, reused = self._connection(parts.scheme, parts.netloc)
        try:
            return self._exchange(connection, req.get_method(), path, req.data, headers)
        except STALE:
            self._forget()
            # Only a read is sent again here: a write whose connection broke may have been
            # done, and the gateway decides that (it looks for a post by its key first).
            if not reused or parts.path.rsplit("/", 1)[-1] not in READ_METHODS:
                raise
        connection, _ = self._connection(parts.scheme, parts.netloc)
        try:
            return self._exchange(connection, req.get_method(), path, req.data, headers)
        except BaseException:
            self._forget()
            raise

    def _exchange(
        self,
        connection: http.client.HTTPConnection,
        method: str,
        path: str,
        body: Any,
        headers: dict[str, str],
    ) -> dict[str, Any]:
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            raw = answer.read()
        except STALE:
            raise
        except BaseException:
            self._forget()  # a timeout or a half-read answer: the connection is unusable
            raise
        if answer.will_close:
            self._forget()
        else:
            self._local.used_at = time.monotonic()
        charset = answer.headers.get_content_charset() or "utf-8"
        content: Any = (
            raw
            if answer.headers.get_content_type() == "application/gzip"
            else (raw.decode(charset))
        )
        return {"status": answer.status, "headers": answer.headers, "body": content}

    def _connection(self, scheme: str, netloc: str) -> tuple[http.client.HTTPConnection, bool]:
        local = self._local
        existing: http.client.HTTPConnection | None = getattr(local, "connection", None)
        if existing is not None and getattr(local, "netloc", None) == netloc:
            if time.monotonic() - getattr(local, "used_at", 0.0) < IDLE_LIMIT:
                return existing, True
            self._forget()
        elif existing is not None:
            self._forget()
        connection: http.client.HTTPConnection
        if scheme == "https":
            connection = http.client.HTTPSConnection(netloc, timeout=self.timeout, context=self.ssl)
        else:
            connection = http.client.HTTPConnection(netloc, timeout=self.timeout)
        local.connection, local.netloc = connection, netloc
        return connection, False

    def _forget(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.close()
