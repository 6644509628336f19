"""One GHSA, one incident: GitHub deliveries for an advisory the bot already holds.

GitHub sends the same advisory again under a new `X-GitHub-Delivery` (a webhook on both
the repository and the organisation, a replay, an edit). Such a delivery joins the
incident its GHSA opened; where the advisory changed, the incident's fields follow and
the answer lists what changed, for a note in the incident's thread. A `published`
delivery marks the incident public and says whether that came before the planned
disclosure (an embargo alarm).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.advisory import store
from bot.audit.service import record
from bot.database import Database
from bot.incident import service as incidents
from bot.incident.models import Incident, Phase
from bot.intake.github import PUBLISHED, Advisory
from bot.intake.models import IntakeDelivery
from bot.intake.service import Answer, Delivery, _body, _previous, receive
from bot.timeline.models import TimelineEvent
from bot.timeline.service import add_event

JOINED = 200
# Snapshot fields, as the thread note names them.
LABELS = {
    "summary": "summary",
    "description": "description",
    "severity": "severity",
    "cve_id": "CVE ID",
    "cwe_ids": "CWEs",
    "vectors": "CVSS vectors",
    "packages": "affected packages",
    "fixed": "patched versions",
    "credits": "credits",
    "state": "state",
}
SNAPSHOT_EVENTS = ("received", "github_changed", "github_redelivered", "github_published")


@dataclass(frozen=True)
class GithubAnswer(Answer):
    """An answer for a delivery that joined an incident, with what the thread is told."""

    ghsa_id: str = ""
    changes: tuple[str, ...] = ()  # labels of the fields GitHub changed
    published: bool = False  # GitHub made the advisory public with this delivery
    embargo_alarm: bool = False  # ... before the incident's planned disclosure


def receive_advisory(
    db: Database, delivery: Delivery, advisory: Advisory, *, now: datetime, prefix: str
) -> Answer | None:
    """Open, join or publish; None for a publication of an advisory the bot never held."""
    for attempt in (1, 2):
        try:
            with db.transaction() as session:
                earlier = _previous(session, delivery)
                if earlier is not None:
                    return earlier
                held = session.scalar(
                    select(Incident).where(Incident.ghsa_id == advisory.ghsa_id).with_for_update()
                )
                if held is not None:
                    return _join(session, held, delivery, advisory, now)
            if advisory.action == PUBLISHED:
                return None
            return receive(
                db,
                delivery,
                advisory.draft,
                now=now,
                prefix=prefix,
                incident_fields=advisory.incident_fields,
                details=_details(delivery, advisory),
                on_open=lambda session, incident: _store_rows(session, incident, advisory, now),
            )
        except IntegrityError:
            # A twin delivery for the same GHSA opened the incident first: join it now.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _details(delivery: Delivery, advisory: Advisory) -> dict[str, Any]:
    return {
        "ghsa_id": advisory.ghsa_id,
        "cve_id": advisory.cve_id,
        "severity": advisory.severity,
        "cwe_ids": advisory.cwe_ids,
        "repository": advisory.repository,
        "action": advisory.action,
        "snapshot": advisory.snapshot(),
    }


def _store_rows(session: Session, incident: Incident, advisory: Advisory, now: datetime) -> None:
    store.replace_packages(session, incident.id, advisory.packages)
    store.replace_credits(session, incident.id, advisory.credits)
    incident.advisory_modified_at = now


def _last_snapshot(session: Session, incident_id: int) -> dict[str, Any] | None:
    events = session.scalars(
        select(TimelineEvent)
        .where(TimelineEvent.incident_id == incident_id)
        .where(TimelineEvent.kind.in_(SNAPSHOT_EVENTS))
        .order_by(TimelineEvent.id.desc())
    )
    for event in events:
        snapshot = (event.data or {}).get("snapshot")
        if isinstance(snapshot, dict):
            return snapshot
    return None


def _apply(
    session: Session, incident: Incident, advisory: Advisory, changed: list[str], now: datetime
) -> None:
    """Carry the fields GitHub changed into the incident (and only those)."""
    if "summary" in changed:
        incident.title = advisory.draft.title
    if {"description", "severity", "vectors", "cwe_ids", "packages", "fixed"} & set(changed):
        incident.description = advisory.draft.description  # its details block follows too
    if "cve_id" in changed and advisory.cve_id:
        incident.cve_id = advisory.cve_id
    if "cwe_ids" in changed:
        incident.cwe_ids = advisory.cwe_ids
    if "vectors" in changed:
        incident.reported_vectors = [{"vector": v, "source": "github"} for v in advisory.vectors]
    if "packages" in changed or "fixed" in changed:
        store.replace_packages(session, incident.id, advisory.packages)
        incident.component = advisory.draft.component
        incident.affected_versions = advisory.draft.affected_versions
    if "credits" in changed:
        team = [c for c in store.credits(session, incident.id) if c.source != "github"]
        store.replace_credits(session, incident.id, [*advisory.credits, *team])
    incident.updated_at = now
    incident.advisory_modified_at = now


def _before_disclosure(incident: Incident, now: datetime) -> bool:
    if incident.disclosed_at is not None:
        return False
    if incident.phase in (Phase.DISCLOSED.value, Phase.CLOSED.value):
        return False
    planned = incident.disclosure_planned_at
    return planned is None or now < planned


def _join(
    session: Session, incident: Incident, delivery: Delivery, advisory: Advisory, now: datetime
) -> GithubAnswer:
    snapshot = advisory.snapshot()
    previous = _last_snapshot(session, incident.id)
    changed = [] if previous is None else [k for k in snapshot if previous.get(k) != snapshot[k]]
    if changed:
        _apply(session, incident, advisory, changed, now)
    labels = tuple(LABELS[k] for k in changed)
    if labels:
        owed = [x for x in (incident.github_changes_owed or "").split(", ") if x]
        incident.github_changes_owed = ", ".join(dict.fromkeys([*owed, *labels]))
    published = alarm = False
    if advisory.action == PUBLISHED and incident.github_published_at is None:
        published = True
        alarm = _before_disclosure(incident, now)
        incident.github_published_at = advisory.published_at or delivery.received_at
        incident.github_publication_note = "alarm" if alarm else "note"
        if incident.is_open and not incident.is_public:
            incidents.mark_public(
                session,
                incident.id,
                actor="github",
                now=now,
                why=f"GitHub published {advisory.ghsa_id}",
            )
    kind, text = "github_redelivered", f"{advisory.ghsa_id} delivered again; nothing changed"
    if published:
        kind, text = "github_published", f"GitHub published {advisory.ghsa_id}"
        if alarm:
            text += " before the planned disclosure"
    elif changed:
        kind, text = "github_changed", f"GitHub changed {advisory.ghsa_id}: " + ", ".join(labels)
    data = {"key": delivery.key, "changes": list(labels), **_details(delivery, advisory)}
    add_event(session, incident.id, now, "github", kind, text, data)
    record(session, now, "github", f"intake.{kind}", incident.id, key=delivery.key)
    body = {
        **_body(incident.human_id, delivery),
        "joined": True,
        "changed": list(labels),
        "published": published,
    }
    session.add(
        IntakeDelivery(
            source=delivery.source,
            key=delivery.key,
            fingerprint=delivery.fingerprint,
            incident_id=incident.id,
            status=JOINED,
            response=json.dumps(body),
            created_at=now,
        )
    )
    session.flush()
    return GithubAnswer(
        JOINED,
        body,
        incident.id,
        created=False,
        ghsa_id=advisory.ghsa_id,
        changes=labels,
        published=published,
        embargo_alarm=alarm,
    )
