"""Deadlines follow the incident: re-plan on every change, show the next one in the headline.

Registered by `bot.slack.listeners.reminders.register`. The hooks run after a change is
committed; `sweep` (a periodic job) re-plans whatever a missed hook left behind, and the
tick's claim never trusts a plan older than the incident's last change anyway.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from bot.incident.models import Incident
from bot.outbox.service import REPAINT, emit
from bot.reminder.models import DeadlineRow
from bot.reminder.service import next_open, replan_incident
from bot.services import Services
from bot.slack.blocks.text import escape, slack_date

log = logging.getLogger(__name__)


def replan_now(services: Services, incident_id: int) -> bool:
    """Re-plan one incident; when the headline's next deadline changed, a repaint row goes
    into the outbox in the same transaction (and True is returned)."""
    now = services.clock.now()
    with services.db.transaction() as session:
        before = _next_key(session, incident_id)
        replan_incident(session, incident_id, services.policy, services.calendar, now)
        session.flush()
        moved = _next_key(session, incident_id) != before
        if moved:
            emit(session, incident_id, REPAINT, now)
        return moved


def _next_key(session: Session, incident_id: int) -> tuple[str, datetime] | None:
    row = next_open(session, incident_id)
    return (row.kind, row.due_at) if row is not None else None


def on_incident_changed(services: Services, incident_id: int, reason: str) -> None:
    if replan_now(services, incident_id):
        services.doorbell.ring(incident_id)


def on_incident_opened(services: Services, incident_id: int) -> None:
    on_incident_changed(services, incident_id, "opened")


def next_deadline_text(session: Session, incident: Incident) -> str | None:
    row = next_open(session, incident.id)
    if row is None or not incident.is_open:
        return None
    return f"{escape(row.label)} · {slack_date(row.due_at)}"


def unplanned_incidents(session: Session, limit: int = 200) -> list[int]:
    """Open incidents changed since their deadlines were last planned (or never planned)."""
    current = exists().where(
        and_(
            DeadlineRow.incident_id == Incident.id,
            DeadlineRow.planned_from >= Incident.updated_at,
        )
    )
    query = (
        select(Incident.id)
        .where(Incident.phase != "closed", Incident.human_id.is_not(None), ~current)
        .limit(limit)
    )
    return list(session.scalars(query))


def sweep(services: Services) -> int:
    """Re-plan every incident a hook missed (a crash after a commit, another process)."""
    with services.db.transaction() as session:
        found = unplanned_incidents(session)
    for incident_id in found:
        try:
            on_incident_changed(services, incident_id, "sweep")
        except Exception:
            log.exception("re-planning incident %s failed", incident_id)
    return len(found)
