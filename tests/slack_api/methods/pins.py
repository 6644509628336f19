"""pins.* and reactions.*: marks people and bots put on messages."""

from __future__ import annotations

from typing import Any

from ..errors import SlackError
from ..params import Params
from ..workspace import Workspace

PINS_MAX = 100


def add(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.writable(ws.conversation(p.text("channel")))
    message = ws.message(channel, p.text("timestamp"))
    if message.ts in channel.pins:
        raise SlackError("already_pinned")
    if len(channel.pins) >= PINS_MAX:
        raise SlackError("too_many_pins")
    channel.pins.append(message.ts)
    message.pinned = True
    return {}


def remove(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.writable(ws.conversation(p.text("channel")))
    message = ws.message(channel, p.text("timestamp"))
    if message.ts not in channel.pins:
        raise SlackError("no_pin")
    channel.pins.remove(message.ts)
    message.pinned = False
    return {}


def list_(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.conversation(p.text("channel"))
    if ws.bot_user_id not in channel.members:
        raise SlackError("not_in_channel")
    items = [
        {
            "type": "message",
            "channel": channel.id,
            "created": int(float(ts)),
            "created_by": ws.bot_user_id,
            "message": channel.by_ts[ts].to_dict(),
        }
        for ts in channel.pins
    ]
    return {"items": items}


def react(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.conversation(p.text("channel"))
    if ws.bot_user_id not in channel.members:
        raise SlackError("not_in_channel")
    message = ws.message(channel, p.text("timestamp"))
    name = (p.text("name") or "").strip(":")
    if not name:
        raise SlackError("invalid_name")
    users = message.reactions.setdefault(name, [])
    if ws.bot_user_id in users:
        raise SlackError("already_reacted")
    users.append(ws.bot_user_id)
    return {}


def reactions_get(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.conversation(p.text("channel"))
    message = ws.message(channel, p.text("timestamp"))
    return {"type": "message", "channel": channel.id, "message": message.to_dict()}
