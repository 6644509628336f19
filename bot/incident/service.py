"""Opening and finding incidents. Pure storage and rules: nothing here talks to Slack."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit.service import record
from bot.incident.ids import bump_sequence, format_human_id
from bot.incident.models import Incident, Phase
from bot.incident.validation import IncidentDraft
from bot.timeline.service import add_event


def _score_fields(vector: str | None) -> dict[str, object]:
    if not vector or not vector.strip():
        return {}
    from bot.scoring.engine import parse_vector, score

    result = score(parse_vector(vector))
    return {
        "cvss_vector": result.clean_vector,
        "cvss_score": result.score,
        "severity": result.severity,
    }


def open_incident(
    session: Session,
    draft: IncidentDraft,
    *,
    opened_by: str,
    now: datetime,
    prefix: str,
    intake_key: str | None = None,
) -> tuple[Incident, bool]:
    """Store a new incident, or return the one this intake key already opened.

    Returns (incident, created). The caller validates the draft first.
    """
    draft = replace(draft, title=draft.title.strip(), external_ref=draft.external_ref.strip())
    savepoint = session.begin_nested()
    number = bump_sequence(session, now.year)
    # Checked after taking the sequence lock, so a concurrent twin has committed by now.
    if intake_key is not None:
        existing = session.scalar(select(Incident).where(Incident.intake_key == intake_key))
        if existing is not None:
            savepoint.rollback()
            return existing, False
    savepoint.commit()

    incident = Incident(
        human_id=format_human_id(prefix, now.year, number),
        intake_key=intake_key,
        title=draft.title,
        description=draft.description,
        reporter_name=draft.reporter_name,
        reporter_contact=draft.reporter_contact,
        source=draft.source,
        external_ref=draft.external_ref,
        component=draft.component,
        affected_versions=draft.affected_versions,
        is_public=draft.is_public,
        phase=Phase.TRIAGE.value,
        opened_by=opened_by,
        reported_at=draft.reported_at or now,
        created_at=now,
        updated_at=now,
        **_score_fields(draft.cvss_vector),
    )
    session.add(incident)
    session.flush()
    add_event(
        session,
        incident.id,
        now,
        opened_by,
        "created",
        f"{incident.human_id} opened from {draft.source}",
        {"source": draft.source, "public": draft.is_public},
    )
    if incident.cvss_vector:
        add_event(
            session,
            incident.id,
            now,
            opened_by,
            "scored",
            f"Initial vector {incident.cvss_vector} ({incident.cvss_score} {incident.severity})",
        )
    record(session, now, opened_by, "incident.open", incident.id, source=draft.source)
    return incident, True


def get_by_human_id(session: Session, human_id: str) -> Incident | None:
    return session.scalar(select(Incident).where(Incident.human_id == human_id))


def get_by_channel(session: Session, channel_id: str) -> Incident | None:
    return session.scalar(select(Incident).where(Incident.channel_id == channel_id))


def get(session: Session, incident_id: int) -> Incident | None:
    return session.get(Incident, incident_id)


def lock(session: Session, incident_id: int) -> Incident | None:
    """Load an incident and hold its row until commit (PostgreSQL; SQLite serialises anyway)."""
    return session.scalar(select(Incident).where(Incident.id == incident_id).with_for_update())


def unfinished_setups(session: Session) -> list[Incident]:
    """Open incidents whose Slack set-up stopped part-way (a failure or a crash)."""
    query = (
        select(Incident)
        .where(Incident.phase != Phase.CLOSED.value)
        .where(
            (Incident.channel_id.is_(None))
            | (Incident.members_invited.is_(False))
            | (Incident.headline_ts.is_(None))
            | (Incident.headline_pinned.is_(False))
            | (Incident.topic_set.is_(False))
            | (Incident.triage_ts.is_(None))
            | (Incident.opener_told.is_(False))
        )
        .order_by(Incident.id)
    )
    return list(session.scalars(query))
