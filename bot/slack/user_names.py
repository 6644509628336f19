"""People's names from Slack, for text read outside Slack (exports, CVE records)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.services import Services
from bot.slack.gateway import SlackError


def names_of(services: Services, users: Iterable[str]) -> dict[str, str]:
    """Each user's real name (or handle); users Slack cannot tell about are left out."""
    names: dict[str, str] = {}
    for user in sorted(set(users)):
        try:
            info: dict[str, Any] = services.gateway.user_info(user)
        except SlackError:
            continue
        profile = info.get("profile") or {}
        names[user] = profile.get("real_name") or info.get("real_name") or info.get("name") or user
    return names
