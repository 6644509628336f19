"""Mail and Slack: what mail left for an incident is posted once its channel is set up."""

from __future__ import annotations

from bot.services import Services
from bot.slack import mail_posts


def connect(services: Services) -> None:
    """Post what mail left for an incident once its channel exists."""
    hooks = services.hooks
    if mail_posts.on_incident_opened not in hooks.incident_opened:
        hooks.incident_opened.append(mail_posts.on_incident_opened)
