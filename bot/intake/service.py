"""Opening incidents from deliveries, exactly once per idempotency key.

Two guards make a repeated key harmless even when the copies arrive at the same moment:
the incident's unique `intake_key` (checked under the ID sequence lock by
`open_incident`) and the unique (source, key) of the delivery row written in the same
transaction. Whichever copy commits second finds the first one's answer and returns it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.audit.service import record
from bot.database import Database
from bot.incident.models import Incident
from bot.incident.service import open_incident
from bot.incident.validation import IncidentDraft
from bot.intake.models import IntakeDelivery
from bot.intake.signatures import REPLAY_WINDOW
from bot.timeline.service import add_event

CREATED = 201


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    incident_id: int
    created: bool  # False: the first answer to this key, given again


class KeyReused(Exception):
    """The key was first used for a different body: a client bug, not a retry."""


@dataclass(frozen=True)
class Delivery:
    source: str  # "intake" or "github"; also the incident's opener
    key: str
    body: bytes
    received_at: datetime

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    @property
    def intake_key(self) -> str:
        return f"{self.source}:{self.key}"


def _previous(session: Session, delivery: Delivery) -> Answer | None:
    row = session.scalar(
        select(IntakeDelivery)
        .where(IntakeDelivery.source == delivery.source)
        .where(IntakeDelivery.key == delivery.key)
    )
    if row is None:
        return None
    if row.fingerprint != delivery.fingerprint:
        raise KeyReused(delivery.key)
    return Answer(row.status, json.loads(row.response), row.incident_id, created=False)


def _same_body_lately(session: Session, delivery: Delivery) -> Answer | None:
    """The answer to the same signed body within the signature's window, whatever its key:
    the key is not signed, so a captured request re-sent with a fresh key is a replay."""
    if delivery.source != "intake":
        return None  # GitHub's deliveries are told apart by what they report
    since = delivery.received_at - timedelta(seconds=REPLAY_WINDOW)
    row = session.scalar(
        select(IntakeDelivery)
        .where(IntakeDelivery.source == delivery.source)
        .where(IntakeDelivery.fingerprint == delivery.fingerprint)
        .where(IntakeDelivery.created_at >= since)
        .order_by(IntakeDelivery.id)
        .limit(1)
    )
    if row is None:
        return None
    return Answer(row.status, json.loads(row.response), row.incident_id, created=False)


def _body(human_id: str, delivery: Delivery) -> dict[str, Any]:
    return {
        "incident_id": human_id,
        "received_at": delivery.received_at.isoformat().replace("+00:00", "Z"),
    }


def receive(
    db: Database,
    delivery: Delivery,
    draft: IncidentDraft,
    *,
    now: datetime,
    prefix: str,
    incident_fields: Mapping[str, object] | None = None,
    details: Mapping[str, Any] | None = None,
    on_open: Callable[[Session, Incident], None] | None = None,
) -> Answer:
    """Open the incident a delivery reports, or give the answer its key already got.

    The incident counts as reported when the delivery arrived, not when it is stored.
    """
    try:
        with db.transaction() as session:
            earlier = _previous(session, delivery) or _same_body_lately(session, delivery)
            if earlier is not None:
                return earlier
            incident, created = open_incident(
                session,
                replace(draft, reported_at=delivery.received_at),
                opened_by=delivery.source,
                now=now,
                prefix=prefix,
                intake_key=delivery.intake_key,
            )
            if not created:
                # A twin committed first, after our first look; its answer is stored now.
                earlier = _previous(session, delivery)
                return earlier or Answer(
                    CREATED, _body(incident.human_id, delivery), incident.id, False
                )
            for name, value in (incident_fields or {}).items():
                setattr(incident, name, value)
            if on_open is not None:
                on_open(session, incident)  # rows of its own, in the same transaction
            body = _body(incident.human_id, delivery)
            add_event(
                session,
                incident.id,
                now,
                delivery.source,
                "received",
                f"Report received over HTTP ({delivery.source}, delivery {delivery.key})",
                {"key": delivery.key, "received_at": body["received_at"], **(details or {})},
            )
            record(session, now, delivery.source, "intake.received", incident.id, key=delivery.key)
            session.add(
                IntakeDelivery(
                    source=delivery.source,
                    key=delivery.key,
                    fingerprint=delivery.fingerprint,
                    incident_id=incident.id,
                    status=CREATED,
                    response=json.dumps(body),
                    created_at=now,
                )
            )
            session.flush()
            return Answer(CREATED, body, incident.id, created=True)
    except IntegrityError:
        # The constraints caught a twin that slipped past both looks (say, across a new
        # year, where the two openings take different sequence rows): answer as it did.
        with db.transaction() as session:
            earlier = _previous(session, delivery)
        if earlier is None:
            raise
        return earlier
