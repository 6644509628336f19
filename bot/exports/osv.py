"""An OSV record (https://ossf.github.io/osv-schema/) for the incident."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from bot.exports.context import ExportContext
from bot.exports.versions import is_semver, listed_versions, range_events

SCHEMA_VERSION = "1.7.0"
# IDs outside the registered OSV databases take the x_ prefix the schema reserves for them.
ID_PREFIX = "x_"
ALIAS = re.compile(r"^(CVE-\d{4}-\d{4,}|GHSA(-[23456789cfghjmpqrvwx]{4}){3})$")
REPORT_SOURCES = {"hackerone", "email", "other", "internal"}


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def severity(vector: str | None) -> list[dict[str, str]]:
    if not vector:
        return []
    if vector.startswith("CVSS:3."):
        return [{"type": "CVSS_V3", "score": vector}]
    if vector.startswith("CVSS:4."):
        return [{"type": "CVSS_V4", "score": vector}]
    return []


def affected(ctx: ExportContext) -> list[dict[str, Any]]:
    incident = ctx.incident
    events = range_events(incident.affected_versions, incident.fixed_versions)
    versions = listed_versions(incident.affected_versions)
    entry: dict[str, Any] = {}
    name = incident.package_name or incident.component
    if incident.package_ecosystem and name:
        entry["package"] = {"ecosystem": incident.package_ecosystem, "name": name}
    if events:
        semver = all(is_semver(v) for event in events for v in event.values())
        if semver or "package" in entry:
            entry["ranges"] = [{"type": "SEMVER" if semver else "ECOSYSTEM", "events": events}]
    if versions:
        entry["versions"] = versions
    if not entry:
        return []
    text = {"affected": incident.affected_versions, "fixed": incident.fixed_versions}
    entry["database_specific"] = {"as_written": {k: v for k, v in text.items() if v}}
    return [entry]


def references(ctx: ExportContext) -> list[dict[str, str]]:
    incident = ctx.incident
    found: list[dict[str, str]] = []
    if incident.cve_id:
        found.append(
            {"type": "ADVISORY", "url": f"https://www.cve.org/CVERecord?id={incident.cve_id}"}
        )
    ref = incident.external_ref
    if ref.startswith("GHSA-"):
        found.append({"type": "ADVISORY", "url": f"https://github.com/advisories/{ref}"})
    elif ref.startswith(("https://", "http://")):
        kind = "REPORT" if incident.source in REPORT_SOURCES else "WEB"
        if "/security/advisories/" in ref:
            kind = "ADVISORY"
        found.append({"type": kind, "url": ref})
    return found


def aliases(ctx: ExportContext) -> list[str]:
    incident = ctx.incident
    names = [incident.cve_id or "", incident.external_ref]
    return list(dict.fromkeys(n for n in names if n and ALIAS.match(n)))


def credits(ctx: ExportContext) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    reporter = ctx.incident.reporter_name.strip()
    if reporter:
        found.append({"name": reporter, "type": "REPORTER"})
    for line in ctx.credit_lines():
        found.append({"name": line, "type": "OTHER"})
    for user in ctx.fix_team_credits():
        found.append({"name": ctx.name(user), "type": "REMEDIATION_DEVELOPER"})
    if ctx.incident.lead_id:
        found.append({"name": ctx.name(ctx.incident.lead_id), "type": "COORDINATOR"})
    unique: dict[tuple[str, str], dict[str, Any]] = {}
    for credit in found:
        unique.setdefault((credit["name"], credit["type"]), credit)
    return list(unique.values())


def osv_record(ctx: ExportContext) -> dict[str, Any]:
    incident = ctx.incident
    record: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "id": ID_PREFIX + incident.human_id,
        "modified": timestamp(ctx.now),
        "summary": incident.advisory_summary or incident.title,
        "details": incident.advisory_details or incident.description or incident.title,
    }
    if incident.disclosed_at:
        record["published"] = timestamp(incident.disclosed_at)
    optional = {
        "aliases": aliases(ctx),
        "severity": severity(incident.cvss_vector),
        "affected": affected(ctx),
        "references": references(ctx),
        "credits": credits(ctx),
    }
    record.update({name: value for name, value in optional.items() if value})
    record["database_specific"] = {
        "incident": incident.human_id,
        "phase": incident.phase,
        "severity": incident.severity,
        "cvss_score": incident.cvss_score,
    }
    return record


def osv_json(ctx: ExportContext) -> str:
    return json.dumps(osv_record(ctx), indent=2, ensure_ascii=False) + "\n"
