"""Reading and replacing an incident's affected packages and credits (caller's session)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.advisory.legacy import package_from_text
from bot.advisory.model import AffectedPackage, Credit
from bot.advisory.records import AdvisoryCreditRow, AffectedPackageRow
from bot.incident.models import Incident


def packages(session: Session, incident_id: int) -> list[AffectedPackage]:
    rows = session.scalars(
        select(AffectedPackageRow)
        .where(AffectedPackageRow.incident_id == incident_id)
        .order_by(AffectedPackageRow.position)
    )
    return [
        AffectedPackage(
            ecosystem=row.ecosystem,
            name=row.name,
            ranges=[list(events) for events in row.ranges or []],
            versions=list(row.versions or []),
            fixed=list(row.fixed or []),
            fix_links=list(row.fix_links or []),
            range_text=row.range_text or "",
            note=row.note or "",
        )
        for row in rows
    ]


def replace_packages(session: Session, incident_id: int, found: list[AffectedPackage]) -> None:
    session.execute(delete(AffectedPackageRow).where(AffectedPackageRow.incident_id == incident_id))
    for position, package in enumerate(found):
        session.add(
            AffectedPackageRow(
                incident_id=incident_id,
                position=position,
                ecosystem=package.ecosystem,
                name=package.name,
                ranges=package.ranges,
                versions=package.versions,
                fixed=package.fixed,
                fix_links=package.fix_links,
                range_text=package.range_text,
                note=package.note,
            )
        )
    session.flush()


def credits(session: Session, incident_id: int) -> list[Credit]:
    rows = session.scalars(
        select(AdvisoryCreditRow)
        .where(AdvisoryCreditRow.incident_id == incident_id)
        .order_by(AdvisoryCreditRow.position)
    )
    return [
        Credit(name=r.name, type=r.type, contact=r.contact, state=r.state, source=r.source)
        for r in rows
    ]


def replace_credits(session: Session, incident_id: int, found: list[Credit]) -> None:
    session.execute(delete(AdvisoryCreditRow).where(AdvisoryCreditRow.incident_id == incident_id))
    for position, credit in enumerate(found):
        session.add(
            AdvisoryCreditRow(
                incident_id=incident_id,
                position=position,
                name=credit.name,
                type=credit.type,
                contact=credit.contact,
                state=credit.state,
                source=credit.source,
            )
        )
    session.flush()


def follow_text_fields(session: Session, incident: Incident) -> bool:
    """Re-read the single package the free-text fields describe (the form's old fields).

    Only while the incident has at most one package: several packages are edited as
    packages, never overwritten from one line of text. Returns whether it re-read.
    """
    if len(packages(session, incident.id)) > 1:
        return False
    package, note = package_from_text(
        incident.package_ecosystem or "",
        incident.package_name or incident.component or "",
        incident.affected_versions or "",
        incident.fixed_versions or "",
    )
    replace_packages(session, incident.id, [package] if package else [])
    incident.advisory_note = note
    return True
