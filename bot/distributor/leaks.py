"""Embargo breaks: what leaked, to whom, when, through which distributor, and what now."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit.service import record
from bot.distributor.models import Distributor, EmbargoLeak
from bot.distributor.roster import DistributorError
from bot.timeline.service import add_event


def record_leak(
    session: Session,
    incident_id: int,
    *,
    what: str,
    to_whom: str,
    happened_at: datetime,
    distributor_id: int | None,
    prevention: str,
    made_public: bool,
    actor: str,
    now: datetime,
) -> EmbargoLeak:
    problems = []
    if not what.strip():
        problems.append("Say what leaked (the detail, the patch, the date...).")
    if not to_whom.strip():
        problems.append("Say to whom it leaked (a person, a list, a public site).")
    if happened_at > now:
        problems.append("When it happened cannot be in the future.")
    if problems:
        raise DistributorError(" ".join(problems))
    through = None
    if distributor_id is not None:
        through = session.get(Distributor, distributor_id)
        if through is None:
            raise DistributorError("That distributor is not on the list.")
    leak = EmbargoLeak(
        incident_id=incident_id,
        distributor_id=distributor_id,
        what=what.strip(),
        to_whom=to_whom.strip(),
        happened_at=happened_at,
        prevention=prevention.strip(),
        made_public=made_public,
        recorded_by=actor,
        recorded_at=now,
    )
    session.add(leak)
    session.flush()
    via = f" through {through.organisation}" if through else ""
    add_event(
        session,
        incident_id,
        now,
        actor,
        "embargo_leak",
        f"Embargo break{via}: {leak.what} (to {leak.to_whom})",
        {"leak": leak.id, "distributor": distributor_id, "public": made_public},
    )
    record(
        session,
        now,
        actor,
        "embargo.leak",
        incident_id,
        leak=leak.id,
        distributor=distributor_id,
        public=made_public,
    )
    return leak


def leaks_of(session: Session, incident_id: int) -> list[EmbargoLeak]:
    return list(
        session.scalars(
            select(EmbargoLeak)
            .where(EmbargoLeak.incident_id == incident_id)
            .order_by(EmbargoLeak.id)
        )
    )
