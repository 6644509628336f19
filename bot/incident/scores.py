"""Recording CVSS scores on incidents. Storage and rules only: nothing here talks to Slack.

Who decides the incident's score: the fix lead, or any roster member while the incident has
no lead. Someone else's score is final too while nobody has decided yet (a first score is
better than none for the deadlines); after that it is kept as a proposal for the lead to
compare and pick from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit.service import record
from bot.incident import service as incidents
from bot.incident.models import Incident
from bot.scoring.engine import ScoreResult
from bot.scoring.models import MemberVector, ScoreRecord
from bot.timeline.service import add_event

VIA_MODAL = "modal"
VIA_COMMAND = "command"
VIA_PICK = "pick"


class ScoringRefused(Exception):
    """The person may not do this; the message says why, without incident detail."""


@dataclass(frozen=True)
class Recorded:
    """What a recording did, for the Slack side to announce."""

    incident_id: int
    human_id: str
    result: ScoreResult
    user_id: str
    at: datetime
    is_final: bool
    decider: str | None  # the lead, when this score is only a proposal
    repeated: bool = False  # the same as the latest record: nothing was stored


def may_decide(incident: Incident, user_id: str) -> bool:
    return incident.lead_id is None or incident.lead_id == user_id


def record_score(
    session: Session,
    incident_id: int,
    result: ScoreResult,
    *,
    actor: str,
    now: datetime,
    via: str = VIA_MODAL,
) -> Recorded:
    """Keep the actor's vector and add it to the history; a final score also becomes the
    incident's score, with a timeline event and an audit row, in this transaction."""
    incident = incidents.lock(session, incident_id)
    if incident is None:
        raise ScoringRefused("That incident no longer exists.")
    if not incident.is_open:
        raise ScoringRefused(
            f"{incident.human_id} is closed, so its score is final; reopen it first "
            "(`/disclose reopen`) to score it again."
        )
    repeated = _repeats_latest(session, incident, actor, result, via)
    if repeated is not None:
        return repeated
    if via == VIA_PICK:
        if not may_decide(incident, actor):
            raise ScoringRefused(
                f"Only the fix lead, <@{incident.lead_id}>, picks the final vector."
            )
        final = True
    else:
        _keep_member_vector(session, incident_id, actor, result.clean_vector, now)
        final = may_decide(incident, actor) or not _has_final(session, incident_id)
    session.add(
        ScoreRecord(
            incident_id=incident_id,
            user_id=actor,
            at=now,
            version=result.version,
            vector=result.clean_vector,
            score=result.score,
            severity=result.severity,
            nomenclature=result.nomenclature,
            is_final=final,
            via=via,
        )
    )
    label = f"CVSS {result.score:.1f} {result.severity} ({result.clean_vector})"
    data = {
        "version": result.version,
        "vector": result.clean_vector,
        "score": result.score,
        "severity": result.severity,
        "nomenclature": result.nomenclature,
        "final": final,
        "via": via,
    }
    if final:
        incident.cvss_vector = result.clean_vector
        incident.cvss_score = result.score
        incident.severity = result.severity
        incident.updated_at = now
        text = ("Final vector picked: " if via == VIA_PICK else "Scored ") + label
        add_event(session, incident_id, now, actor, "scored", text, data)
    else:
        add_event(session, incident_id, now, actor, "score_proposed", f"Proposed {label}", data)
    record(session, now, actor, "incident.score", incident_id, **data)
    return Recorded(
        incident_id,
        incident.human_id,
        result,
        actor,
        now,
        final,
        None if final else incident.lead_id,
    )


def _repeats_latest(
    session: Session, incident: Incident, actor: str, result: ScoreResult, via: str
) -> Recorded | None:
    """The latest record when this is the same person sending the same vector the same way
    again (a double click, a duplicated submission): recording it twice would say twice in
    the thread and the history that something changed when nothing did."""
    latest = session.scalar(
        select(ScoreRecord)
        .where(ScoreRecord.incident_id == incident.id)
        .order_by(ScoreRecord.at.desc(), ScoreRecord.id.desc())
        .limit(1)
    )
    if latest is None or (latest.user_id, latest.vector, latest.via) != (
        actor,
        result.clean_vector,
        via,
    ):
        return None
    if latest.is_final and incident.cvss_vector != result.clean_vector:
        return None
    decider = None if latest.is_final else incident.lead_id
    return Recorded(
        incident.id,
        incident.human_id,
        result,
        actor,
        latest.at,
        latest.is_final,
        decider,
        repeated=True,
    )


def _keep_member_vector(
    session: Session, incident_id: int, user_id: str, vector: str, now: datetime
) -> None:
    # The incident row is locked by the caller, so no concurrent insert for this pair.
    kept = session.scalar(
        select(MemberVector)
        .where(MemberVector.incident_id == incident_id)
        .where(MemberVector.user_id == user_id)
    )
    if kept is None:
        session.add(
            MemberVector(incident_id=incident_id, user_id=user_id, vector=vector, submitted_at=now)
        )
    else:
        kept.vector, kept.submitted_at = vector, now


def _has_final(session: Session, incident_id: int) -> bool:
    query = (
        select(ScoreRecord.id)
        .where(ScoreRecord.incident_id == incident_id)
        .where(ScoreRecord.is_final.is_(True))
        .limit(1)
    )
    return session.scalar(query) is not None


def history(session: Session, incident_id: int) -> list[ScoreRecord]:
    query = (
        select(ScoreRecord)
        .where(ScoreRecord.incident_id == incident_id)
        .order_by(ScoreRecord.at, ScoreRecord.id)
    )
    return list(session.scalars(query))


def member_vectors(session: Session, incident_id: int) -> dict[str, str]:
    """Each member's latest vector (member id -> vector), in the order they first scored."""
    query = (
        select(MemberVector)
        .where(MemberVector.incident_id == incident_id)
        .order_by(MemberVector.id)
    )
    return {row.user_id: row.vector for row in session.scalars(query)}
