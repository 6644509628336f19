"""Messages that come back through a ``response_url`` or in a slash command's HTTP reply."""

from __future__ import annotations

import json
from typing import Any

from .blockkit import validate_message_blocks
from .faults import Reply
from .ids import secret_token
from .methods.chat import remove_message
from .model import Call, Channel, Ephemeral, ResponseUrl
from .workspace import TEXT_MAX, Workspace

RESPONSE_URL_USES = 5
RESPONSE_URL_LIFETIME = 30 * 60.0


def issue_response_url(
    ws: Workspace,
    user_id: str,
    channel_id: str | None,
    *,
    message_ts: str | None = None,
    ephemeral: Ephemeral | None = None,
) -> str:
    with ws.lock:
        hook = ResponseUrl(secret_token(), user_id, channel_id, ws.now(), message_ts, ephemeral)
        ws.response_urls[hook.token] = hook
    return f"{ws.base_url}/response/{hook.token}"


def _text_reply(status: int, text: str) -> Reply:
    return Reply(
        status,
        text.encode(),
        "text/html; charset=utf-8",
        ok=status == 200,
        error=None if status == 200 else text,
    )


def post_to_response_url(ws: Workspace, token: str, body: bytes) -> Reply:
    with ws.lock:
        reply = _respond(ws, token, body)
        try:
            params = json.loads(body) if body else {}
        except ValueError:
            params = {"raw": body.decode("utf-8", "replace")}
        ws.calls.append(Call("response_url", params, reply.ok, reply.error, reply.status, ws.now()))
        return reply


def _respond(ws: Workspace, token: str, body: bytes) -> Reply:
    hook = ws.response_urls.get(token)
    if hook is None:
        return _text_reply(404, "invalid_token")
    if ws.now() - hook.issued_at > RESPONSE_URL_LIFETIME:
        return _text_reply(404, "expired_url")
    if hook.uses >= RESPONSE_URL_USES:
        return _text_reply(404, "used_url")
    try:
        payload = json.loads(body)
    except ValueError:
        return _text_reply(400, "invalid_payload")
    if not isinstance(payload, dict):
        return _text_reply(400, "invalid_payload")
    hook.uses += 1
    problem = apply_message_reply(ws, hook, payload, source="response_url")
    return _text_reply(400, problem) if problem else _text_reply(200, "ok")


def apply_message_reply(
    ws: Workspace, hook: ResponseUrl, payload: dict[str, Any], *, source: str
) -> str | None:
    """Show a reply as Slack would; the problem Slack would answer with, or None."""
    text = payload.get("text")
    blocks = payload.get("blocks")
    if blocks is not None and (not isinstance(blocks, list) or validate_message_blocks(blocks)):
        return "invalid_blocks"
    if isinstance(text, str) and len(text) > TEXT_MAX:
        return "msg_too_long"
    channel = ws.channels.get(hook.channel_id or "")
    original = channel.by_ts.get(hook.message_ts or "") if channel else None
    if payload.get("delete_original"):
        if hook.ephemeral is not None:
            hook.ephemeral.deleted = True
        elif channel is not None and original is not None:
            remove_message(channel, original)
        return None
    if not text and not blocks:
        return "no_text"
    if payload.get("replace_original"):
        if hook.ephemeral is not None:
            hook.ephemeral.text, hook.ephemeral.blocks = text or "", blocks or None
            return None
        if original is not None:
            original.text, original.blocks = text or "", blocks or None
            return None
    thread_ts = payload.get("thread_ts")
    if payload.get("response_type") == "in_channel" and channel is not None:
        return _post_in_channel(ws, channel, text or "", blocks, thread_ts)
    ws.add_ephemeral(
        hook.channel_id or "", hook.user_id, text or "", blocks, source=source, thread_ts=thread_ts
    )
    return None


def _post_in_channel(
    ws: Workspace, channel: Channel, text: str, blocks: list[Any] | None, thread_ts: Any
) -> str | None:
    if channel.is_archived:
        return "is_archived"
    if thread_ts and str(thread_ts) not in channel.by_ts:
        return "thread_not_found"
    ws.add_message(channel, ws.bot_user_id, text, blocks, thread_ts=thread_ts or None)
    return None


def apply_command_reply(
    ws: Workspace, user_id: str, channel_id: str, content_type: str, body: str
) -> str | None:
    """A slash command's HTTP reply: JSON is a message, plain text an ephemeral line."""
    if not body.strip():
        return None
    hook = ResponseUrl("", user_id, channel_id, ws.now())
    with ws.lock:
        if "json" in content_type:
            try:
                payload = json.loads(body)
            except ValueError:
                return "invalid_payload"
            if not isinstance(payload, dict):
                return "invalid_payload"
            return apply_message_reply(ws, hook, payload, source="command_reply")
        ws.add_ephemeral(channel_id, user_id, body, None, source="command_reply")
        return None
