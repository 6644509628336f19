"""The triage channel must stay private: checked at start and before the bot posts there."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from bot.slack.gateway import SlackError, SlackGateway, SlackUnavailable

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
            refusal = None
            if not info.get("is_private"):
                refusal = "triage_not_private"
            elif _shared_outside(info):
                refusal = "triage_ext_shared"
            if refusal:
                with self._lock:
                    self._checked_at = None
                raise SlackError("conversations.info", refusal)
            with self._lock:
                self._checked_at = self._monotonic()
        return self.channel_id


def _shared_outside(info: dict[str, object]) -> bool:
    return bool(info.get("is_ext_shared") or info.get("is_pending_ext_shared"))


def triage_problems(gateway: SlackGateway, channel_id: str, bot_name: str) -> list[str]:
    """What keeps the bot from using TRIAGE_CHANNEL, each with its fix; empty when usable.
    SlackUnavailable passes through: an unanswered question is not a problem of the channel."""
    invite = f"invite the bot with `/invite @{bot_name}` in that channel"
    try:
        info = gateway.channel_info(channel_id)
    except SlackUnavailable:
        raise
    except SlackError as exc:
        if exc.error == "channel_not_found":
            # Slack answers the same for a wrong ID and a private channel the bot is not in.
            return [
                f"TRIAGE_CHANNEL {channel_id}: the bot cannot see this channel. If it is the "
                f"team's private triage channel, {invite}; otherwise check the ID (the "
                "channel's details, at the bottom of the About tab)"
            ]
        return [f"TRIAGE_CHANNEL {channel_id}: {exc.plain}"]
    where = f"TRIAGE_CHANNEL {channel_id} (#{info.get('name', '?')})"
    problems = []
    if not info.get("is_private"):
        problems.append(
            f"{where} is public, and incident details only ever go to private channels: "
            "create a private channel for triage and set its ID"
        )
    if _shared_outside(info):
        problems.append(
            f"{where} is shared with another organisation (Slack Connect): use a channel "
            "only your own workspace sees, or stop sharing this one"
        )
    if info.get("is_archived"):
        problems.append(f"{where} is archived: unarchive it or set another channel")
    if not info.get("is_member"):
        problems.append(f"{where}: the bot is not a member; {invite}")
    return problems
