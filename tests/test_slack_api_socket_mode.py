"""The local Slack's Socket Mode: tokens, tickets, hello, envelopes, acks, refresh and drop."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.slack_api import FakeSlack


@pytest.fixture
def local_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


def open_link(slack: FakeSlack) -> str:
    web = WebClient(base_url=slack.base_url)
    return web.apps_connections_open(app_token=slack.app_token)["url"]


def test_only_the_app_level_token_opens_a_link(local_slack: FakeSlack) -> None:
    url = open_link(local_slack)
    assert url.startswith(f"ws://127.0.0.1:{local_slack.socket_mode.port}/link/?ticket=")
    web = WebClient(base_url=local_slack.base_url)
    for token, error in (
        (local_slack.bot_token, "not_allowed_token_type"),
        ("xapp-1-A0FAKEAPP01-1-wrong", "invalid_auth"),
    ):
        with pytest.raises(SlackApiError) as refused:
            web.apps_connections_open(app_token=token)
        assert refused.value.response["error"] == error
    with pytest.raises(SlackApiError) as refused:
        WebClient(base_url=local_slack.base_url, token=local_slack.app_token).auth_test()
    assert refused.value.response["error"] == "not_allowed_token_type"


def test_a_ticket_opens_one_connection_which_starts_with_hello(local_slack: FakeSlack) -> None:
    url = open_link(local_slack)
    with connect(url) as websocket:
        hello = json.loads(websocket.recv(timeout=5))
        assert hello["type"] == "hello" and hello["num_connections"] == 1
        assert hello["connection_info"]["app_id"] == local_slack.app_id
        with pytest.raises(InvalidStatus):
            connect(url)
    assert local_slack.socket_mode.refused_tickets == 1


def test_envelopes_go_out_and_acks_come_back_timed(local_slack: FakeSlack) -> None:
    socket_mode = local_slack.socket_mode
    with connect(open_link(local_slack)) as websocket:
        websocket.recv(timeout=5)  # hello
        command = socket_mode.push("slash_commands", {"command": "/disclose"})
        event = socket_mode.push("events_api", {"event": {"type": "reaction_added"}})
        first, second = (json.loads(websocket.recv(timeout=5)) for _ in range(2))
        assert first == {
            "envelope_id": command.envelope_id,
            "type": "slash_commands",
            "payload": {"command": "/disclose"},
            "accepts_response_payload": True,
        }
        assert second["retry_attempt"] == 0 and second["accepts_response_payload"] is False
        time.sleep(0.05)
        websocket.send(json.dumps({"envelope_id": command.envelope_id, "payload": {"text": "ok"}}))
        ack = socket_mode.wait_ack(command)
        assert ack.payload == {"text": "ok"} and 0.05 <= (ack.elapsed or 0) < 1
        assert socket_mode.unanswered == [event]

        again = socket_mode.redeliver(event, 2)
        redelivered = json.loads(websocket.recv(timeout=5))
        assert redelivered["envelope_id"] == event.envelope_id
        assert (redelivered["retry_attempt"], redelivered["retry_reason"]) == (2, "timeout")
        websocket.send(json.dumps({"envelope_id": event.envelope_id}))
        assert socket_mode.wait_ack(event).payload is None  # answers the first delivery
        websocket.send(json.dumps({"envelope_id": event.envelope_id}))
        assert socket_mode.wait_ack(again).delivery is again


def test_disconnect_asks_and_drop_closes(local_slack: FakeSlack) -> None:
    socket_mode = local_slack.socket_mode
    with connect(open_link(local_slack)) as websocket:
        websocket.recv(timeout=5)
        socket_mode.disconnect()
        assert json.loads(websocket.recv(timeout=5))["type"] == "disconnect"
        link = socket_mode.drop()
        socket_mode.wait_closed(link)
    with pytest.raises(AssertionError, match="no Socket Mode connection"):
        socket_mode.push("events_api", {}, timeout=0.1)


def test_slack_sdk_reconnects_after_a_refresh_and_after_a_drop(local_slack: FakeSlack) -> None:
    """slack_sdk's builtin client notices a drop only through failed pings: five of them."""
    socket_mode = local_slack.socket_mode
    client = SocketModeClient(
        app_token=local_slack.app_token,
        web_client=WebClient(base_url=local_slack.base_url),
        ping_interval=0.5,
    )

    def answer(client: SocketModeClient, request: SocketModeRequest) -> None:
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))

    client.socket_mode_request_listeners.append(answer)
    try:
        client.connect()
        first = socket_mode.wait_connected()
        socket_mode.disconnect()
        socket_mode.wait_connected(connections=2)
        socket_mode.wait_closed(first)
        socket_mode.drop()
        socket_mode.wait_connected(connections=3, timeout=20)
        envelope = socket_mode.push("events_api", {"event": {"type": "app_mention"}})
        assert socket_mode.wait_ack(envelope).link == 3
    finally:
        client.close()
