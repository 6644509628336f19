"""What a CVE record says, as plain data, and where it comes from in the incident.

The CNA container builder (`record.py`) reads only `CveAdvisory`; `from_incident` is the
one place that knows how the incident stores its advisory fields.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.exports.versions import listed_versions, range_events
from bot.incident.models import Incident, Source

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


def from_incident(incident: Incident, vectors: Sequence[str] = ()) -> CveAdvisory:
    """The incident's advisory fields as a CveAdvisory. `vectors` are the final CVSS vectors
    (the incident's own first); only what the team wrote for the advisory is used, never the
    private description of the report."""
    description = "\n\n".join(
        part.strip() for part in (incident.advisory_summary, incident.advisory_details) if part
    ).strip()
    missing = []
    if not incident.cve_id:
        missing.append("a CVE ID (`/disclose cve reserve`)")
    if not description:
        missing.append("the advisory summary (Advisory fields)")
    product = incident.package_name or incident.component
    affected: tuple[AffectedPackage, ...] = ()
    if product:
        affected = (
            AffectedPackage(
                product=product,
                ecosystem=incident.package_ecosystem,
                package_name=incident.package_name,
                ranges=_ranges(incident.affected_versions, incident.fixed_versions),
                versions=tuple(listed_versions(incident.affected_versions)),
            ),
        )
    else:
        missing.append("the affected component or package (Advisory fields)")
    references = _references(incident)
    if not references:
        missing.append("a public reference URL (external reference or advisory details)")
    text = " ".join((incident.advisory_summary, incident.advisory_details))
    return CveAdvisory(
        cve_id=incident.cve_id or "",
        title=incident.title,
        description=description,
        affected=affected,
        cwes=tuple(dict.fromkeys(f"CWE-{n}" for n in CWE.findall(text))),
        cvss_vectors=_one_per_version([v for v in (incident.cvss_vector, *vectors) if v]),
        references=references,
        credits=_credits(incident.credits),
        solution=f"Fixed in {incident.fixed_versions}." if incident.fixed_versions else "",
        workaround=incident.mitigation.strip(),
        date_public=incident.disclosed_at or incident.disclosure_planned_at,
        external_discovery=incident.source != Source.INTERNAL.value,
        missing=tuple(missing),
    )


def _ranges(affected: str, fixed: str) -> tuple[VersionRange, ...]:
    events = range_events(affected, fixed)
    found = []
    for start, end in zip(events[::2], events[1::2], strict=False):
        found.append(
            VersionRange(
                introduced=start["introduced"],
                fixed=end.get("fixed"),
                last_affected=end.get("last_affected"),
            )
        )
    return tuple(found)


def _references(incident: Incident) -> tuple[Reference, ...]:
    urls = []
    if URL.fullmatch(incident.external_ref.strip()):
        urls.append(incident.external_ref.strip())
    urls += URL.findall(incident.advisory_details)
    return tuple(Reference(url) for url in dict.fromkeys(urls))


def _one_per_version(vectors: list[str]) -> tuple[str, ...]:
    chosen: dict[str, str] = {}
    for vector in vectors:
        chosen.setdefault(vector.split("/", 1)[0], vector.strip())
    return tuple(chosen.values())


def _credits(text: str) -> tuple[Credit, ...]:
    return tuple(Credit(line.strip()) for line in text.splitlines() if line.strip())
