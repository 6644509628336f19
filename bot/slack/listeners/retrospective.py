"""The retrospective draft at release (`retrospective.md` is in every later export too)."""

from __future__ import annotations

from bot.services import Services
from bot.slack import retrospective_post


def connect(services: Services) -> None:
    """Draft the retrospective when an incident is released."""
    hooks = services.hooks
    if retrospective_post.on_incident_changed not in hooks.incident_changed:
        hooks.incident_changed.append(retrospective_post.on_incident_changed)
