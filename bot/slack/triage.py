"""The triage channel must stay private: checked at start and before the bot posts there."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from bot.slack.gateway import SlackError, SlackGateway

RECHECK_AFTER = 60.0  # seconds a "private" answer is trusted before asking Slack again


class TriageChannel:
    def __init__(
        self,
        gateway: SlackGateway,
        channel_id: str | None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.gateway = gateway
        self.channel_id = channel_id
        self._monotonic = monotonic
        self._checked_at: float | None = None
        self._lock = threading.Lock()

    def private_id(self) -> str:
        """The channel ID, once Slack confirms the channel is private; raises otherwise."""
        if not self.channel_id:
            raise SlackError("conversations.info", "no_triage_channel")
        with self._lock:
            fresh = (
                self._checked_at is not None
                and self._monotonic() - self._checked_at < RECHECK_AFTER
            )
        if not fresh:
            info = self.gateway.channel_info(self.channel_id)
            if not info.get("is_private"):
                with self._lock:
                    self._checked_at = None
                raise SlackError("conversations.info", "triage_not_private")
            with self._lock:
                self._checked_at = self._monotonic()
        return self.channel_id
