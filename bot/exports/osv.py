"""An OSV record (https://ossf.github.io/osv-schema/) for the incident.

Exact where it matters to a consumer: one `affected` entry per package with its purl and
the ranges as OSV events, every CVSS vector typed, typed references and credits (only
accepted credits), CWE IDs and severity in `database_specific` as GitHub's records have
them, `modified` at the last change of an exported field, `published` at disclosure.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from bot.advisory.model import Credit, public_credits
from bot.exports.context import ExportContext

# The OSV schema version this record follows (ossf/osv-schema, docs/schema.md).
SCHEMA_VERSION = "1.7.5"
# IDs outside the registered OSV databases take the x_ prefix the schema reserves for them.
ID_PREFIX = "x_"
CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")
GHSA = re.compile(r"(GHSA(?:-[23456789cfghjmpqrvwx]{4}){3})")
REPORT_SOURCES = {"hackerone", "email", "other", "internal"}
# Timeline events that change something this record carries.
EXPORTED_KINDS = {
    "created",
    "scored",
    "advisory_edited",
    "affected_edited",
    "cve_id",
    "github_changed",
    "github_published",
    "fix_team_added",
    "lead_accepted",
}
SEVERITY_TYPES = {"CVSS:3.0": "CVSS_V3", "CVSS:3.1": "CVSS_V3", "CVSS:4.0": "CVSS_V4"}


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def modified(ctx: ExportContext) -> datetime:
    incident = ctx.incident
    moments = [e.at for e in ctx.events if e.kind in EXPORTED_KINDS]
    moments += [m for m in (incident.advisory_modified_at, incident.disclosed_at) if m]
    return max(moments, default=incident.created_at)


def vectors(ctx: ExportContext) -> list[str]:
    """The team's scored vector first, then every vector the report brought."""
    incident = ctx.incident
    found = [incident.cvss_vector or ""]
    found += [str(v.get("vector") or "") for v in incident.reported_vectors or []]
    return list(dict.fromkeys(v for v in found if v))


def severity(ctx: ExportContext) -> list[dict[str, str]]:
    """One entry per CVSS version (OSV expects each type once): the team's score wins."""
    by_type: dict[str, str] = {}
    for vector in vectors(ctx):
        kind = SEVERITY_TYPES.get(vector.split("/", 1)[0])
        if kind is not None:
            by_type.setdefault(kind, vector)
    return [{"type": kind, "score": vector} for kind, vector in by_type.items()]


def ghsa_id(ctx: ExportContext) -> str | None:
    if ctx.incident.ghsa_id:
        return ctx.incident.ghsa_id
    found = GHSA.search(ctx.incident.external_ref or "")
    return found[1] if found else None


def aliases(ctx: ExportContext) -> list[str]:
    names = [ctx.incident.cve_id or "", ghsa_id(ctx) or ""]
    return list(dict.fromkeys(n for n in names if n and (CVE.match(n) or GHSA.fullmatch(n))))


def affected(ctx: ExportContext) -> list[dict[str, Any]]:
    # A package without an OSV ecosystem cannot be named in `affected` (the schema lists
    # the ecosystems); it stays in database_specific so a reader still sees it.
    return [p.osv() for p in ctx.affected_packages() if p.ecosystem and p.name]


def references(ctx: ExportContext) -> list[dict[str, str]]:
    incident = ctx.incident
    found: list[dict[str, str]] = []
    ref = incident.external_ref
    if ref.startswith(("https://", "http://")):
        kind = "REPORT" if incident.source in REPORT_SOURCES else "WEB"
        if "/security/advisories/" in ref:
            kind = "ADVISORY"
        found.append({"type": kind, "url": ref})
    ghsa = ghsa_id(ctx)
    if ghsa and (incident.github_published_at or incident.disclosed_at):
        found.append({"type": "ADVISORY", "url": f"https://github.com/advisories/{ghsa}"})
    if incident.cve_id:
        found.append(
            {"type": "ADVISORY", "url": f"https://www.cve.org/CVERecord?id={incident.cve_id}"}
        )
    for package in ctx.affected_packages():
        found += [{"type": "FIX", "url": link} for link in package.fix_links]
    unique: dict[str, dict[str, str]] = {}
    for reference in found:
        unique.setdefault(reference["url"], reference)
    return list(unique.values())


def exported_credits(ctx: ExportContext) -> list[Credit]:
    """Accepted credits only; the fix team and the fix lead as the team's own credits."""
    found = ctx.all_credits()
    reporter = ctx.incident.reporter_name.strip()
    outside_github = ctx.incident.source != "github"
    if reporter and outside_github and not any(c.type == "REPORTER" for c in found):
        # Reports from outside GitHub name their reporter in the report itself; GitHub's
        # reporter is credited only through a credit they accepted.
        found.insert(0, Credit(name=reporter, type="REPORTER"))
    found += [Credit(ctx.name(u), "REMEDIATION_DEVELOPER") for u in ctx.fix_team_credits()]
    if ctx.incident.lead_id:
        found.append(Credit(ctx.name(ctx.incident.lead_id), "COORDINATOR"))
    return public_credits(found)


def database_specific(ctx: ExportContext) -> dict[str, Any]:
    incident = ctx.incident
    extra: dict[str, Any] = {
        "cwe_ids": list(incident.cwe_ids or []),
        "severity": (incident.severity or "").upper() or None,
        "cvss_score": incident.cvss_score,
        "incident": incident.human_id,
        "phase": incident.phase,
    }
    unnamed = [
        {"name": p.name, "ranges_as_written": p.range_text, "not_read": p.note}
        for p in ctx.affected_packages()
        if not (p.ecosystem and p.name)
    ]
    if unnamed:
        extra["packages_without_ecosystem"] = unnamed
    if incident.advisory_note:
        extra["not_read"] = incident.advisory_note
    return extra


def osv_record(ctx: ExportContext) -> dict[str, Any]:
    incident = ctx.incident
    record: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "id": ID_PREFIX + incident.human_id,
        "modified": timestamp(modified(ctx)),
        "summary": incident.advisory_summary or incident.title,
        "details": incident.advisory_details or incident.description or incident.title,
    }
    if incident.disclosed_at:
        record["published"] = timestamp(incident.disclosed_at)
    optional = {
        "aliases": aliases(ctx),
        "severity": severity(ctx),
        "affected": affected(ctx),
        "references": references(ctx),
        "credits": [c.osv() for c in exported_credits(ctx)],
    }
    record.update({name: value for name, value in optional.items() if value})
    record["database_specific"] = database_specific(ctx)
    return record


def osv_json(ctx: ExportContext) -> str:
    return json.dumps(osv_record(ctx), indent=2, ensure_ascii=False) + "\n"
