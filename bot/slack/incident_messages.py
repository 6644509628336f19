"""Keeping an incident's own Slack messages current: headline, triage parent and topic.

The delivery worker calls `repaint` once for the changes it delivers together; nothing
here posts a new message. What a change shows is decided in bot.slack.changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.incident import service as incidents
from bot.incident.models import Incident
from bot.services import Services
from bot.slack.blocks import incident as views
from bot.slack.gateway import SlackGateway
from bot.timeline.models import TimelineEvent


@dataclass(frozen=True)
class IncidentState:
    """What the headline, the triage parent and `/disclose status` show about an incident."""

    incident: Incident
    next_deadline: str | None
    last_update_by: str | None


def current_state(services: Services, incident_id: int) -> IncidentState:
    with services.db.transaction() as session:
        incident = incidents.get(session, incident_id)
        assert incident is not None, f"no incident {incident_id}"
        deadline = (
            services.hooks.next_deadline(session, incident)
            if services.hooks.next_deadline
            else None
        )
        return IncidentState(incident, deadline, _last_update_author(session, incident_id))


def _last_update_author(session: Session, incident_id: int) -> str | None:
    query = (
        select(TimelineEvent.actor)
        .where(TimelineEvent.incident_id == incident_id, TimelineEvent.kind == "update")
        .order_by(TimelineEvent.at.desc(), TimelineEvent.id.desc())
        .limit(1)
    )
    return session.scalar(query)


def repaint(services: Services, gateway: SlackGateway, incident_id: int) -> None:
    """Edit the pinned headline, the triage parent and the topic to the current state, once
    each. SlackError when Slack refused; the delivery worker decides what that means."""
    state = current_state(services, incident_id)
    incident, next_deadline = state.incident, state.next_deadline
    if incident.channel_id and incident.headline_ts:
        gateway.update(
            incident.channel_id,
            incident.headline_ts,
            views.headline_text(incident),
            views.headline_blocks(incident, next_deadline),
        )
    if incident.triage_ts and services.settings.triage_channel:
        gateway.update(
            services.triage.private_id(),
            incident.triage_ts,
            views.triage_notice_text(incident),
            views.triage_notice_blocks(incident, next_deadline, state.last_update_by),
        )
    if incident.channel_id and incident.topic_set:
        gateway.set_topic(incident.channel_id, views.topic(incident))
