"""SlackDriver: sends the bot what Slack sends it, signed, over real HTTP, and shows the result.

Like Slack, it gives the bot 3 seconds to answer, shows a slash command's reply to the person
who typed it, and carries out a view submission's ``response_action``.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import http.client
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from .elements import SubmissionRefused, action, find_element, view_state
from .errors import SlackError
from .fake import FakeSlack
from .methods.views import checked_view, close_view, push_view, replace_view
from .model import Ephemeral, Message
from .responses import apply_command_reply

ACK_DEADLINE = 3.0


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


class SlackDriver:
    def __init__(
        self, bot_url: str, signing_secret: str, slack: FakeSlack, *, timeout: float = 30.0
    ) -> None:
        parts = urlsplit(bot_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path or "/"
        self.signing_secret = signing_secret
        self.slack = slack
        self.timeout = timeout
        self._local = threading.local()

    # -- transport -------------------------------------------------------------------------
    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """Slack's v0 signature headers (the timestamp is wall-clock time, as Slack's is)."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        base = b"v0:" + stamp.encode() + b":" + body
        digest = hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()
        return {"X-Slack-Signature": f"v0={digest}", "X-Slack-Request-Timestamp": stamp}

    def post_raw(self, body: bytes, headers: dict[str, str]) -> DriverResponse:
        """POST exactly these bytes and headers to the bot (forged or replayed requests)."""
        for attempt in (1, 2):
            connection, fresh = self._connection()
            started = time.monotonic()
            try:
                connection.request("POST", self.path, body=body, headers=headers)
                answer = connection.getresponse()
                text = answer.read().decode("utf-8", "replace")
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                connection.close()
                self._local.connection = None
                if fresh or attempt == 2:  # a kept-alive connection the bot closed: retry once
                    raise
                continue
            if answer.getheader("Connection", "").lower() == "close":
                connection.close()
                self._local.connection = None
            elapsed = time.monotonic() - started
            return DriverResponse(answer.status, dict(answer.getheaders()), text, elapsed)
        raise AssertionError("unreachable")

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        existing = getattr(self._local, "connection", None)
        if existing is not None:
            return existing, False
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self._local.connection = connection
        return connection, True

    def _send(
        self, body: bytes, content_type: str, extra: dict[str, str] | None = None
    ) -> DriverResponse:
        headers = {"Content-Type": content_type, **self.sign(body), **(extra or {})}
        return self.post_raw(body, headers)

    def _send_payload(self, payload: dict[str, Any]) -> DriverResponse:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        response = self._send(body, "application/x-www-form-urlencoded")
        response.payload = payload
        _check_ack(response)
        return response

    # -- who and where ---------------------------------------------------------------------
    def _ws(self) -> Any:
        return self.slack.workspace

    def _user(self, user_id: str) -> dict[str, Any]:
        ws = self._ws()
        name = ws.name_of(user_id)
        return {"id": user_id, "username": name, "name": name, "team_id": ws.team_id}

    def _team(self) -> dict[str, Any]:
        return {"id": self._ws().team_id, "domain": self._ws().domain}

    def _channel_name(self, channel_id: str | None) -> str:
        channel = self._ws().channels.get(channel_id or "")
        if channel is None:
            return "unknown"
        return "directmessage" if channel.is_im else channel.name

    def _base(self, kind: str, user_id: str, trigger: str) -> dict[str, Any]:
        ws = self._ws()
        return {
            "type": kind,
            "token": "unused-verification-token",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": ws.app_id,
            "enterprise": None,
            "is_enterprise_install": False,
            "trigger_id": trigger,
        }

    # -- slash commands --------------------------------------------------------------------
    def slash(
        self, command: str, text: str = "", *, user_id: str, channel_id: str
    ) -> DriverResponse:
        ws = self._ws()
        fields = {
            "token": "unused-verification-token",
            "team_id": ws.team_id,
            "team_domain": ws.domain,
            "channel_id": channel_id,
            "channel_name": self._channel_name(channel_id),
            "user_id": user_id,
            "user_name": ws.name_of(user_id),
            "command": command,
            "text": text,
            "api_app_id": ws.app_id,
            "is_enterprise_install": "false",
            "response_url": self.slack.issue_response_url(user_id, channel_id),
            "trigger_id": self.slack.issue_trigger(user_id),
        }
        response = self._send(urlencode(fields).encode(), "application/x-www-form-urlencoded")
        response.payload = fields
        if _check_ack(response):
            content_type = response.headers.get("Content-Type", "")
            problem = apply_command_reply(ws, user_id, channel_id, content_type, response.text)
            if problem:
                response.problems.append(problem)
        return response

    # -- interactivity ---------------------------------------------------------------------
    def block_action(
        self,
        user_id: str,
        action_id: str,
        value: Any = None,
        selected_option: Any = None,
        block_id: str | None = None,
        view_id: str | None = None,
        message: Message | Ephemeral | dict[str, Any] | None = None,
        channel_id: str | None = None,
        extra_action: dict[str, Any] | None = None,
        state: dict[str, dict[str, Any]] | None = None,
    ) -> DriverResponse:
        """A click (or choice) on an element of a stored view or message."""
        ws = self._ws()
        action_ts = ws.new_ts()
        payload: dict[str, Any]
        if view_id is not None:
            with ws.lock:
                view = copy.deepcopy(ws.views[view_id])
                if state is not None:
                    ws.views[view_id]["state"] = view["state"] = {"values": copy.deepcopy(state)}
            found_block, element = find_element(view.get("blocks", []), action_id, block_id)
            payload = self._base(
                "block_actions", user_id, self.slack.issue_trigger(user_id, view_id)
            )
            payload.update(container={"type": "view", "view_id": view_id}, view=view)
        elif message is not None:
            payload, blocks = self._message_context(user_id, message, channel_id)
            found_block, element = find_element(blocks, action_id, block_id)
            payload["state"] = {"values": state or {}}
        else:
            found_block, element = block_id or "", {"type": "button", "action_id": action_id}
            payload = self._base("block_actions", user_id, self.slack.issue_trigger(user_id))
            if channel_id:
                payload["channel"] = {"id": channel_id, "name": self._channel_name(channel_id)}
                payload["response_url"] = self.slack.issue_response_url(user_id, channel_id)
        item = action(found_block, element, value, selected_option, action_ts)
        payload["actions"] = [{**item, **(extra_action or {})}]
        return self._send_payload(payload)

    def _message_context(
        self, user_id: str, message: Message | Ephemeral | dict[str, Any], channel_id: str | None
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        payload = self._base("block_actions", user_id, self.slack.issue_trigger(user_id))
        if isinstance(message, Ephemeral):
            channel = message.channel
            payload["container"] = {
                "type": "message",
                "message_ts": message.ts,
                "channel_id": channel,
                "is_ephemeral": True,
            }
            url = self.slack.issue_response_url(user_id, channel, ephemeral=message)
            blocks = message.blocks or []
        else:
            data = message.to_dict() if isinstance(message, Message) else dict(message)
            channel = channel_id or (message.channel if isinstance(message, Message) else "")
            if not channel:
                raise ValueError("a message dict needs channel_id")
            payload["container"] = {
                "type": "message",
                "message_ts": data["ts"],
                "channel_id": channel,
                "is_ephemeral": False,
            }
            payload["message"] = data
            url = self.slack.issue_response_url(user_id, channel, message_ts=data["ts"])
            blocks = data.get("blocks") or []
        payload["channel"] = {"id": channel, "name": self._channel_name(channel)}
        payload["response_url"] = url
        return payload, blocks

    def submit_view(
        self,
        view_id: str,
        user_id: str,
        values: dict[str, dict[str, Any]] | None = None,
        *,
        allow_closed: bool = False,
    ) -> DriverResponse:
        """Press Submit on the user's top modal; ``values`` by block_id and action_id.

        A value may be Slack's full state dict or just what was typed or chosen. Inputs left
        out keep their initial values; a required input left empty is refused, as in Slack.
        """
        ws = self._ws()
        with ws.lock:
            if not allow_closed and self.slack.view_stack(user_id)[-1:] != [view_id]:
                raise SubmissionRefused(f"view {view_id} is not the open modal of {user_id}")
            view = copy.deepcopy(ws.views[view_id])
            view["state"] = {"values": view_state(view, values or {})}
            ws.views[view_id]["state"] = copy.deepcopy(view["state"])
        payload = self._base("view_submission", user_id, self.slack.issue_trigger(user_id, view_id))
        payload.update(view=view, response_urls=[])
        response = self._send_payload(payload)
        if response.status == 200 and not response.problems:
            self._apply_response_action(response, view, user_id)
        return response

    def _apply_response_action(
        self, response: DriverResponse, view: dict[str, Any], user_id: str
    ) -> None:
        ws = self._ws()
        try:
            answer = response.json() or {}
        except ValueError:
            response.problems.append("invalid response: not JSON")
            return
        kind = answer.get("response_action")
        with ws.lock:
            try:
                if kind is None:
                    close_view(ws, user_id, view["id"])
                elif kind == "clear":
                    close_view(ws, user_id, view["id"], everything=True)
                elif kind == "update":
                    replace_view(ws, view["id"], answer.get("view"))
                elif kind == "push":
                    push_view(ws, user_id, checked_view(answer.get("view"), "modal"))
                elif kind == "errors":
                    response.view_errors = dict(answer.get("errors") or {})
                    _check_errors(view, response)
                else:
                    response.problems.append(f"unknown response_action {kind!r}")
            except SlackError as error:
                messages = error.extra.get("response_metadata", {}).get("messages", [])
                response.problems.append(" ".join([error.error, *messages]))

    def close_view(self, view_id: str, user_id: str) -> DriverResponse | None:
        """Press Cancel; the bot hears of it only when the view asked (notify_on_close)."""
        ws = self._ws()
        with ws.lock:
            view = copy.deepcopy(ws.views[view_id])
            close_view(ws, user_id, view_id)
        if not view.get("notify_on_close"):
            return None
        payload = self._base("view_closed", user_id, "")
        payload.pop("trigger_id")
        payload.update(view=view, is_cleared=False)
        return self._send_payload(payload)

    def shortcut(self, callback_id: str, user_id: str) -> DriverResponse:
        """A global shortcut from the lightning menu."""
        payload = self._base("shortcut", user_id, self.slack.issue_trigger(user_id))
        payload.update(callback_id=callback_id, action_ts=self._ws().new_ts())
        return self._send_payload(payload)

    def message_action(
        self,
        callback_id: str,
        user_id: str,
        message: Message | dict[str, Any],
        channel_id: str | None = None,
    ) -> DriverResponse:
        """A message shortcut on ``message``."""
        data = message.to_dict() if isinstance(message, Message) else dict(message)
        channel = channel_id or (message.channel if isinstance(message, Message) else "")
        payload = self._base("message_action", user_id, self.slack.issue_trigger(user_id))
        payload.update(
            callback_id=callback_id,
            action_ts=self._ws().new_ts(),
            message_ts=data["ts"],
            message=data,
            channel={"id": channel, "name": self._channel_name(channel)},
            response_url=self.slack.issue_response_url(user_id, channel, message_ts=data["ts"]),
        )
        return self._send_payload(payload)

    # -- Events API ------------------------------------------------------------------------
    def event(
        self,
        event: dict[str, Any],
        retry_num: int | None = None,
        *,
        retry_reason: str = "http_timeout",
        event_id: str | None = None,
    ) -> DriverResponse:
        """An ``event_callback``; pass the same ``event_id`` and a ``retry_num`` for a retry."""
        ws = self._ws()
        now = ws.now()
        inner = {"event_ts": ws.new_ts(), **event}
        envelope = {
            "token": "unused-verification-token",
            "team_id": ws.team_id,
            "api_app_id": ws.app_id,
            "event": inner,
            "type": "event_callback",
            "event_id": event_id or ws.ids.new("Ev"),
            "event_time": int(now),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": ws.team_id,
                    "user_id": ws.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{ws.ids.new('')}",
        }
        extra = {}
        if retry_num is not None:
            extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        response = self._send(json.dumps(envelope).encode(), "application/json", extra)
        response.payload = envelope
        _check_ack(response)
        return response

    def url_verification(self, challenge: str = "fake-challenge") -> DriverResponse:
        body = {
            "token": "unused-verification-token",
            "challenge": challenge,
            "type": "url_verification",
        }
        response = self._send(json.dumps(body).encode(), "application/json")
        response.payload = body
        return response


def _check_ack(response: DriverResponse) -> bool:
    """Slack gives up after 3 seconds and on any status but 200; True when the ack counts."""
    if response.elapsed > ACK_DEADLINE:
        response.problems.append("operation_timeout")
        return False
    if response.status != 200:
        response.problems.append(f"http_error_{response.status}")
        return False
    return True


def _check_errors(view: dict[str, Any], response: DriverResponse) -> None:
    inputs = {
        block.get("block_id") for block in view.get("blocks", []) if block.get("type") == "input"
    }
    for block_id in response.view_errors or {}:
        if block_id not in inputs:
            response.problems.append(f"errors names {block_id!r}, which is not an input block")
