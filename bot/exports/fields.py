"""The advisory fields the team edits, with checks that say what is allowed."""

from __future__ import annotations

import re

CVE_ID = re.compile(r"^CVE-\d{4}-\d{4,}$")
# OSV ecosystems a team is likely to ship in; the OSV schema lists more.
ECOSYSTEMS = (
    "Go",
    "PyPI",
    "npm",
    "Maven",
    "crates.io",
    "RubyGems",
    "NuGet",
    "Packagist",
    "Hex",
    "Pub",
    "Kubernetes",
    "GitHub Actions",
)
LIMITS = {
    "cve_id": 32,
    "advisory_summary": 500,
    "advisory_details": 3000,
    "affected_versions": 500,
    "fixed_versions": 500,
    "mitigation": 3000,
    "detection": 3000,
    "credits": 1000,
    "package_ecosystem": 40,
    "package_name": 200,
}
LABELS = {
    "cve_id": "The CVE ID",
    "advisory_summary": "The summary",
    "advisory_details": "The details",
    "affected_versions": "Affected versions",
    "fixed_versions": "Fixed versions",
    "mitigation": "The mitigation",
    "detection": "Detection",
    "credits": "Credits",
    "package_ecosystem": "The ecosystem",
    "package_name": "The package name",
}


def normalise(values: dict[str, str]) -> dict[str, str]:
    cleaned = {name: (value or "").strip() for name, value in values.items()}
    if cleaned.get("cve_id"):
        cleaned["cve_id"] = cleaned["cve_id"].upper()
    return cleaned


def validate(values: dict[str, str]) -> dict[str, str]:
    """Field name to a plain-words problem; empty when everything is acceptable."""
    problems: dict[str, str] = {}
    for name, value in values.items():
        limit = LIMITS.get(name)
        if limit is not None and len(value) > limit:
            problems[name] = f"{LABELS[name]} is {len(value)} characters; at most {limit}."
    cve = values.get("cve_id", "")
    if cve and "cve_id" not in problems and not CVE_ID.match(cve):
        problems["cve_id"] = "A CVE ID looks like CVE-2026-12345 (year, then 4 or more digits)."
    ecosystem = values.get("package_ecosystem", "")
    if ecosystem and ecosystem not in ECOSYSTEMS:
        problems["package_ecosystem"] = "Choose one of: " + ", ".join(ECOSYSTEMS) + "."
    return problems
