"""SlackDriver: sends the bot what Slack sends it, signed, over real HTTP, and shows the result.

Like Slack, it gives the bot 3 seconds to answer, shows a slash command's reply to the person
who typed it, and carries out a view submission's ``response_action``.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import urlencode

from .elements import SubmissionRefused, action, find_element, live_state, view_state
from .fake import FakeSlack
from .methods.views import close_view
from .model import Ephemeral, Message
from .responses import apply_command_reply
from .submissions import apply_response_action
from .transport import BotConnection, DriverResponse
from .workspace import Workspace


class SlackDriver:
    def __init__(
        self, bot_url: str, signing_secret: str, slack: FakeSlack, *, timeout: float = 30.0
    ) -> None:
        self.slack = slack
        self._bot = BotConnection(bot_url, signing_secret, timeout)

    # -- transport -------------------------------------------------------------------------
    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """Slack's v0 signature headers (the timestamp is wall-clock time, as Slack's is)."""
        return self._bot.sign(body, timestamp)

    def post_raw(self, body: bytes, headers: dict[str, str]) -> DriverResponse:
        """POST exactly these bytes and headers to the bot (forged or replayed requests)."""
        return self._bot.post(body, headers)

    def _send(
        self, body: bytes, content_type: str, extra: dict[str, str] | None = None
    ) -> DriverResponse:
        return self._bot.send(body, content_type, extra)

    def _send_payload(self, payload: dict[str, Any]) -> DriverResponse:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        response = self._send(body, "application/x-www-form-urlencoded")
        response.payload = payload
        response.acknowledged()
        return response

    # -- who and where ---------------------------------------------------------------------
    def _ws(self) -> Workspace:
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
        fields = self.slash_payload(command, text, user_id=user_id, channel_id=channel_id)
        response = self._send_command(fields)
        if response.acknowledged():
            content_type = response.headers.get("Content-Type", "")
            problem = apply_command_reply(
                self._ws(), user_id, channel_id, content_type, response.text
            )
            if problem:
                response.problems.append(problem)
        return response

    def slash_payload(
        self, command: str, text: str = "", *, user_id: str, channel_id: str
    ) -> dict[str, str]:
        """The fields Slack sends for a slash command (a fresh trigger and response URL)."""
        ws = self._ws()
        return {
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

    def _send_command(self, fields: dict[str, str]) -> DriverResponse:
        response = self._send(urlencode(fields).encode(), "application/x-www-form-urlencoded")
        response.payload = fields
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
        return self._send_payload(
            self.block_action_payload(
                user_id,
                action_id,
                value,
                selected_option,
                block_id,
                view_id,
                message,
                channel_id,
                extra_action,
                state,
            )
        )

    def block_action_payload(
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
    ) -> dict[str, Any]:
        """The ``block_actions`` payload of that click (a view's state is updated now)."""
        ws = self._ws()
        action_ts = ws.new_ts()
        payload: dict[str, Any]
        if view_id is not None:
            with ws.lock:
                view = copy.deepcopy(ws.views[view_id])
                found_block, element = find_element(view.get("blocks", []), action_id, block_id)
                if state is None:  # what the person now sees, this choice included
                    picked = selected_option if selected_option is not None else value
                    state = live_state(view, found_block, element, picked)
                ws.views[view_id]["state"] = view["state"] = {"values": copy.deepcopy(state)}
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
        return payload

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
        payload = self.view_submission_payload(view_id, user_id, values, allow_closed=allow_closed)
        response = self._send_payload(payload)
        if response.status == 200 and not response.problems:
            apply_response_action(self._ws(), response, payload["view"], user_id)
        return response

    def view_submission_payload(
        self,
        view_id: str,
        user_id: str,
        values: dict[str, dict[str, Any]] | None = None,
        *,
        allow_closed: bool = False,
    ) -> dict[str, Any]:
        """The ``view_submission`` payload of pressing Submit (the view's state is stored)."""
        ws = self._ws()
        with ws.lock:
            if not allow_closed and self.slack.view_stack(user_id)[-1:] != [view_id]:
                raise SubmissionRefused(f"view {view_id} is not the open modal of {user_id}")
            view = copy.deepcopy(ws.views[view_id])
            view["state"] = {"values": view_state(view, values or {})}
            ws.views[view_id]["state"] = copy.deepcopy(view["state"])
        payload = self._base("view_submission", user_id, self.slack.issue_trigger(user_id, view_id))
        payload.update(view=view, response_urls=[])
        return payload

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
        envelope = self.event_payload(event, event_id=event_id)
        return self._send_event(envelope, retry_num, retry_reason)

    def event_payload(
        self, event: dict[str, Any], *, event_id: str | None = None
    ) -> dict[str, Any]:
        """The ``event_callback`` body Slack sends for ``event``."""
        ws = self._ws()
        now = ws.now()
        inner = {"event_ts": ws.new_ts(), **event}
        return {
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

    def _send_event(
        self, envelope: dict[str, Any], retry_num: int | None, retry_reason: str
    ) -> DriverResponse:
        extra = {}
        if retry_num is not None:
            extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        response = self._send(json.dumps(envelope).encode(), "application/json", extra)
        response.payload = envelope
        response.acknowledged()
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
