"""One Web API call from request to reply: auth, injected faults, scopes, the method, the log."""

from __future__ import annotations

import contextlib
import json
import sys
import time
import traceback
from collections.abc import Mapping
from email.message import Message
from typing import Any, TypeAlias

from .errors import SlackError
from .faults import Faults, Reply, json_reply
from .methods import METHODS
from .methods.conversations import list_kinds
from .model import Call
from .params import Params, parse_body
from .scopes import needed_scopes
from .workspace import Workspace

# A request's headers, as http.server has them.
Headers: TypeAlias = "Mapping[str, str] | Message[str, str]"

JSON_ARGUMENTS = ("blocks", "view", "attachments", "files", "metadata")
# The app-level token the local Slack accepts for Socket Mode.
APP_TOKEN = "xapp-1-A0FAKEAPP01-1000000000001-fakeapplevel0token"
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
DROPPED = Reply(0, b"", drop=True, error="connection_dropped")


def call_api(
    ws: Workspace,
    faults: Faults,
    method: str,
    headers: Headers,
    query: dict[str, Any],
    body: bytes,
) -> Reply:
    at = ws.now()
    try:
        values = {**query, **parse_body(headers.get("Content-Type", ""), body)}
    except SlackError as error:
        return _log(ws, method, {}, at, json_reply(error.body(), error.status))
    token = _bearer(headers) or values.get("token")
    values.pop("token", None)
    recorded = _readable(values)
    handler = METHODS.get(method)
    if handler is None:
        return _log(
            ws, method, recorded, at, json_reply({"ok": False, "error": "unknown_method"}, 404)
        )
    if not token:
        return _log(ws, method, recorded, at, json_reply({"ok": False, "error": "not_authed"}))
    refusal = _token_refusal(ws, method, token)
    if refusal:
        return _log(ws, method, recorded, at, json_reply({"ok": False, "error": refusal}))

    pause = faults.delay(method)
    if pause:
        time.sleep(pause)
    fault = faults.take(method, recorded)
    if fault is not None and not fault.after_effect:
        return _log(ws, method, recorded, at, fault.reply())
    hold = faults.holds.take(method, recorded)
    if hold is not None and not hold.after_effect and not hold.block():
        return _log(ws, method, recorded, at, DROPPED)

    params = Params(values)
    with ws.lock:
        needed: set[str] = set()
        try:
            needed = _check_scopes(ws, method, params)
            reply = json_reply({"ok": True, **handler(ws, params)})
        except SlackError as error:
            reply = json_reply(error.body(), error.status)
        except Exception:  # a bug in the fake itself: make it loud, answer like a Slack outage
            traceback.print_exc(file=sys.stderr)
            reply = json_reply({"ok": False, "error": "fatal_error"}, 500)
        reply.headers = {
            **(reply.headers or {}),
            "x-oauth-scopes": ",".join(sorted(ws.scopes)),
            "x-accepted-oauth-scopes": ",".join(sorted(needed)),
        }
        if fault is not None:
            reply = fault.reply()
        _log(ws, method, recorded, at, reply)
    if hold is not None and hold.after_effect and not hold.block():
        return DROPPED  # the work is done; the client never hears of it
    return reply


def _token_refusal(ws: Workspace, method: str, token: str) -> str | None:
    """Slack's answer to the wrong kind of token: app-level tokens open Socket Mode links
    and nothing else; the bot token cannot open them."""
    known = {ws.bot_token, ws.app_token} - {""}
    if token not in known:
        return "invalid_auth"
    wanted = ws.app_token if method in APP_TOKEN_METHODS else ws.bot_token
    return None if token == wanted else "not_allowed_token_type"


def _bearer(headers: Headers) -> str | None:
    value = headers.get("Authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _readable(values: dict[str, Any]) -> dict[str, Any]:
    """The arguments as a test wants to read them: JSON strings decoded."""
    readable = dict(values)
    for name in JSON_ARGUMENTS:
        value = readable.get(name)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                readable[name] = json.loads(value)
    return readable


def _check_scopes(ws: Workspace, method: str, p: Params) -> set[str]:
    kinds = _conversation_kinds(ws, method, p)
    needed = needed_scopes(method, kinds)
    if not needed:
        return needed
    granted = needed & ws.scopes
    satisfied = bool(granted) if kinds is None else granted == needed
    if not satisfied:
        raise SlackError(
            "missing_scope",
            needed=",".join(sorted(needed - ws.scopes)),
            provided=",".join(sorted(ws.scopes)),
        )
    return needed


def _conversation_kinds(ws: Workspace, method: str, p: Params) -> set[str] | None:
    if method == "conversations.create":
        return {"private" if p.flag("is_private") else "public"}
    if method == "conversations.list":
        return list_kinds(p)
    if method == "conversations.open":
        return {"mpim" if len(p.ids("users")) > 1 else "im"}
    channel = ws.channels.get(p.text("channel") or "")
    return {channel.kind} if channel else None


def _log(ws: Workspace, method: str, params: dict[str, Any], at: float, reply: Reply) -> Reply:
    with ws.lock:
        ws.calls.append(Call(method, params, reply.ok, reply.error, reply.status, at))
    return reply
