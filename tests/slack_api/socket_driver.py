"""SocketModeDriver: the same gestures as ``SlackDriver``, delivered as Socket Mode envelopes.

Payloads are built by ``SlackDriver``; only the transport differs: each one is pushed on the
app's websocket and the answer is its ack, which Slack treats as it treats an HTTP reply
(a slash command's text, a view submission's ``response_action``).
"""

from __future__ import annotations

import json
from typing import Any

from .driver import SlackDriver
from .fake import FakeSlack
from .socket_mode import Ack, Envelope
from .transport import DriverResponse


class SocketModeDriver(SlackDriver):
    def __init__(self, slack: FakeSlack, *, timeout: float = 10.0) -> None:
        self.slack = slack
        self.timeout = timeout
        self.sent: list[Envelope] = []  # first deliveries, for redelivery

    def _send(
        self, body: bytes, content_type: str, extra: dict[str, str] | None = None
    ) -> DriverResponse:
        raise TypeError("a Socket Mode app receives envelopes, not HTTP requests")

    def _send_command(self, fields: dict[str, str]) -> DriverResponse:
        return self._deliver("slash_commands", fields)

    def _send_payload(self, payload: dict[str, Any]) -> DriverResponse:
        response = self._deliver("interactive", payload)
        response.acknowledged()
        return response

    def _send_event(
        self, envelope: dict[str, Any], retry_num: int | None, retry_reason: str
    ) -> DriverResponse:
        response = self._deliver(
            "events_api", envelope, retry_attempt=retry_num or 0, retry_reason=retry_reason
        )
        response.acknowledged()
        return response

    def _deliver(self, kind: str, payload: dict[str, Any], **retry: Any) -> DriverResponse:
        envelope = self.slack.socket_mode.push(kind, payload, **retry)
        self.sent.append(envelope)
        response = as_response(self.slack.socket_mode.wait_ack(envelope, self.timeout))
        response.payload = payload
        return response

    def redeliver(
        self, envelope: Envelope, retry_attempt: int, retry_reason: str = "timeout"
    ) -> Ack:
        """Slack's redelivery of an envelope whose ack it did not get in time."""
        again = self.slack.socket_mode.redeliver(envelope, retry_attempt, retry_reason)
        return self.slack.socket_mode.wait_ack(again, self.timeout)


def as_response(ack: Ack) -> DriverResponse:
    """An ack as the HTTP reply it stands for: its payload is the body."""
    if ack.payload is None:
        return DriverResponse(200, {}, "", ack.elapsed or 0.0)
    headers = {"Content-Type": "application/json"}
    return DriverResponse(200, headers, json.dumps(ack.payload), ack.elapsed or 0.0)
