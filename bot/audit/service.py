from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit.models import AuditEntry

BOT_ACTOR = "bot"


def record(
    session: Session,
    at: datetime,
    actor: str,
    action: str,
    incident_id: int | None = None,
    **detail: Any,
) -> AuditEntry:
    entry = AuditEntry(at=at, actor=actor, action=action, incident_id=incident_id, detail=detail)
    session.add(entry)
    return entry


def entries_for(session: Session, incident_id: int) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.incident_id == incident_id).order_by(AuditEntry.id)
    return list(session.scalars(query))
