"""The planner's facts from the incident row, its lead offers, scores and people's marks.

Columns the incident does not have (yet) map to None: `acknowledged_at`,
`final_notice_at`, `retrospective_done_at` and `exploited` (always False). For those, and
for any other step, a "Done" pressed on a reminder (`DeadlineRow.done_at`) counts as the
step's time when the record has none.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.cve.models import CveReservation
from bot.deadline import DeadlineKind, IncidentFacts
from bot.incident.models import Incident
from bot.lead.models import LeadOffer, OfferStatus
from bot.reminder.models import DeadlineRow
from bot.scoring.models import ScoreRecord
from bot.timeline.models import TimelineEvent

Kind = DeadlineKind

# Which fact each deadline kind is met by.
MET_BY: dict[Kind, str] = {
    Kind.ACKNOWLEDGE: "acknowledged_at",
    Kind.LEAD_ASSIGNED: "lead_accepted_at",
    Kind.SCORE_AND_PLAN: "scored_at",
    Kind.FIX_READY: "fix_ready_at",
    Kind.DISTRIBUTOR_NOTICE: "distributors_notified_at",
    Kind.FINAL_NOTICE: "final_notice_at",
    Kind.FIX_RELEASED: "released_at",
    Kind.PUBLIC_DISCLOSURE: "disclosed_at",
    Kind.RETROSPECTIVE: "retrospective_done_at",
    Kind.CVE_ASSIGNED: "cve_assigned_at",
}


def lead_accepted_at(
    session: Session, incident: Incident, known: datetime | None = None
) -> datetime | None:
    if not incident.lead_id:
        return None
    first = session.scalar(
        select(func.min(LeadOffer.answered_at)).where(
            LeadOffer.incident_id == incident.id,
            LeadOffer.status == OfferStatus.ACCEPTED.value,
        )
    )
    # A lead set without an offer on record (an import, a hand edit): when first seen.
    return first or known or incident.updated_at


def scored_at(
    session: Session, incident: Incident, known: datetime | None = None
) -> datetime | None:
    if incident.cvss_score is None:
        return None
    first = session.scalar(
        select(func.min(ScoreRecord.at)).where(ScoreRecord.incident_id == incident.id)
    )
    # A score without a history row (set by hand): when it was first seen.
    return first or known or incident.updated_at


def cve_assigned_at(session: Session, incident: Incident) -> datetime | None:
    if not incident.cve_id:
        return None
    reserved = session.scalar(
        select(func.min(CveReservation.reserved_at)).where(
            CveReservation.incident_id == incident.id, CveReservation.cve_id == incident.cve_id
        )
    )
    # An ID typed into the advisory fields (reserved elsewhere): when first seen.
    return reserved or incident.updated_at


def incident_facts(
    session: Session, incident: Incident, rows: Iterable[DeadlineRow] = ()
) -> IncidentFacts:
    done = {row.kind: row for row in rows}
    known: dict[str, datetime | None] = {
        "acknowledged_at": None,
        "lead_accepted_at": lead_accepted_at(session, incident, _met(done, Kind.LEAD_ASSIGNED)),
        "scored_at": scored_at(session, incident, _met(done, Kind.SCORE_AND_PLAN)),
        "fix_ready_at": incident.fix_ready_at,
        "distributors_notified_at": _notice_sent(session, incident, final=False),
        "final_notice_at": _notice_sent(session, incident, final=True),
        "released_at": incident.released_at,
        "disclosed_at": incident.disclosed_at,
        "retrospective_done_at": None,
        "cve_assigned_at": cve_assigned_at(session, incident),
    }
    for kind, name in MET_BY.items():
        row = done.get(kind.value)
        if known[name] is None and row is not None and row.done_at is not None:
            known[name] = row.done_at
    last_update = incident.last_update_at
    stale = done.get(Kind.STALE_UPDATE.value)
    if stale is not None and stale.done_at is not None:
        last_update = max(filter(None, (last_update, stale.done_at)))
    contacted = session.scalar(
        select(func.max(TimelineEvent.at)).where(
            TimelineEvent.incident_id == incident.id, TimelineEvent.kind == "reporter_replied"
        )
    )
    nudged = done.get(Kind.REPORTER_UPDATE.value)
    if nudged is not None and nudged.done_at is not None:
        contacted = max(filter(None, (contacted, nudged.done_at)))
    closed = not incident.is_open
    phase = (incident.phase_before_close or "triage") if closed else incident.phase
    return IncidentFacts(
        reported_at=incident.reported_at,
        phase=phase,
        severity=incident.severity,
        is_public=incident.is_public,
        exploited=False,  # no column yet
        last_update_at=last_update,
        reporter_contacted_at=contacted,
        disclosure_planned_at=incident.disclosure_planned_at,
        closed=closed,
        rescheduled={kind: row.rescheduled_at for kind, row in done.items() if row.rescheduled_at},
        **known,
    )


def _notice_sent(session: Session, incident: Incident, *, final: bool) -> datetime | None:
    """When the mail server accepted the first (final) notice to a distributor: a deadline
    is met by the notice sent, not by a click. Without any notice on record (told outside
    the bot), the embargo step's own time counts for the first notice."""
    from bot.distributor.models import NoticeKind
    from bot.distributor.notices import first_sent, has_notices

    kinds = [NoticeKind.FINAL] if final else [NoticeKind.NOTICE, NoticeKind.RESEND]
    sent = first_sent(session, incident.id, kinds)
    if sent is not None or final or has_notices(session, incident.id):
        return sent
    return incident.distributors_notified_at


def _met(rows: dict[str, DeadlineRow], kind: Kind) -> datetime | None:
    row = rows.get(kind.value)
    return row.met_at if row is not None else None
