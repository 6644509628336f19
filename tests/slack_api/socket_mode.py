"""Socket Mode as Slack serves it: a websocket the app opens with a ticket from
``apps.connections.open``, over which Slack pushes envelopes and the app acknowledges them.

The test pushes envelopes (``push``), redelivers them as Slack does when an ack is late
(``redeliver``), reads the acknowledgements with their timing (``acks``, ``wait_ack``), and
asks the app to reconnect (``disconnect``) or loses the connection (``drop``).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from .api import APP_TOKEN

ENVELOPE_TYPES = ("slash_commands", "interactive", "events_api")
# Interactions whose ack may carry a reply (a modal's response_action, a slash command's text).
RESPONSE_PAYLOAD_INTERACTIONS = ("view_submission", "block_suggestion")
DEFAULT_WAIT = 10.0


@dataclass
class Link:
    """One websocket connection from the app."""

    number: int
    opened_at: float  # time.monotonic()
    connection: ServerConnection = field(repr=False)
    closed_at: float | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass
class Envelope:
    """One delivery of an envelope; a redelivery is another ``Envelope`` with the same id."""

    envelope_id: str
    type: str
    payload: dict[str, Any]
    accepts_response_payload: bool
    retry_attempt: int
    retry_reason: str
    link: int
    sent_at: float  # time.monotonic()

    def message(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "envelope_id": self.envelope_id,
            "type": self.type,
            "payload": self.payload,
            "accepts_response_payload": self.accepts_response_payload,
        }
        if self.type == "events_api" or self.retry_attempt:
            body.update(retry_attempt=self.retry_attempt, retry_reason=self.retry_reason)
        return body


@dataclass
class Ack:
    envelope_id: str
    payload: dict[str, Any] | None
    link: int
    received_at: float  # time.monotonic()
    elapsed: float | None  # since the delivery it answers; None if nothing was waiting for it
    delivery: Envelope | None = field(default=None, repr=False)


class SocketModeServer:
    """The websocket endpoint, started on first use; thread-safe."""

    def __init__(self, app_id: str, app_token: str = APP_TOKEN) -> None:
        self.app_id = app_id
        self.app_token = app_token
        self._lock = threading.Condition()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._tickets: set[str] = set()
        self._links: list[Link] = []
        self._envelopes: list[Envelope] = []
        self._acks: list[Ack] = []
        self._unanswered: list[Envelope] = []
        self._numbers = itertools.count(1)
        self.refused_tickets = 0

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> SocketModeServer:
        with self._lock:
            if self._server is None:
                self._server = serve(
                    self._serve,
                    "127.0.0.1",
                    0,
                    process_request=self._check_ticket,
                    compression=None,
                    ping_interval=None,  # the app pings; Slack answers
                )
                self._thread = threading.Thread(
                    target=self._server.serve_forever, daemon=True, name="fake-socket-mode"
                )
                self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is not None:
            server.shutdown()
        if thread is not None:
            thread.join(timeout=5)

    def reset(self) -> None:
        """Close every connection and forget envelopes, acks and tickets."""
        for link in self.links:
            if link.is_open:
                with contextlib.suppress(Exception):
                    link.connection.close()
        with self._lock:
            self._links.clear()
            self._tickets.clear()
            self._envelopes.clear()
            self._acks.clear()
            self._unanswered.clear()
            self.refused_tickets = 0

    @property
    def port(self) -> int:
        self.start()
        assert self._server is not None
        return int(self._server.socket.getsockname()[1])

    def issue_url(self) -> str:
        """What ``apps.connections.open`` answers: a single-use link to the websocket."""
        ticket = secrets.token_hex(16)
        with self._lock:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    # -- the connection --------------------------------------------------------------------
    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        ticket = (parse_qs(url.query).get("ticket") or [""])[0]
        with self._lock:
            if url.path.rstrip("/") == "/link" and ticket in self._tickets:
                self._tickets.discard(ticket)
                return None
            self.refused_tickets += 1
        return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or used ticket\n")

    def _serve(self, connection: ServerConnection) -> None:
        with self._lock:
            link = Link(next(self._numbers), time.monotonic(), connection)
            open_now = sum(1 for known in self._links if known.is_open) + 1
        hello = {
            "type": "hello",
            "num_connections": open_now,
            "debug_info": {
                "host": "applink-fake",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }
        try:
            connection.send(json.dumps(hello))
            with self._lock:  # listed only once hello is on its way, so pushes follow it
                self._links.append(link)
                self._lock.notify_all()
            for message in connection:
                self._receive(link, message)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                link.closed_at = time.monotonic()
                self._lock.notify_all()

    def _receive(self, link: Link, message: str | bytes) -> None:
        received_at = time.monotonic()
        try:
            body = json.loads(message)
        except ValueError:
            return
        if not isinstance(body, dict) or "envelope_id" not in body:
            return
        envelope_id = str(body["envelope_id"])
        with self._lock:
            answered = next((e for e in self._unanswered if e.envelope_id == envelope_id), None)
            if answered is not None:
                self._unanswered.remove(answered)
            elapsed = received_at - answered.sent_at if answered else None
            payload = body.get("payload")
            self._acks.append(
                Ack(envelope_id, payload, link.number, received_at, elapsed, answered)
            )
            self._lock.notify_all()

    def _current_link(self, timeout: float) -> Link:
        with self._lock:
            ready = self._lock.wait_for(lambda: self._open_links(), timeout)
            if not ready:
                raise AssertionError("no Socket Mode connection is open")
            return self._open_links()[-1]

    def _open_links(self) -> list[Link]:
        return [link for link in self._links if link.is_open]

    # -- what the test does ----------------------------------------------------------------
    def push(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        envelope_id: str | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        accepts_response_payload: bool | None = None,
        timeout: float = DEFAULT_WAIT,
    ) -> Envelope:
        """Send an envelope on the newest open connection (waiting for one) and return it."""
        if kind not in ENVELOPE_TYPES:
            raise ValueError(f"unknown envelope type {kind!r}")
        if accepts_response_payload is None:
            accepts_response_payload = kind == "slash_commands" or (
                kind == "interactive" and payload.get("type") in RESPONSE_PAYLOAD_INTERACTIONS
            )
        link = self._current_link(timeout)
        envelope = Envelope(
            envelope_id or _envelope_id(),
            kind,
            payload,
            accepts_response_payload,
            retry_attempt,
            retry_reason,
            link.number,
            0.0,
        )
        text = json.dumps(envelope.message())
        with self._lock:
            envelope.sent_at = time.monotonic()
            self._envelopes.append(envelope)
            self._unanswered.append(envelope)
        link.connection.send(text)
        return envelope

    def redeliver(
        self, envelope: Envelope, retry_attempt: int, retry_reason: str = "timeout"
    ) -> Envelope:
        """The same envelope again, as Slack sends it when the ack came late or not at all."""
        return self.push(
            envelope.type,
            envelope.payload,
            envelope_id=envelope.envelope_id,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
            accepts_response_payload=envelope.accepts_response_payload,
        )

    def wait_ack(self, envelope: Envelope, timeout: float = DEFAULT_WAIT) -> Ack:
        """The ack answering this delivery (not an earlier or later one of the same id)."""
        with self._lock:
            found = self._lock.wait_for(
                lambda: next((a for a in self._acks if a.delivery is envelope), None), timeout
            )
        if found is None:
            raise AssertionError(f"no ack for envelope {envelope.envelope_id} in {timeout} s")
        return found

    def wait_connected(self, connections: int = 1, timeout: float = DEFAULT_WAIT) -> Link:
        """Wait until the app has opened ``connections`` connections in all, one still open."""

        def ready() -> bool:
            return len(self._links) >= connections and bool(self._open_links())

        with self._lock:
            if not self._lock.wait_for(ready, timeout):
                raise AssertionError(
                    f"{len(self._links)} Socket Mode connection(s) opened, "
                    f"{connections} expected, within {timeout} s"
                )
            return self._open_links()[-1]

    def wait_closed(self, link: Link, timeout: float = DEFAULT_WAIT) -> None:
        with self._lock:
            if not self._lock.wait_for(lambda: not link.is_open, timeout):
                raise AssertionError(f"connection {link.number} still open after {timeout} s")

    def disconnect(self, reason: str = "refresh_requested") -> Link:
        """Slack's warning that it will close the newest connection; the app should reconnect."""
        link = self._current_link(DEFAULT_WAIT)
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}
        link.connection.send(json.dumps(message))
        return link

    def drop(self) -> Link:
        """Lose the newest connection without a closing handshake, as a network failure does."""
        link = self._current_link(DEFAULT_WAIT)
        with contextlib.suppress(OSError):
            link.connection.socket.shutdown(socket.SHUT_RDWR)
        return link

    # -- inspection ------------------------------------------------------------------------
    @property
    def links(self) -> list[Link]:
        with self._lock:
            return list(self._links)

    @property
    def envelopes(self) -> list[Envelope]:
        with self._lock:
            return list(self._envelopes)

    @property
    def acks(self) -> list[Ack]:
        with self._lock:
            return list(self._acks)

    @property
    def unanswered(self) -> list[Envelope]:
        """Deliveries not acknowledged yet."""
        with self._lock:
            return list(self._unanswered)


def _envelope_id() -> str:
    raw = secrets.token_hex(16)
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
