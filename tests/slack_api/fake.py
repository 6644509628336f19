"""FakeSlack: the local Slack Web API server a test or the demo points the bot at."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .api import APP_TOKEN
from .faults import Fault, Faults
from .holds import Hold
from .methods.views import is_open
from .model import Call, Channel, Ephemeral, Message, UploadedFile, User, Usergroup
from .responses import issue_response_url
from .server import HttpServer
from .storm import Storm
from .transcript import render_transcript
from .workspace import Workspace

if TYPE_CHECKING:
    from .socket_mode import SocketModeServer


class FakeSlack:
    """One in-memory workspace served over HTTP, with seeding, fault injection and inspection.

    The clock (epoch seconds) drives message timestamps and trigger and response URL expiry;
    ``advance`` moves it forward.
    """

    def __init__(
        self,
        bot_token: str = "xoxb-test-token",
        clock: Callable[[], float] | None = None,
        *,
        app_token: str = APP_TOKEN,
    ) -> None:
        self.workspace = Workspace(bot_token, clock)
        self.faults = Faults()
        self._http: HttpServer | None = None
        self.workspace.app_token = app_token
        # Socket Mode: the websocket starts on the first apps.connections.open or push.
        self._socket_mode: SocketModeServer | None = None
        self.workspace.socket_link = lambda: self.socket_mode.issue_url()

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        if self._http is None:
            self._http = HttpServer(self.workspace, self.faults)
            self.workspace.base_url = self._http.root
        return self

    @property
    def socket_mode(self) -> SocketModeServer:
        if self._socket_mode is None:
            # Imported on first use: it needs websockets (a test extra); the demo never does.
            from .socket_mode import SocketModeServer

            self._socket_mode = SocketModeServer(self.workspace.app_id, self.workspace.app_token)
        return self._socket_mode

    def stop(self) -> None:
        if self._socket_mode is not None:
            self._socket_mode.stop()
        if self._http is not None:
            self._http.stop()
            self._http = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """What ``WebClient(base_url=...)`` takes: ``http://127.0.0.1:PORT/api/``."""
        if self._http is None:
            raise RuntimeError("FakeSlack is not started")
        return f"{self.workspace.base_url}/api/"

    def reset(self) -> None:
        """Drop users, channels, messages, views, files, calls, faults and Socket Mode
        connections and records; keep the bot."""
        self.workspace.clear()
        self.faults.clear()
        if self._socket_mode is not None:
            self._socket_mode.reset()

    # -- identity --------------------------------------------------------------------------
    @property
    def bot_token(self) -> str:
        return self.workspace.bot_token

    @property
    def team_id(self) -> str:
        return self.workspace.team_id

    @property
    def app_token(self) -> str:
        """The app-level token (``xapp-...``) that opens Socket Mode connections."""
        return self.workspace.app_token

    @property
    def bot_user_id(self) -> str:
        return self.workspace.bot_user_id

    @property
    def bot_id(self) -> str:
        return self.workspace.bot_id

    @property
    def app_id(self) -> str:
        return self.workspace.app_id

    @property
    def scopes(self) -> set[str]:
        """The bot token's scopes; change the set in place or assign a new one."""
        return self.workspace.scopes

    @scopes.setter
    def scopes(self, value: set[str]) -> None:
        self.workspace.scopes = set(value)

    # -- seeding ---------------------------------------------------------------------------
    def add_user(
        self,
        name: str,
        real_name: str | None = None,
        deleted: bool = False,
        is_bot: bool = False,
        tz: str = "UTC",
    ) -> str:
        ws = self.workspace
        with ws.lock:
            user = User(ws.ids.new("U"), ws.team_id, name, real_name or name, deleted, is_bot, tz)
            if is_bot:
                user.bot_id = ws.ids.new("B")  # another app's bot user, as users.info shows it
            ws.users[user.id] = user
            return user.id

    def deactivate(self, user_id: str) -> None:
        with self.workspace.lock:
            self.workspace.user(user_id).deleted = True

    def add_channel(
        self,
        name: str,
        is_private: bool = False,
        members: list[str] | None = None,
        *,
        topic: str = "",
        is_archived: bool = False,
        created_by: str | None = None,
    ) -> str:
        ws = self.workspace
        with ws.lock:
            ws.check_name(name)
            creator = created_by or (members[0] if members else ws.bot_user_id)
            channel = ws.new_channel(
                name, is_private=is_private, members=list(members or []), creator=creator
            )
            channel.topic, channel.is_archived = topic, is_archived
            return channel.id

    def convert_to_public(self, channel_id: str) -> None:
        """What an admin's "Change to a public channel" does (the ID stays the same)."""
        with self.workspace.lock:
            self.workspace.channels[channel_id].is_private = False

    def share_externally(self, channel_id: str) -> None:
        """A Slack Connect share with another organisation, once both sides accepted."""
        with self.workspace.lock:
            self.workspace.channels[channel_id].is_ext_shared = True

    def add_member(self, channel_id: str, user_id: str) -> None:
        """Someone joins (or is added by a member or an admin), not through the bot."""
        with self.workspace.lock:
            members = self.workspace.channels[channel_id].members
            if user_id not in members:
                members.append(user_id)

    def add_usergroup(self, handle: str, users: list[str], name: str = "") -> str:
        ws = self.workspace
        with ws.lock:
            group = Usergroup(ws.ids.new("S"), handle, list(users), name or handle)
            ws.usergroups[group.id] = group
            return group.id

    def set_usergroup_users(self, group_id: str, users: list[str]) -> None:
        """Replace a user group's members, as an admin (or usergroups.users.update) does."""
        with self.workspace.lock:
            self.workspace.usergroups[group_id].users = list(users)

    def add_message(
        self,
        channel_id: str,
        user_id: str,
        text: str,
        *,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
    ) -> str:
        """A message posted by a person (not the bot); returns its ts."""
        ws = self.workspace
        with ws.lock:
            channel = ws.channels[channel_id]
            return ws.add_message(channel, user_id, text, blocks, thread_ts=thread_ts).ts

    # -- clock and interactivity -----------------------------------------------------------
    def now(self) -> float:
        return self.workspace.now()

    def advance(self, seconds: float) -> None:
        """Move the server clock forward (trigger and response URL expiry)."""
        self.workspace.advance(seconds)

    def issue_trigger(self, user_id: str, view_id: str | None = None) -> str:
        """A fresh trigger_id for this user: single use, valid for 3 s on the server clock."""
        return self.workspace.issue_trigger(user_id, view_id)

    def issue_response_url(
        self,
        user_id: str,
        channel_id: str | None,
        *,
        message_ts: str | None = None,
        ephemeral: Ephemeral | None = None,
    ) -> str:
        """A response_url served here: 5 uses within 30 minutes, as on Slack."""
        return issue_response_url(
            self.workspace, user_id, channel_id, message_ts=message_ts, ephemeral=ephemeral
        )

    # -- fault injection -------------------------------------------------------------------
    def fail(
        self,
        method: str,
        error: str | None = None,
        *,
        status: int | None = None,
        times: int | None = 1,
        retry_after: float = 1,
        drop: bool = False,
        after_effect: bool = False,
        when: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail (None: until cleared).

        ``error="ratelimited"`` answers HTTP 429 with Retry-After; ``status=5xx`` alone answers an
        HTML error page; ``drop`` closes the connection without an answer. ``after_effect``
        lets the call take effect first (the reply is lost, not the work); ``when`` picks calls
        by their arguments.
        """
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or None for until cleared")
        wait = math.ceil(retry_after)  # Slack's Retry-After is whole seconds
        self.faults.add(Fault(method, error, status, times, wait, drop, after_effect, when))

    def delay(self, method: str, seconds: float) -> None:
        """Answer every call of ``method`` this much later, until cleared (0 clears it)."""
        self.faults.set_delay(method, seconds)

    def hold(
        self,
        method: str,
        *,
        after_effect: bool = False,
        when: Callable[[dict[str, Any]], bool] | None = None,
    ) -> Hold:
        """Keep the next call of ``method`` waiting, before or after it takes effect, until
        the returned hold is released or cancelled (``clear_faults`` cancels it)."""
        return self.faults.holds.add(Hold(method, after_effect, when))

    def storm(
        self,
        fraction: float,
        *,
        seed: int = 0,
        slow: float = 1.5,
        spare: tuple[str, ...] = (),
    ) -> Storm:
        """Fail ``fraction`` of every method's calls (and each method's first call) with a
        429 (Retry-After 1), a 500 or 503 page, a dropped connection or an answer ``slow``
        seconds late, before or after the call takes effect; seeded, see ``storm.Storm``.
        A failed call repeated unchanged goes through. ``clear_faults`` ends the storm."""
        storm = Storm(fraction, seed, slow, spare=frozenset(spare))
        self.faults.storm = storm
        return storm

    def clear_faults(self) -> None:
        self.faults.clear()

    # -- inspection ------------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        with self.workspace.lock:
            return list(self.workspace.calls)

    def calls_to(self, method: str) -> list[Call]:
        with self.workspace.lock:
            return [call for call in self.workspace.calls if call.method == method]

    def user(self, user_id: str) -> User:
        return self.workspace.users[user_id]

    def channel(self, channel_id: str) -> Channel:
        return self.workspace.channels[channel_id]

    def channel_by_name(self, name: str) -> Channel | None:
        with self.workspace.lock:
            for channel in self.workspace.channels.values():
                if channel.name == name and not channel.is_im:
                    return channel
        return None

    def messages(self, channel_id: str) -> list[Message]:
        """Top-level messages, oldest first (thread broadcasts included, deleted ones not)."""
        with self.workspace.lock:
            channel = self.workspace.channels[channel_id]
            return [m for m in channel.messages if not (m.deleted and not m.replies)]

    def thread(self, channel_id: str, ts: str) -> list[Message]:
        with self.workspace.lock:
            return list(self.workspace.channels[channel_id].by_ts[ts].replies)

    def message(self, channel_id: str, ts: str) -> Message:
        return self.workspace.channels[channel_id].by_ts[ts]

    def dm_channel(self, user_id: str) -> str | None:
        return self.workspace.dms.get(user_id)

    @property
    def ephemerals(self) -> list[Ephemeral]:
        with self.workspace.lock:
            return [note for note in self.workspace.ephemerals if not note.deleted]

    def ephemerals_for(self, user_id: str) -> list[Ephemeral]:
        return [note for note in self.ephemerals if note.user == user_id]

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """Every view ever opened, as last stored, plus ``user_id`` and ``is_open``."""
        ws = self.workspace
        with ws.lock:
            return {
                view_id: {
                    **view,
                    "user_id": ws.view_owner[view_id],
                    "is_open": is_open(ws, view_id),
                }
                for view_id, view in ws.views.items()
            }

    def view_stack(self, user_id: str) -> list[str]:
        with self.workspace.lock:
            return list(self.workspace.stacks.get(user_id, []))

    def open_view_for(self, user_id: str) -> dict[str, Any] | None:
        stack = self.view_stack(user_id)
        return self.views[stack[-1]] if stack else None

    def home_for(self, user_id: str) -> dict[str, Any] | None:
        view_id = self.workspace.homes.get(user_id)
        return self.views[view_id] if view_id else None

    @property
    def files(self) -> list[UploadedFile]:
        """Files shared with files.completeUploadExternal, in upload order."""
        with self.workspace.lock:
            return [file for file in self.workspace.files.values() if file.completed]

    def transcript(self, user_id: str | None = None) -> str:
        """What is visible in the workspace, or only what ``user_id`` can see."""
        with self.workspace.lock:
            return render_transcript(self.workspace, user_id)
