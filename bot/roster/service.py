"""Roster membership: the only people who may see and manage incidents.

Members come from SECURITY_TEAM (user IDs) and/or a Slack user group. `refresh` reads
the group's members and asks Slack about each person, so that deactivated accounts and
bots are never offered the fix-lead role or put on call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

log = logging.getLogger(__name__)
REFRESH_EVERY = timedelta(minutes=15)


class Roster:
    def __init__(self, members: Iterable[str], group: str | None = None) -> None:
        self._configured = tuple(dict.fromkeys(members))
        self.group = group
        self._group_members: tuple[str, ...] = ()
        self._inactive: frozenset[str] = frozenset()
        self._refreshed_at: datetime | None = None
        self._lock = threading.Lock()

    @property
    def members(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self._configured + self._group_members))

    def is_member(self, user_id: str | None) -> bool:
        return user_id is not None and user_id in self.members

    @property
    def eligible(self) -> tuple[str, ...]:
        """Members who can take a role: not deactivated and not bots (as of the last refresh)."""
        return tuple(user for user in self.members if user not in self._inactive)

    def refresh(self, gateway: Any, now: datetime) -> None:
        """Re-read the user group and each member's account; keeps what it knew on failure."""
        from bot.slack.gateway import SlackError

        with self._lock:
            if self.group:
                try:
                    self._group_members = tuple(gateway.usergroup_members(self.group))
                except SlackError as exc:
                    log.warning("could not read the team's user group: %s", exc.error)
            inactive = set()
            for user in self.members:
                try:
                    info = gateway.user_info(user)
                except SlackError as exc:
                    if exc.error != "user_not_found":
                        if user in self._inactive:
                            inactive.add(user)
                        continue
                    info = {"deleted": True}
                if info.get("deleted") or info.get("is_bot"):
                    inactive.add(user)
            self._inactive = frozenset(inactive)
            self._refreshed_at = now

    def refresh_if_stale(self, gateway: Any, now: datetime) -> None:
        if self._refreshed_at is None or now - self._refreshed_at >= REFRESH_EVERY:
            self.refresh(gateway, now)
