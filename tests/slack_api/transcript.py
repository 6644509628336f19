"""A plain-text picture of the workspace: what everyone, or one person, would see in Slack."""

from __future__ import annotations

from typing import Any

from .model import Channel, Ephemeral, Message, UploadedFile
from .render import Renderer
from .workspace import Workspace

INDENT = "    "


def render_transcript(ws: Workspace, user_id: str | None = None) -> str:
    viewer = ws.users.get(user_id or "")
    renderer = Renderer(ws, viewer.tz if viewer else "UTC")
    heading = (
        f"Slack as @{viewer.name} ({viewer.real_name}) sees it" if viewer else "Slack, everything"
    )
    lines = [f"===== {heading} ====="]
    for channel in ws.channels.values():
        if user_id is None or user_id in channel.members:
            lines += _channel(ws, renderer, channel, user_id)
    lines += _stray_ephemerals(ws, renderer, user_id)
    lines += _modals(ws, renderer, user_id)
    lines += _homes(ws, renderer, user_id)
    return "\n".join(lines) + "\n"


def _channel(ws: Workspace, r: Renderer, channel: Channel, user_id: str | None) -> list[str]:
    lines = ["", _channel_title(ws, channel)]
    if channel.topic:
        lines.append(f"  topic: {r.mrkdwn(channel.topic)}")
    for ts in channel.pins:
        pinned = channel.by_ts.get(ts)
        if pinned is not None:
            lines.append(f"  pinned: {_first_line(r, pinned)}")
    shown = [m for m in channel.messages if not (m.deleted and not m.replies)]
    for message in shown:
        lines += _message(ws, r, message, "  ")
        for reply in message.replies if not message.broadcast else []:
            lines += _message(ws, r, reply, "  " + INDENT + "> ")
    for note in ws.ephemerals:
        if note.channel == channel.id and not note.deleted and user_id in (None, note.user):
            lines += _ephemeral(ws, r, note)
    for file in ws.files.values():
        if file.completed and file.channel == channel.id:
            lines.append(_file(r, file))
    if not shown and len(lines) == 2:
        lines.append("  (no messages)")
    return lines


def _channel_title(ws: Workspace, channel: Channel) -> str:
    if channel.is_im:
        return f"DM between @{ws.name_of(ws.bot_user_id)} and @{ws.name_of(channel.im_user or '')}"
    kind = "group DM" if channel.is_mpim else ("private" if channel.is_private else "public")
    archived = ", archived" if channel.is_archived else ""
    members = ", ".join("@" + ws.name_of(member) for member in channel.members)
    return f"#{channel.name} ({kind}{archived}) members: {members}"


def _first_line(r: Renderer, message: Message) -> str:
    lines = r.blocks(message.blocks) or r.mrkdwn(message.text).splitlines() or [""]
    return lines[0]


def _message(ws: Workspace, r: Renderer, message: Message, lead: str) -> list[str]:
    if message.deleted:
        return [f"{lead}(This message was deleted.)"]
    flags = "".join(
        flag
        for flag, present in (
            (" (edited)", message.edited),
            (" (pinned)", message.pinned),
            (" (also sent to the channel)", message.broadcast),
        )
        if present
    )
    head = f"{lead}[{r.time(message.ts)}] @{ws.name_of(message.user)}{flags}:"
    body = r.blocks(message.blocks) or r.mrkdwn(message.text).splitlines()
    reactions = " ".join(f":{name}: {len(users)}" for name, users in message.reactions.items())
    if reactions:
        body.append(reactions)
    return _with_body(head, body, " " * len(lead) + INDENT)


def _ephemeral(ws: Workspace, r: Renderer, note: Ephemeral) -> list[str]:
    sender, reader = ws.name_of(ws.bot_user_id), ws.name_of(note.user)
    head = f"  [{r.time(note.ts)}] @{sender} (only visible to @{reader}):"
    body = r.blocks(note.blocks) or r.mrkdwn(note.text).splitlines()
    return _with_body(head, body, "  " + INDENT)


def _stray_ephemerals(ws: Workspace, r: Renderer, user_id: str | None) -> list[str]:
    """Ephemeral messages in conversations this workspace does not hold (e.g. another app's DM)."""
    stray = [
        note
        for note in ws.ephemerals
        if note.channel not in ws.channels and not note.deleted and user_id in (None, note.user)
    ]
    lines = ["", "Elsewhere"] if stray else []
    for note in stray:
        lines += _ephemeral(ws, r, note)
    return lines


def _file(r: Renderer, file: UploadedFile) -> str:
    where = f" in thread {file.thread_ts}" if file.thread_ts else ""
    comment = f" - {r.mrkdwn(file.initial_comment)}" if file.initial_comment else ""
    return f'  [file{where}] {file.filename} "{file.title}" ({len(file.content)} bytes){comment}'


def _with_body(head: str, body: list[str], indent: str) -> list[str]:
    if len(body) == 1 and len(head) + len(body[0]) < 100:
        return [f"{head} {body[0]}"]
    return [head, *(f"{indent}{line}" for line in body)]


def _modals(ws: Workspace, r: Renderer, user_id: str | None) -> list[str]:
    lines: list[str] = []
    for owner, stack in ws.stacks.items():
        if user_id not in (None, owner):
            continue
        for depth, view_id in enumerate(stack):
            view = ws.views[view_id]
            where = "open modal" if depth == len(stack) - 1 else "modal underneath"
            lines += [
                "",
                f"{where.capitalize()} for @{ws.name_of(owner)}: {r.text(view.get('title'))}",
            ]
            lines += [INDENT + line for line in r.blocks(view.get("blocks"))]
            lines.append(INDENT + _modal_buttons(r, view))
    return lines


def _modal_buttons(r: Renderer, view: dict[str, Any]) -> str:
    close = r.text(view.get("close")) or "Cancel"
    submit = f" [{r.text(view['submit'])}]" if view.get("submit") else ""
    return f"[{close}]{submit}"


def _homes(ws: Workspace, r: Renderer, user_id: str | None) -> list[str]:
    lines: list[str] = []
    for owner, view_id in ws.homes.items():
        if user_id in (None, owner):
            lines += ["", f"App Home of @{ws.name_of(owner)}"]
            lines += [INDENT + line for line in r.blocks(ws.views[view_id].get("blocks"))]
    return lines


def render_shared(ws: Workspace, people: list[str]) -> str:
    """The conversations every one of ``people`` is in (not DMs), without ephemerals: what
    they all see alike."""
    r = Renderer(ws, "UTC")
    lines: list[str] = []
    for channel in shared_channels(ws, people):
        lines += _channel(ws, r, channel, user_id="")  # "" is nobody: no one's ephemerals
    return "\n".join(lines).lstrip("\n") + "\n"


def shared_channels(ws: Workspace, people: list[str]) -> list[Channel]:
    return [
        channel
        for channel in ws.channels.values()
        if not channel.is_im and all(person in channel.members for person in people)
    ]


def render_personal(ws: Workspace, user_id: str, people: list[str]) -> str:
    """What only this person sees beside the shared conversations: their DMs and other
    channels, their ephemerals in the shared ones, their open modals and App Home (UTC)."""
    r = Renderer(ws, "UTC")
    shared = {channel.id for channel in shared_channels(ws, people)}
    lines: list[str] = []
    for channel in ws.channels.values():
        if user_id in channel.members and channel.id not in shared:
            lines += _channel(ws, r, channel, user_id)
    notes = [
        note
        for note in ws.ephemerals
        if note.channel in shared and note.user == user_id and not note.deleted
    ]
    if notes:
        lines += ["", "Only visible to them in the shared channels"]
        where = None
        for note in notes:
            if note.channel != where:
                where = note.channel
                lines.append(f"  in #{ws.channels[where].name}:")
            lines += ["  " + line for line in _ephemeral(ws, r, note)]
    lines += _stray_ephemerals(ws, r, user_id)
    lines += _modals(ws, r, user_id)
    lines += _homes(ws, r, user_id)
    if not lines:
        return "(nothing beyond the shared conversations)\n"
    return "\n".join(lines).lstrip("\n") + "\n"
