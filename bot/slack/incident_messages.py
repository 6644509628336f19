"""Keeping an incident's Slack messages current: edit in place, reply in the thread.

Everything goes through the outbox (bot.slack.changes decides, bot.slack.delivery shows):
the delivery worker calls `repaint` once for the changes it delivers together. Features
that do not write their own outbox row in their transaction call `refresh` (headline,
triage parent and topic edited in place) and `post_update` (one thread reply under the
triage parent, and a note in the incident channel) after it: each adds a row and has it
delivered. Nothing here posts a new top-level message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.incident import service as incidents
from bot.incident.models import Incident
from bot.outbox.service import REPAINT, emit
from bot.services import Services
from bot.slack.blocks import incident as incident_blocks
from bot.slack.changes import NOTE
from bot.slack.channel_guard import NOT_PRIVATE
from bot.slack.gateway import SlackError, SlackGateway
from bot.timeline.models import TimelineEvent

Blocks = list[dict[str, Any]]
# Features that add a line to the headline (e.g. who of the distributors acknowledged).
HEADLINE_NOTES: list[Callable[[Session, Incident], str | None]] = []


@dataclass(frozen=True)
class IncidentState:
    """What the headline, the triage parent and `/disclose status` show about an incident."""

    incident: Incident
    next_deadline: str | None
    last_update_by: str | None
    notes: list[str] = field(default_factory=list)


def current_state(services: Services, incident_id: int) -> IncidentState:
    with services.db.transaction() as session:
        incident = incidents.get(session, incident_id)
        assert incident is not None, f"no incident {incident_id}"
        deadline = (
            services.hooks.next_deadline(session, incident)
            if services.hooks.next_deadline
            else None
        )
        notes = [note for note in (line(session, incident) for line in HEADLINE_NOTES) if note]
        return IncidentState(incident, deadline, _last_update_author(session, incident_id), notes)


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
    channel_private = True
    if incident.channel_id and incident.headline_ts:
        channel, ts = incident.channel_id, incident.headline_ts
        channel_private = _unless_exposed(
            lambda: gateway.update(
                channel,
                ts,
                incident_blocks.headline_text(incident),
                incident_blocks.headline_blocks(incident, next_deadline, state.notes),
            )
        )
    if incident.triage_ts and services.settings.triage_channel:
        gateway.update(
            services.triage.private_id(),
            incident.triage_ts,
            incident_blocks.triage_notice_text(incident),
            incident_blocks.triage_notice_blocks(incident, next_deadline, state.last_update_by),
        )
    if incident.channel_id and incident.topic_set and channel_private:
        topic_channel = incident.channel_id
        _unless_exposed(lambda: gateway.set_topic(topic_channel, incident_blocks.topic(incident)))


def _unless_exposed(edit: Callable[[], None]) -> bool:
    """Run an edit of the incident channel; False when the channel guard refused it (the
    channel is no longer private), so the triage notice is still repainted."""
    try:
        edit()
    except SlackError as exc:
        if exc.error != NOT_PRIVATE:
            raise
        return False
    return True


def refresh(services: Services, incident_id: int) -> None:
    """Have the headline, the triage parent and the topic show the current state."""
    with services.db.transaction() as session:
        emit(session, incident_id, REPAINT, services.clock.now())
    services.doorbell.ring(incident_id)


def post_update(
    services: Services,
    incident_id: int,
    text: str,
    blocks: Blocks | None = None,
    *,
    in_channel: bool = True,
) -> None:
    """A thread reply under the triage parent, and the same note in the incident channel."""
    with services.db.transaction() as session:
        facts = {"text": text, "blocks": blocks, "in_channel": in_channel}
        emit(session, incident_id, NOTE, services.clock.now(), **facts)
    services.doorbell.ring(incident_id)
