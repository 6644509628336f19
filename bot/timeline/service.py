from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.timeline.models import TimelineEvent


def add_event(
    session: Session,
    incident_id: int,
    at: datetime,
    actor: str,
    kind: str,
    text: str = "",
    data: dict[str, Any] | None = None,
) -> TimelineEvent:
    event = TimelineEvent(
        incident_id=incident_id, at=at, actor=actor, kind=kind, text=text, data=data or {}
    )
    session.add(event)
    return event


def events_for(session: Session, incident_id: int) -> list[TimelineEvent]:
    query = (
        select(TimelineEvent)
        .where(TimelineEvent.incident_id == incident_id)
        .order_by(TimelineEvent.at, TimelineEvent.id)
    )
    return list(session.scalars(query))
