"""The state of one fake workspace and the rules shared by several Web API methods.

Every read or write of this state happens under ``lock``; method handlers run holding it.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

from .errors import SlackError
from .ids import IdFactory, trigger_id
from .model import (
    APP_ID,
    Call,
    Channel,
    Ephemeral,
    Message,
    ResponseUrl,
    Trigger,
    UploadedFile,
    User,
    Usergroup,
)
from .scopes import DEFAULT_SCOPES

NAME_MAX = 80
NAME_RE = re.compile(r"^[a-z0-9_-]+$")
PUNCTUATION_RE = re.compile(r"^[-_]+$")
TEXT_MAX = 40_000
TRIGGER_LIFETIME = 3.0


class Workspace:
    def __init__(self, bot_token: str, clock: Callable[[], float] | None) -> None:
        self.lock = threading.RLock()
        self.ids = IdFactory()
        self._clock = clock or time.time
        self._offset = 0.0
        self.bot_token = bot_token
        self.team_id = self.ids.new("T")
        self.domain = "disclosure-fake"
        self.team_name = "Disclosure Fake"
        self.app_id = APP_ID
        self.bot_user_id = self.ids.new("U")
        self.bot_id = self.ids.new("B")
        self.scopes: set[str] = set(DEFAULT_SCOPES)
        self.base_url = ""  # "http://127.0.0.1:PORT", set when the server starts
        self.app_token = ""  # the app-level token (xapp-) for apps.connections.open
        self.socket_link: Callable[[], str] | None = None  # issues a Socket Mode URL
        self.clear()

    def clear(self) -> None:
        """Forget everything but the bot's identity."""
        with self.lock:
            bot = User(
                self.bot_user_id,
                self.team_id,
                "disclosure-bot",
                "Disclosure Bot",
                is_bot=True,
                bot_id=self.bot_id,
            )
            self.users: dict[str, User] = {bot.id: bot}
            self.channels: dict[str, Channel] = {}
            self.usergroups: dict[str, Usergroup] = {}
            self.dms: dict[str, str] = {}  # user id -> D channel id
            self.triggers: dict[str, Trigger] = {}
            self.response_urls: dict[str, ResponseUrl] = {}
            self.views: dict[str, dict[str, Any]] = {}
            self.view_owner: dict[str, str] = {}  # view id -> user id
            self.stacks: dict[str, list[str]] = {}  # user id -> open modal view ids, root first
            self.homes: dict[str, str] = {}  # user id -> home view id
            self.files: dict[str, UploadedFile] = {}
            self.uploads: dict[str, str] = {}  # upload URL token -> file id
            self.ephemerals: list[Ephemeral] = []
            self.calls: list[Call] = []
            self.scopes = set(DEFAULT_SCOPES)
            self._offset = 0.0

    # -- time --------------------------------------------------------------------------
    def now(self) -> float:
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        with self.lock:
            self._offset += seconds

    def new_ts(self) -> str:
        return self.ids.ts(self.now())

    # -- people ------------------------------------------------------------------------
    def user(self, user_id: str | None) -> User:
        found = self.users.get(user_id or "")
        if found is None:
            raise SlackError("user_not_found")
        return found

    def name_of(self, user_id: str) -> str:
        found = self.users.get(user_id)
        return found.name if found else user_id

    # -- conversations -------------------------------------------------------------------
    def conversation(self, channel_id: str | None) -> Channel:
        """A conversation the bot can see: private ones it is not in do not exist for it."""
        channel = self.channels.get(channel_id or "")
        if channel is None or (channel.is_private and self.bot_user_id not in channel.members):
            raise SlackError("channel_not_found")
        return channel

    def writable(self, channel: Channel) -> Channel:
        """A conversation the bot may change: it is a member and it is not archived."""
        if self.bot_user_id not in channel.members:
            raise SlackError("not_in_channel")
        if channel.is_archived:
            raise SlackError("is_archived")
        return channel

    def channel_for_post(self, target: str | None, *, public_ok: bool) -> Channel:
        """Resolve chat.* targets: channel IDs, ``#name``, or a user ID (the bot's DM)."""
        if not target:
            raise SlackError("channel_not_found")
        if target.startswith(("U", "W")) and target in self.users:
            return self.open_dm(target)
        if not target.startswith(("C", "G", "D")):
            name = target.lstrip("#")
            named = [c for c in self.channels.values() if c.name == name and not c.is_private]
            if not named:
                raise SlackError("channel_not_found")
            target = named[0].id
        channel = self.conversation(target)
        if channel.is_archived:
            raise SlackError("is_archived")
        if self.bot_user_id not in channel.members and not (public_ok and not channel.is_private):
            raise SlackError("not_in_channel")
        return channel

    def open_dm(self, user_id: str) -> Channel:
        user = self.user(user_id)
        if user.deleted:
            raise SlackError("user_disabled")  # conversations.open's documented error
        if user.is_bot and user.id != self.bot_user_id:
            raise SlackError("cannot_dm_bot")
        existing = self.dms.get(user_id)
        if existing:
            return self.channels[existing]
        members = list(dict.fromkeys([user_id, self.bot_user_id]))
        channel = Channel(
            id=self.ids.new("D"),
            name=user_id,
            is_private=True,
            created=int(self.now()),
            created_by=self.bot_user_id,
            members=members,
            is_im=True,
            im_user=user_id,
        )
        self.channels[channel.id] = channel
        self.dms[user_id] = channel.id
        return channel

    def check_name(self, name: str | None, *, except_id: str | None = None) -> str:
        if not name:
            raise SlackError("invalid_name_required")
        if len(name) > NAME_MAX:
            raise SlackError("invalid_name_maxlength")
        if not NAME_RE.match(name):
            raise SlackError("invalid_name_specials")
        if PUNCTUATION_RE.match(name):
            raise SlackError("invalid_name_punctuation")
        for channel in self.channels.values():
            if channel.name == name and channel.id != except_id and not channel.is_im:
                raise SlackError("name_taken")
        return name

    def new_channel(
        self, name: str, *, is_private: bool, members: list[str], creator: str
    ) -> Channel:
        channel = Channel(
            id=self.ids.new("C"),
            name=name,
            is_private=is_private,
            created=int(self.now()),
            created_by=creator,
            members=list(dict.fromkeys(members)),
        )
        self.channels[channel.id] = channel
        return channel

    # -- messages --------------------------------------------------------------------------
    def message(self, channel: Channel, ts: str | None) -> Message:
        found = channel.by_ts.get(ts or "")
        if found is None or found.deleted:
            raise SlackError("message_not_found")
        return found

    def thread_parent(self, channel: Channel, thread_ts: str) -> Message:
        parent = channel.by_ts.get(thread_ts)
        if parent is None:
            raise SlackError("thread_not_found")
        if parent.is_reply:
            parent = channel.by_ts[parent.thread_ts or ""]
        return parent

    def add_message(
        self,
        channel: Channel,
        user: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        *,
        thread_ts: str | None = None,
        broadcast: bool = False,
        attachments: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Message:
        parent = self.thread_parent(channel, thread_ts) if thread_ts else None
        message = Message(
            channel=channel.id,
            ts=self.new_ts(),
            user=user,
            text=text,
            blocks=blocks or None,
            bot_id=self.bot_id if user == self.bot_user_id else None,
            attachments=attachments,
            metadata=metadata,
        )
        channel.by_ts[message.ts] = message
        if parent is None:
            channel.messages.append(message)
            return message
        message.thread_ts = parent.thread_ts = parent.ts
        parent.replies.append(message)
        if broadcast:
            message.broadcast = True
            channel.messages.append(message)
        return message

    def add_ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        blocks: list[dict[str, Any]] | None,
        *,
        source: str,
        thread_ts: str | None = None,
    ) -> Ephemeral:
        note = Ephemeral(channel, user, text, blocks or None, self.new_ts(), thread_ts, source)
        self.ephemerals.append(note)
        return note

    def permalink(self, channel: Channel, message: Message) -> str:
        link = (
            f"https://{self.domain}.slack.com/archives/{channel.id}/p{message.ts.replace('.', '')}"
        )
        if message.is_reply:
            link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
        return link

    # -- interactivity --------------------------------------------------------------------
    def issue_trigger(self, user_id: str, view_id: str | None = None) -> str:
        with self.lock:
            trigger = Trigger(trigger_id(self.now()), user_id, self.now(), view_id=view_id)
            self.triggers[trigger.id] = trigger
            return trigger.id

    def exchange_trigger(self, value: str | None) -> Trigger:
        trigger = self.triggers.get(value or "")
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if self.now() - trigger.issued_at > TRIGGER_LIFETIME:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger
