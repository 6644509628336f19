"""What a CVE record says, as plain data, and where it comes from in the incident.

The CNA container builder (`record.py`) reads only `CveAdvisory`; `from_export` is the
one place that knows how the incident stores its advisory data (through the same
`ExportContext` the OSV and advisory exports read).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.exports import osv
from bot.exports.context import ExportContext
from bot.incident.models import Source

URL = re.compile(r"https?://[^\s<>()\"']+[^\s<>()\"'.,;:!?]")
CWE = re.compile(r"\bCWE-(\d{1,5})\b")


@dataclass(frozen=True)
class VersionRange:
    """One affected stretch: from `introduced` up to `fixed` (excluded) or `last_affected`."""

    introduced: str
    fixed: str | None = None
    last_affected: str | None = None


@dataclass(frozen=True)
class AffectedPackage:
    product: str
    ecosystem: str = ""  # OSV ecosystem name (Go, PyPI, npm, ...), or empty
    package_name: str = ""
    ranges: tuple[VersionRange, ...] = ()
    versions: tuple[str, ...] = ()  # single affected versions


@dataclass(frozen=True)
class Credit:
    name: str
    kind: str = "finder"  # a CVE credit type: finder, reporter, remediation developer, ...


@dataclass(frozen=True)
class Reference:
    url: str
    name: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class CveAdvisory:
    cve_id: str
    title: str
    description: str
    affected: tuple[AffectedPackage, ...] = ()
    cwes: tuple[str, ...] = ()  # "CWE-79"
    cvss_vectors: tuple[str, ...] = ()  # at most one per CVSS version
    references: tuple[Reference, ...] = ()
    credits: tuple[Credit, ...] = ()
    solution: str = ""
    workaround: str = ""
    date_public: datetime | None = None
    external_discovery: bool = True
    missing: tuple[str, ...] = field(default=())  # what the team still has to fill in


def from_export(ctx: ExportContext, scored: Sequence[str] = ()) -> CveAdvisory:
    """The CVE record's data from what every export reads (packages, credits, CWEs,
    vectors): `scored` adds the team's final CVSS vectors of other versions. Only what the
    team wrote for the advisory is used, never the private description of the report, and
    only accepted credits."""
    incident = ctx.incident
    description = "\n\n".join(
        part.strip() for part in (incident.advisory_summary, incident.advisory_details) if part
    ).strip()
    missing = []
    if not incident.cve_id:
        missing.append("a CVE ID (`/disclose cve reserve`)")
    if not description:
        missing.append("the advisory summary (Advisory fields)")
    affected = tuple(
        AffectedPackage(
            product=package.name or incident.component,
            ecosystem=package.ecosystem,
            package_name=package.name,
            ranges=tuple(r for events in package.ranges for r in _stretches(events)),
            versions=tuple(package.versions),
        )
        for package in ctx.affected_packages()
        if package.name or incident.component
    )
    if not affected:
        missing.append("the affected component or package (Advisory fields)")
    references = _references(ctx)
    if not references:
        missing.append("a public reference URL (external reference or advisory details)")
    text = " ".join((incident.advisory_summary, incident.advisory_details))
    cwes = [*(incident.cwe_ids or []), *(f"CWE-{n}" for n in CWE.findall(text))]
    fixed = [v for package in ctx.affected_packages() for v in package.fixed]
    fixed_text = ", ".join(dict.fromkeys(fixed)) or incident.fixed_versions
    return CveAdvisory(
        cve_id=incident.cve_id or "",
        title=incident.title,
        description=description,
        affected=affected,
        cwes=tuple(dict.fromkeys(cwes)),
        cvss_vectors=_one_per_version([*osv.vectors(ctx), *scored]),
        references=references,
        credits=tuple(Credit(c.name, c.type) for c in osv.exported_credits(ctx)),
        solution=f"Fixed in {fixed_text}." if fixed_text else "",
        workaround=incident.mitigation.strip(),
        date_public=incident.disclosed_at or incident.disclosure_planned_at,
        external_discovery=incident.source != Source.INTERNAL.value,
        missing=tuple(missing),
    )


def _stretches(events: Sequence[dict[str, str]]) -> list[VersionRange]:
    """One OSV range's events as affected stretches; an introduced version with nothing
    after it is affected from there on."""
    found: list[VersionRange] = []
    start: str | None = None
    for event in events:
        if "introduced" in event:
            if start is not None:
                found.append(VersionRange(start))
            start = event["introduced"]
        elif start is not None and ("fixed" in event or "last_affected" in event):
            found.append(VersionRange(start, event.get("fixed"), event.get("last_affected")))
            start = None
    if start is not None:
        found.append(VersionRange(start))
    return found


# OSV reference types as CVE reference tags.
REFERENCE_TAGS = {"ADVISORY": ("vendor-advisory",), "FIX": ("patch",)}


def _references(ctx: ExportContext) -> tuple[Reference, ...]:
    incident = ctx.incident
    own = f"?id={incident.cve_id}" if incident.cve_id else None
    found = [
        Reference(r["url"], tags=REFERENCE_TAGS.get(r.get("type", ""), ()))
        for r in osv.references(ctx)
        if not (own and r["url"].endswith(own))  # the record does not cite itself
    ]
    found += [Reference(url) for url in URL.findall(incident.advisory_details)]
    unique: dict[str, Reference] = {}
    for reference in found:
        unique.setdefault(reference.url, reference)
    return tuple(unique.values())


def _one_per_version(vectors: list[str]) -> tuple[str, ...]:
    chosen: dict[str, str] = {}
    for vector in vectors:
        chosen.setdefault(vector.split("/", 1)[0], vector.strip())
    return tuple(chosen.values())
