"""Reading and replacing an incident's affected packages and credits (caller's session)."""

from __future__ import annotations

from datetime import datetime

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


def set_packages(
    session: Session, incident: Incident, found: list[AffectedPackage], *, actor: str, now: datetime
) -> bool:
    """Replace the incident's packages as a person edited them; returns whether they changed.

    The older free-text fields follow the first package, so every view of the incident
    (headline, status) says the same; the timeline and audit keep who changed what.
    """
    from bot.advisory.editing import describe
    from bot.audit.service import record
    from bot.timeline.service import add_event

    before = [
        p.osv() | {"fixed": p.fixed, "links": p.fix_links} for p in packages(session, incident.id)
    ]
    after = [p.osv() | {"fixed": p.fixed, "links": p.fix_links} for p in found]
    if before == after:
        return False
    replace_packages(session, incident.id, found)
    first = found[0] if found else None
    incident.package_ecosystem = first.ecosystem if first else ""
    incident.package_name = first.name if first else ""
    incident.component = ", ".join(p.name for p in found)[:200]
    incident.affected_versions = "; ".join(
        f"{p.name} {'; '.join(p.range_phrases())}"
        if len(found) > 1
        else "; ".join(p.range_phrases())
        for p in found
    )[:500]
    incident.fixed_versions = "; ".join(v for p in found for v in p.fixed)[:500]
    incident.advisory_note = ""
    incident.advisory_modified_at = incident.updated_at = now
    text = "Affected packages edited:\n" + describe(found)
    add_event(session, incident.id, now, actor, "affected_edited", text, {"packages": after})
    record(session, now, actor, "incident.affected", incident.id, count=len(found))
    return True


def record_fixed_versions(session: Session, incident: Incident) -> None:
    """The fixed versions given at release: the single package's fixed list follows them
    (its ranges and links stay); an incident without rows re-reads its free text. With
    several packages the text is kept and each package's own fixed list stands."""
    from bot.advisory.ranges import clean_version

    found = packages(session, incident.id)
    if not found:
        follow_text_fields(session, incident)
    elif len(found) == 1:
        (package,) = found
        written = [v.strip() for v in incident.fixed_versions.replace(";", ",").split(",")]
        package.fixed = list(
            dict.fromkeys(clean_version(package.ecosystem, v) for v in written if v)
        )
        replace_packages(session, incident.id, [package])
