"""Before anything goes to a channel, the channel is still private and not shared.

Every post, edit, topic and file share passes `SlackGateway.call`, which asks this guard
first. The guard trusts Slack's `conversations.info` (`is_private`, and none of the sharing
flags) for a short while; the events Slack sends when a channel changes drop that trust at
once. A channel found public or shared is blocked for good in this process (and, through
its row, after a restart): the call is refused with `channel_not_private`, and the owner of
the guard is told once so the team hears of it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger(__name__)

TRUST_SECONDS = 15.0  # how long a "private, not shared" answer is believed
# Methods that put something in a channel, and the parameter that names it.
DELIVERING = {
    "chat.postMessage": "channel",
    "chat.update": "channel",
    "chat.scheduleMessage": "channel",
    "chat.meMessage": "channel",
    "conversations.setTopic": "channel",
    "conversations.setPurpose": "channel",
    "files.completeUploadExternal": "channel_id",
}
SHARING_FLAGS = ("is_ext_shared", "is_shared", "is_org_shared", "is_pending_ext_shared")
NOT_PRIVATE = "channel_not_private"


def exposure_of(info: dict[str, Any]) -> str | None:
    """Why a channel as conversations.info shows it may not carry incident detail."""
    if info.get("is_im"):
        return None  # a DM with one person is as private as it gets
    if any(info.get(flag) for flag in SHARING_FLAGS):
        return "shared"
    if not info.get("is_private"):
        return "public"
    return None


class ChannelGuard:
    def __init__(
        self,
        on_exposed: Callable[[str, str], None] | None = None,
        known_exposed: Callable[[], Iterable[str]] | None = None,
        *,
        trust_seconds: float = TRUST_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        public_on_purpose: Iterable[str | None] = (),
    ) -> None:
        self.on_exposed = on_exposed
        # Channels configured to be public (a disclosure announcement channel): never checked.
        self.public_on_purpose = frozenset(c for c in public_on_purpose if c)
        self._known_exposed = known_exposed
        self.trust_seconds = trust_seconds
        self._monotonic = monotonic
        self._trusted: dict[str, float] = {}  # channel -> when Slack last said private
        self._blocked: set[str] | None = None  # loaded on first use
        self._lock = threading.Lock()

    def _blocked_set(self) -> set[str]:
        with self._lock:
            if self._blocked is None:
                try:
                    self._blocked = set(self._known_exposed() if self._known_exposed else ())
                except Exception as error:  # the database may be down: retry next time
                    log.warning("could not read exposed channels (%s)", type(error).__name__)
                    return set()
            return self._blocked

    def is_blocked(self, channel: str) -> bool:
        return channel in self._blocked_set()

    def block(self, *channels: str) -> None:
        """Never post to these channels again (Slack said they were shared)."""
        blocked = self._blocked_set()
        with self._lock:
            blocked.update(c for c in channels if c)
            self._blocked = blocked

    def forget(self, channel: str) -> None:
        """Slack says the channel changed: ask again before the next post."""
        with self._lock:
            self._trusted.pop(channel, None)

    def check(self, gateway: Any, method: str, params: dict[str, Any]) -> None:
        """Raise SlackError(channel_not_private) unless the call's channel may carry it."""
        field = DELIVERING.get(method)
        channel = str(params.get(field) or "") if field else ""
        if not channel or channel[:1] in ("U", "W", "D") or channel in self.public_on_purpose:
            return  # a user ID opens a DM; D... is a DM
        self.verify(gateway, channel, method)

    def verify(self, gateway: Any, channel: str, method: str = "conversations.info") -> None:
        from bot.slack.gateway import SlackError

        if self.is_blocked(channel):
            raise SlackError(method, NOT_PRIVATE)
        now = self._monotonic()
        with self._lock:
            seen = self._trusted.get(channel)
            if seen is not None and now - seen < self.trust_seconds:
                return
        reason = exposure_of(gateway.channel_info(channel))
        if reason is None:
            with self._lock:
                self._trusted[channel] = self._monotonic()
            return
        with self._lock:
            self._trusted.pop(channel, None)
            if self._blocked is not None:
                self._blocked.add(channel)
            else:
                self._blocked = {channel}
        log.error("channel %s is %s: the bot no longer posts there", channel, reason)
        if self.on_exposed is not None:
            try:
                self.on_exposed(channel, reason)
            except Exception as error:
                log.warning("could not report exposed channel %s (%s)", channel, error)
        raise SlackError(method, NOT_PRIVATE)
