"""chat.*: posting, ephemeral messages, edits, deletes and permalinks."""

from __future__ import annotations

from typing import Any

from ..blockkit import validate_message_blocks
from ..errors import SlackError, invalid_blocks
from ..model import Channel, Message
from ..params import Params
from ..workspace import TEXT_MAX, Workspace


def content(p: Params) -> tuple[str | None, list[dict[str, Any]] | None, list[Any] | None]:
    """The text, blocks and attachments of a message, checked as Slack checks them."""
    text = p.text("text")
    blocks = p.decoded("blocks", "invalid_blocks_format")
    attachments = p.decoded("attachments", "invalid_attachments")
    if blocks is not None:
        if not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format")
        problems = validate_message_blocks(blocks)
        if problems:
            raise invalid_blocks(problems)
    if text is not None and len(text) > TEXT_MAX:
        raise SlackError("msg_too_long")
    return text, blocks, attachments


def _warnings(text: str | None) -> dict[str, Any]:
    if text:
        return {}
    return {"response_metadata": {"warnings": ["missing_text_or_fallback_or_attachments"]}}


def post_message(ws: Workspace, p: Params) -> dict[str, Any]:
    public_ok = "chat:write.public" in ws.scopes
    channel = ws.channel_for_post(p.text("channel"), public_ok=public_ok)
    text, blocks, attachments = content(p)
    if not text and not blocks and not attachments:
        raise SlackError("no_text")
    metadata = p.decoded("metadata", "invalid_metadata_format")
    message = ws.add_message(
        channel,
        ws.bot_user_id,
        text or "",
        blocks,
        thread_ts=p.text("thread_ts") or None,
        broadcast=p.flag("reply_broadcast"),
        attachments=attachments,
        metadata=metadata if isinstance(metadata, dict) else None,
    )
    return {
        "channel": channel.id,
        "ts": message.ts,
        "message": message.to_dict(),
        **_warnings(text),
    }


def post_ephemeral(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.channel_for_post(p.text("channel"), public_ok=False)
    user = ws.user(p.text("user"))
    if user.id not in channel.members:
        raise SlackError("user_not_in_channel")
    text, blocks, attachments = content(p)
    if not text and not blocks and not attachments:
        raise SlackError("no_text")
    thread_ts = p.text("thread_ts") or None
    if thread_ts:
        ws.thread_parent(channel, thread_ts)
    note = ws.add_ephemeral(
        channel.id, user.id, text or "", blocks, source="chat.postEphemeral", thread_ts=thread_ts
    )
    return {"message_ts": note.ts, **_warnings(text)}


def _own_message(ws: Workspace, p: Params, ts_name: str, refusal: str) -> tuple[Channel, Message]:
    channel = ws.conversation(p.text("channel"))
    message = ws.message(channel, p.text(ts_name))
    if message.user != ws.bot_user_id:
        raise SlackError(refusal)
    if channel.is_archived:
        raise SlackError("is_archived")
    return channel, message


def update(ws: Workspace, p: Params) -> dict[str, Any]:
    channel, message = _own_message(ws, p, "ts", "cant_update_message")
    text, blocks, attachments = content(p)
    # Omitted fields keep their value; an empty blocks array removes the blocks.
    new_text = message.text if text is None else text
    new_blocks = message.blocks if blocks is None else (blocks or None)
    new_attachments = message.attachments if attachments is None else (attachments or None)
    if not new_text and not new_blocks and not new_attachments:
        raise SlackError("no_text")
    message.text, message.blocks, message.attachments = new_text, new_blocks, new_attachments
    message.edited = {"user": ws.bot_user_id, "ts": ws.new_ts()}
    return {
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": message.to_dict(),
    }


def delete(ws: Workspace, p: Params) -> dict[str, Any]:
    channel, message = _own_message(ws, p, "ts", "cant_delete_message")
    remove_message(channel, message)
    return {"channel": channel.id, "ts": message.ts}


def remove_message(channel: Channel, message: Message) -> None:
    """Delete as Slack does: a thread parent with replies stays behind as a tombstone."""
    if message.ts in channel.pins:
        channel.pins.remove(message.ts)
    message.pinned = False
    if message.replies:
        message.deleted = True
        return
    channel.by_ts.pop(message.ts, None)
    if message in channel.messages:
        channel.messages.remove(message)
    if message.is_reply:
        parent = channel.by_ts.get(message.thread_ts or "")
        if parent is not None and message in parent.replies:
            parent.replies.remove(message)


def get_permalink(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.conversation(p.text("channel"))
    message = ws.message(channel, p.text("message_ts"))
    return {"channel": channel.id, "permalink": ws.permalink(channel, message)}
