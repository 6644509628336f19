"""The CVE JSON 5 CNA container of an advisory (the body CVE Services publishes)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from bot.advisory.ordering import is_semver
from bot.cve.advisory import AffectedPackage, CveAdvisory
from bot.scoring.engine import score
from bot.scoring.parsing import VectorError

# CVE Services sets providerMetadata itself on publication; the schema still wants an orgId
# for local validation, so the container carries this nil-like version 4 UUID until then.
PLACEHOLDER_ORG_ID = "00000000-0000-4000-8000-000000000000"
TITLE_MAX = 256
# Package collections named in the schema's examples, by OSV ecosystem.
COLLECTIONS = {
    "Go": "https://pkg.go.dev",
    "PyPI": "https://pypi.python.org",
    "npm": "https://registry.npmjs.org",
    "Maven": "https://repo.maven.apache.org/maven2",
    "crates.io": "https://crates.io",
    "RubyGems": "https://rubygems.org",
    "NuGet": "https://nuget.org/packages",
    "Packagist": "https://packagist.org",
    "Hex": "https://repo.hex.pm",
    "Pub": "https://pub.dev",
}
CVSS_KEYS = {"3.0": "cvssV3_0", "3.1": "cvssV3_1", "4.0": "cvssV4_0"}
# CVE `versionType` for ecosystems whose versions are not SemVer.
VERSION_TYPES = {"PyPI": "python", "Maven": "maven", "RubyGems": "rubygems", "NuGet": "nuget"}
# OSV credit types (the team's data) as the CVE record's credit types.
CREDIT_TYPES = {
    "FINDER": "finder",
    "REPORTER": "reporter",
    "ANALYST": "analyst",
    "COORDINATOR": "coordinator",
    "REMEDIATION_DEVELOPER": "remediation developer",
    "REMEDIATION_REVIEWER": "remediation reviewer",
    "REMEDIATION_VERIFIER": "remediation verifier",
    "TOOL": "tool",
    "SPONSOR": "sponsor",
    "OTHER": "other",
}


def cna_container(advisory: CveAdvisory, vendor: str) -> dict[str, Any]:
    container: dict[str, Any] = {
        "providerMetadata": {"orgId": PLACEHOLDER_ORG_ID},
        "title": _title(advisory.title),
        "descriptions": [{"lang": "en", "value": advisory.description}],
        "affected": [_affected(package, vendor) for package in advisory.affected],
        "references": [_reference(r.url, r.name, r.tags) for r in advisory.references],
    }
    if advisory.cwes:
        container["problemTypes"] = [
            {
                "descriptions": [
                    {"lang": "en", "cweId": cwe, "description": cwe, "type": "CWE"}
                    for cwe in advisory.cwes
                ]
            }
        ]
    metrics = [metric for metric in map(_metric, advisory.cvss_vectors) if metric]
    if metrics:
        container["metrics"] = metrics
    if advisory.credits:
        container["credits"] = [
            {"lang": "en", "value": credit.name, "type": cve_credit_type(credit.kind)}
            for credit in advisory.credits
        ]
    if advisory.solution:
        container["solutions"] = [{"lang": "en", "value": advisory.solution}]
    if advisory.workaround:
        container["workarounds"] = [{"lang": "en", "value": advisory.workaround}]
    if advisory.date_public is not None:
        container["datePublic"] = _timestamp(advisory.date_public)
    container["source"] = {"discovery": "EXTERNAL" if advisory.external_discovery else "INTERNAL"}
    return container


def cve_credit_type(kind: str) -> str:
    """A credit type in the CVE record's words, from OSV's or already CVE's."""
    return CREDIT_TYPES.get(
        kind.upper().replace(" ", "_"), kind if kind in CREDIT_TYPES.values() else "other"
    )


def fingerprint(container: dict[str, Any]) -> str:
    """A short digest that a confirmation carries, so the record confirmed is the one sent."""
    text = json.dumps(container, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _title(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


def _affected(package: AffectedPackage, vendor: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"vendor": vendor, "product": package.product}
    collection = COLLECTIONS.get(package.ecosystem)
    if collection and package.package_name:
        entry["collectionURL"] = collection
        entry["packageName"] = package.package_name
    every = [v for r in package.ranges for v in (r.introduced, r.fixed, r.last_affected) if v]
    semver = all(v == "0" or is_semver(v) for v in every)
    version_type = "semver" if semver else VERSION_TYPES.get(package.ecosystem, "custom")
    versions: list[dict[str, Any]] = []
    for stretch in package.ranges:
        version: dict[str, Any] = {"version": stretch.introduced, "status": "affected"}
        if stretch.fixed:
            version["lessThan"] = stretch.fixed
        elif stretch.last_affected:
            version["lessThanOrEqual"] = stretch.last_affected
        else:  # nothing fixed yet: every later version
            version["lessThan"] = "*"
        version["versionType"] = version_type
        versions.append(version)
    versions += [{"version": v, "status": "affected"} for v in package.versions]
    if versions:
        entry["versions"] = versions
        # Versions outside the stretches named are not affected.
        entry["defaultStatus"] = "unaffected"
    else:
        entry["defaultStatus"] = "unknown"
    return entry


def _reference(url: str, name: str, tags: tuple[str, ...]) -> dict[str, Any]:
    reference: dict[str, Any] = {"url": url}
    if name:
        reference["name"] = name
    if tags:
        reference["tags"] = list(tags)
    return reference


def _metric(vector: str) -> dict[str, Any] | None:
    try:
        result = score(vector)
    except VectorError:
        return None
    key = CVSS_KEYS.get(result.version)
    if key is None:
        return None
    if result.version == "4.0":
        number, severity = result.score, result.severity
    else:
        number = result.base_score if result.base_score is not None else result.score
        severity = result.base_severity or result.severity
    return {
        "format": "CVSS",
        "scenarios": [{"lang": "en", "value": "GENERAL"}],
        key: {
            "version": result.version,
            "vectorString": result.vector,
            "baseScore": number,
            "baseSeverity": severity.upper(),
        },
    }


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
