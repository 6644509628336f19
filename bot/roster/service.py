"""Roster membership: the only people who may see and manage incidents.

Members come from SECURITY_TEAM (user IDs) and/or a Slack user group: the configured IDs
first, then the group's members, each once. `refresh` reads the group's members and asks
Slack about each person, so that deactivated accounts and bots are never offered the
fix-lead role or put on call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

log = logging.getLogger(__name__)
REFRESH_EVERY = timedelta(minutes=15)


@dataclass(frozen=True)
class _Known:
    """What the last refresh learnt; replaced whole, so readers never see half of one."""

    group_members: tuple[str, ...] = ()
    inactive: frozenset[str] = frozenset()


class Roster:
    def __init__(self, members: Iterable[str], group: str | None = None) -> None:
        self._configured = tuple(dict.fromkeys(members))
        self.group = group
        self._known = _Known()
        self._refreshed_at: datetime | None = None
        self._lock = threading.Lock()
        # Called with the members after each complete refresh (who left is worked out there).
        self.after_refresh: list[Callable[[tuple[str, ...]], None]] = []

    def _combined(self, group_members: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self._configured + group_members))

    @property
    def members(self) -> tuple[str, ...]:
        return self._combined(self._known.group_members)

    def is_member(self, user_id: str | None) -> bool:
        return user_id is not None and user_id in self.members

    @property
    def eligible(self) -> tuple[str, ...]:
        """Members who can take a role: not deactivated and not bots (as of the last refresh)."""
        known = self._known
        return tuple(u for u in self._combined(known.group_members) if u not in known.inactive)

    def refresh(self, gateway: Any, now: datetime) -> None:
        """Re-read the user group and each member's account; keeps what it knew on failure."""
        with self._lock:
            self._refresh(gateway, now)

    def refresh_if_stale(self, gateway: Any, now: datetime) -> None:
        with self._lock:
            if self._refreshed_at is None or now - self._refreshed_at >= REFRESH_EVERY:
                self._refresh(gateway, now)

    def _refresh(self, gateway: Any, now: datetime) -> None:
        from bot.slack.gateway import SlackError

        known = self._known
        group_members, group_read = known.group_members, True
        if self.group:
            try:
                group_members = tuple(dict.fromkeys(gateway.usergroup_members(self.group)))
            except SlackError as exc:
                group_read = False
                log.warning("could not read the team's user group: %s", exc.error)
        inactive = set()
        for user in self._combined(group_members):
            try:
                info = gateway.user_info(user)
            except SlackError as exc:
                if exc.error != "user_not_found":
                    if user in known.inactive:
                        inactive.add(user)
                    continue
                info = {"deleted": True}
            if info.get("deleted") or info.get("is_bot"):
                inactive.add(user)
        self._known = _Known(group_members, frozenset(inactive))
        if group_read:
            # After a failed read the next caller tries again, not an interval later: at
            # start-up the group's members would otherwise be locked out for that long.
            self._refreshed_at = now
            for listener in self.after_refresh:
                listener(self.members)
