"""Keeping an incident's Slack messages current: edit in place, reply in the thread.

Every feature that changes an incident calls `refresh` (headline, triage parent and
topic edited in place) and `post_update` (one thread reply under the triage parent,
and a note in the incident channel). Nothing here posts a new top-level message.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.incident import service as incidents
from bot.incident.models import Incident
from bot.services import Services
from bot.slack.blocks import incident as views
from bot.slack.gateway import SlackError

log = logging.getLogger(__name__)
Blocks = list[dict[str, Any]]


def _load(services: Services, incident_id: int) -> tuple[Incident, str | None]:
    with services.db.transaction() as session:
        incident = incidents.get(session, incident_id)
        assert incident is not None, f"no incident {incident_id}"
        deadline = (
            services.hooks.next_deadline(session, incident)
            if services.hooks.next_deadline
            else None
        )
        return incident, deadline


def refresh(services: Services, incident_id: int) -> None:
    """Edit the pinned headline, the triage parent and the topic to the current state."""
    incident, next_deadline = _load(services, incident_id)
    gateway = services.gateway
    try:
        if incident.channel_id and incident.headline_ts:
            gateway.update(
                incident.channel_id,
                incident.headline_ts,
                views.headline_text(incident),
                views.headline_blocks(incident, next_deadline),
            )
        if incident.triage_ts:
            gateway.update(
                services.triage.private_id(),
                incident.triage_ts,
                views.triage_notice_text(incident),
                views.triage_notice_blocks(incident),
            )
        if incident.channel_id and incident.topic_set:
            gateway.set_topic(incident.channel_id, views.topic(incident))
    except SlackError as exc:
        # The database holds the truth; the next refresh repaints whatever this one missed.
        log.warning("could not refresh %s in Slack: %s", incident.human_id, exc.error)


def post_update(
    services: Services,
    incident_id: int,
    text: str,
    blocks: Blocks | None = None,
    *,
    in_channel: bool = True,
) -> None:
    """A thread reply under the triage parent, and the same note in the incident channel."""
    incident, _ = _load(services, incident_id)
    gateway = services.gateway
    try:
        if incident.triage_ts:
            gateway.post(services.triage.private_id(), text, blocks, thread_ts=incident.triage_ts)
        if in_channel and incident.channel_id:
            gateway.post(incident.channel_id, text, blocks, thread_ts=incident.headline_ts)
    except SlackError as exc:
        log.warning("could not post an update for %s: %s", incident.human_id, exc.error)
