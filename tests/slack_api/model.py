"""The workspace's records: users, channels, messages, views, files, and the call log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

APP_ID = "A0FAKEAPP01"  # the bot's Slack app


@dataclass
class User:
    id: str
    team_id: str
    name: str
    real_name: str
    deleted: bool = False
    is_bot: bool = False
    tz: str = "UTC"
    bot_id: str | None = None

    def to_api(self) -> dict[str, Any]:
        profile: dict[str, Any] = {
            "real_name": self.real_name,
            "display_name": self.name,
            "real_name_normalized": self.real_name,
            "display_name_normalized": self.name,
            "email": None if self.is_bot else f"{self.name}@example.org",
            "image_48": "https://example.org/avatar_48.png",
            "team": self.team_id,
        }
        if self.bot_id:
            profile["bot_id"] = self.bot_id
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": self.deleted,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "is_admin": False,
            "is_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": 0,
            "profile": profile,
        }


@dataclass
class Message:
    channel: str
    ts: str
    user: str
    text: str
    blocks: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    replies: list[Message] = field(default_factory=list)
    edited: dict[str, str] | None = None
    pinned: bool = False
    bot_id: str | None = None
    broadcast: bool = False
    attachments: list[dict[str, Any]] | None = None
    metadata: dict[str, Any] | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)
    deleted: bool = False

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_dict(self) -> dict[str, Any]:
        """The message as Slack's API shows it (also what a payload's ``message`` holds)."""
        data: dict[str, Any] = {
            "type": "message",
            "user": self.user,
            "text": self.text,
            "ts": self.ts,
        }
        if self.bot_id:
            data["bot_id"] = self.bot_id
            data["app_id"] = APP_ID
        if self.deleted:
            data.update(subtype="tombstone", text="This message was deleted.", hidden=True)
        if self.blocks:
            data["blocks"] = self.blocks
        if self.attachments:
            data["attachments"] = self.attachments
        if self.metadata:
            data["metadata"] = self.metadata
        if self.edited:
            data["edited"] = dict(self.edited)
        if self.broadcast:
            data["subtype"] = "thread_broadcast"
        if self.thread_ts:
            data["thread_ts"] = self.thread_ts
        if self.replies:
            data["reply_count"] = len(self.replies)
            users = list(dict.fromkeys(reply.user for reply in self.replies))
            data["reply_users"] = users
            data["reply_users_count"] = len(users)
            data["latest_reply"] = self.replies[-1].ts
        if self.reactions:
            data["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)}
                for name, users in self.reactions.items()
            ]
        if self.pinned:
            data["pinned_to"] = [self.channel]
        return data


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool
    created: int
    created_by: str
    members: list[str] = field(default_factory=list)
    is_archived: bool = False
    is_im: bool = False
    is_mpim: bool = False
    topic: str = ""
    topic_set_by: str = ""
    topic_set_at: int = 0
    purpose: str = ""
    previous_names: list[str] = field(default_factory=list)
    pins: list[str] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)  # top level, oldest first
    by_ts: dict[str, Message] = field(default_factory=dict)  # every message, replies too
    im_user: str | None = None
    is_ext_shared: bool = False  # shared with another organisation (Slack Connect)

    @property
    def kind(self) -> str:
        if self.is_im:
            return "im"
        if self.is_mpim:
            return "mpim"
        return "private" if self.is_private else "public"

    def to_api(self, viewer: str, *, with_count: bool = False) -> dict[str, Any]:
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_user,
                "is_archived": self.is_archived,
                "is_user_deleted": False,
                "priority": 0,
            }
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private and not self.is_mpim,
            "is_im": False,
            "is_mpim": self.is_mpim,
            "is_private": self.is_private,
            "created": self.created,
            "creator": self.created_by,
            "is_archived": self.is_archived,
            "is_general": False,
            "unlinked": 0,
            "is_shared": False,
            "is_ext_shared": self.is_ext_shared,
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "is_member": viewer in self.members,
            "topic": {
                "value": self.topic,
                "creator": self.topic_set_by,
                "last_set": self.topic_set_at,
            },
            "purpose": {"value": self.purpose, "creator": "", "last_set": 0},
            "previous_names": list(self.previous_names),
        }
        if with_count:
            data["num_members"] = len(self.members)
        return data


@dataclass
class Usergroup:
    id: str
    handle: str
    users: list[str]
    name: str = ""


@dataclass
class Ephemeral:
    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]] | None
    ts: str
    thread_ts: str | None = None
    source: str = "chat.postEphemeral"  # or "response_url", "command_reply"
    deleted: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": "message", "text": self.text, "ts": self.ts}
        if self.blocks:
            data["blocks"] = self.blocks
        return data


@dataclass
class UploadedFile:
    id: str
    filename: str
    length: int
    user: str
    created: int
    title: str = ""
    content: bytes = b""
    uploaded: bool = False
    completed: bool = False
    channel: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None
    alt_txt: str | None = None
    snippet_type: str | None = None

    def to_api(self, domain: str) -> dict[str, Any]:
        channels = [self.channel] if self.channel else []
        return {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.filename,
            "title": self.title or self.filename,
            "mimetype": "text/plain",
            "filetype": "text",
            "pretty_type": "Plain Text",
            "user": self.user,
            "size": len(self.content),
            "mode": "hosted",
            "is_external": False,
            "is_public": False,
            "url_private": f"https://files.slack.com/files-pri/{self.id}/{self.filename}",
            "permalink": f"https://{domain}.slack.com/files/{self.user}/{self.id}/{self.filename}",
            "channels": channels,
            "groups": [],
            "ims": [],
        }


@dataclass
class Trigger:
    id: str
    user_id: str
    issued_at: float
    used: bool = False
    view_id: str | None = None


@dataclass
class ResponseUrl:
    token: str
    user_id: str
    channel_id: str | None
    issued_at: float
    message_ts: str | None = None
    ephemeral: Ephemeral | None = None
    uses: int = 0


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    ok: bool
    error: str | None
    status: int
    at: float
