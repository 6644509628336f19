"""CVE IDs on incidents, as rows: reserve once, publish, reject the unused. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit.service import record
from bot.cve.models import CveReservation, CveState
from bot.incident import service as incidents
from bot.incident.models import Incident, Phase
from bot.policy import BusinessCalendar, Policy
from bot.reminder.plan import replan
from bot.timeline.service import add_event

REQUEST_LEASE = timedelta(seconds=60)


class Refused(Exception):
    """The step may not happen; the message says why in plain words."""


@dataclass(frozen=True)
class UnusedId:
    cve_id: str
    human_id: str | None  # the incident it was reserved for, if any
    why: str  # in words: "not on any incident", "SEC-2026-0003 closed as duplicate"


def begin_reservation(
    session: Session, incident_id: int, actor: str, now: datetime
) -> CveReservation:
    """Claim the right to reserve for the incident, under its row lock: one ID per incident."""
    incident = _locked(session, incident_id)
    if not incident.is_open:
        raise Refused(f"{incident.human_id} is closed; reopen it to reserve a CVE ID.")
    if incident.cve_id:
        raise Refused(
            f"{incident.human_id} already has {incident.cve_id}; no second ID is reserved."
        )
    pending = session.scalars(
        select(CveReservation).where(
            CveReservation.incident_id == incident_id,
            CveReservation.state == CveState.REQUESTING.value,
        )
    ).first()
    if pending is not None:
        if pending.lease_until is not None and pending.lease_until > now:
            raise Refused(f"A CVE ID for {incident.human_id} is being reserved right now.")
        session.delete(pending)  # left by a crash mid-request
        session.flush()
    row = CveReservation(
        incident_id=incident_id,
        year=incident.created_at.year,
        state=CveState.REQUESTING.value,
        requested_by=actor,
        requested_at=now,
        lease_until=now + REQUEST_LEASE,
    )
    session.add(row)
    session.flush()
    return row


def known_ids(session: Session, year: int) -> list[str]:
    query = select(CveReservation.cve_id).where(
        CveReservation.year == year, CveReservation.cve_id.is_not(None)
    )
    return [cve_id for cve_id in session.scalars(query) if cve_id]


def abandon_reservation(session: Session, reservation_id: int) -> None:
    row = session.get(CveReservation, reservation_id)
    if row is not None and row.state == CveState.REQUESTING.value:
        session.delete(row)


def finish_reservation(
    session: Session,
    reservation_id: int,
    cve_id: str,
    *,
    actor: str,
    now: datetime,
    policy: Policy,
    calendar: BusinessCalendar,
) -> Incident:
    row = session.get(CveReservation, reservation_id)
    assert row is not None and row.incident_id is not None
    incident = _locked(session, row.incident_id)
    row.cve_id, row.state, row.reserved_at, row.lease_until = (
        cve_id,
        CveState.RESERVED.value,
        now,
        None,
    )
    if incident.cve_id:
        # Someone typed an ID into the advisory fields meanwhile: theirs stays, this one is
        # left unused (and shows up in `/disclose cve unused`).
        row.incident_id = None
        return incident
    incident.cve_id = cve_id
    incident.updated_at = now
    data = {"cve_id": cve_id}
    add_event(session, incident.id, now, actor, "cve_reserved", f"{cve_id} reserved", data)
    record(session, now, actor, "cve.reserved", incident.id, cve_id=cve_id)
    # The policy's "CVE assigned" deadline, where it has one, is met by the re-plan that
    # follows (the reservation is its fact).
    replan(session, incident, policy, calendar, now)
    return incident


def may_publish(incident: Incident) -> str | None:
    """Why the record may not go public yet (a published CVE record ends the embargo)."""
    if incident.is_public or incident.phase in (Phase.RELEASED.value, Phase.DISCLOSED.value):
        return None
    return (
        f"{incident.human_id} is still under embargo ({incident.phase}): a CVE record is public "
        "the moment it is published, so it waits for the release or disclosure "
        "(or `/disclose public` when the issue is already out)."
    )


def published(session: Session, cve_id: str) -> CveReservation | None:
    row = session.scalars(select(CveReservation).where(CveReservation.cve_id == cve_id)).first()
    return row if row is not None and row.state == CveState.PUBLISHED.value else None


def record_published(
    session: Session,
    incident_id: int,
    cve_id: str,
    container_json: str,
    fingerprint: str,
    *,
    actor: str,
    now: datetime,
    update: bool,
) -> None:
    incident = _locked(session, incident_id)
    row = session.scalars(select(CveReservation).where(CveReservation.cve_id == cve_id)).first()
    if row is None:  # an ID typed into the advisory fields, reserved elsewhere
        row = CveReservation(
            cve_id=cve_id,
            incident_id=incident_id,
            year=int(cve_id[4:8]),
            requested_by=actor,
            requested_at=now,
        )
        session.add(row)
    row.incident_id = incident_id
    row.state = CveState.PUBLISHED.value
    row.published_at = row.published_at if update and row.published_at else now
    row.published_by = actor
    row.record_json, row.record_fingerprint = container_json, fingerprint
    kind = "cve_updated" if update else "cve_published"
    verb = "updated" if update else "published"
    text = f"CVE record {cve_id} {verb}"
    add_event(session, incident.id, now, actor, kind, text, {"cve_id": cve_id})
    record(session, now, actor, f"cve.{verb}", incident.id, cve_id=cve_id, fingerprint=fingerprint)


def unused_ids(session: Session, reserved_at_service: list[str]) -> list[UnusedId]:
    """Of the IDs CVE Services holds as RESERVED for us, those no open incident will use."""
    found = []
    for cve_id in reserved_at_service:
        row = session.scalars(select(CveReservation).where(CveReservation.cve_id == cve_id)).first()
        holder = session.scalars(select(Incident).where(Incident.cve_id == cve_id)).first()
        if holder is None and row is not None and row.incident_id is not None:
            holder = incidents.get(session, row.incident_id)
        if holder is None:
            found.append(UnusedId(cve_id, None, "not on any incident"))
        elif not holder.is_open:
            how = f" as {holder.resolution}" if holder.resolution else ""
            found.append(UnusedId(cve_id, holder.human_id, f"{holder.human_id} was closed{how}"))
        elif holder.cve_id != cve_id:
            found.append(UnusedId(cve_id, holder.human_id, f"{holder.human_id} uses another ID"))
    return found


def record_rejected(session: Session, cve_id: str, *, actor: str, now: datetime) -> None:
    row = session.scalars(select(CveReservation).where(CveReservation.cve_id == cve_id)).first()
    if row is None:
        row = CveReservation(
            cve_id=cve_id, year=int(cve_id[4:8]), requested_by=actor, requested_at=now
        )
        session.add(row)
    row.state, row.rejected_at = CveState.REJECTED.value, now
    if row.incident_id is not None:
        add_event(
            session, row.incident_id, now, actor, "cve_rejected", f"{cve_id} rejected (unused)"
        )
    record(session, now, actor, "cve.rejected", row.incident_id, cve_id=cve_id)


def _locked(session: Session, incident_id: int) -> Incident:
    incident = incidents.lock(session, incident_id)
    if incident is None:
        raise Refused("That incident no longer exists.")
    return incident
