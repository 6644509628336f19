"""The advisory fields the team edits, with checks that say what is allowed."""

from __future__ import annotations

import re

from bot.advisory.ecosystems import OSV_ECOSYSTEMS
from bot.advisory.model import clean_cwes

CVE_ID = re.compile(r"^CVE-\d{4}-\d{4,}$")
# OSV's names, as the form offers them.
ECOSYSTEMS = OSV_ECOSYSTEMS
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
    "am_i_vulnerable": 3000,
    "upgrade_steps": 3000,
    "fix_impact": 3000,
    "tracking_issue_url": 500,
    "cwe_ids": 500,
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
    "am_i_vulnerable": "Am I vulnerable?",
    "upgrade_steps": "The steps after upgrading",
    "fix_impact": "The fix impact",
    "tracking_issue_url": "The tracking issue link",
    "cwe_ids": "The CWE IDs",
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
    cwes = values.get("cwe_ids", "")
    if cwes and "cwe_ids" not in problems:
        _, bad = clean_cwes(cwes.replace(",", " ").split())
        if bad:
            problems["cwe_ids"] = (
                f"Not CWE IDs: {', '.join(bad)}. Write them as CWE-79, CWE-787 (or just 79, 787)."
            )
    link = values.get("tracking_issue_url", "")
    if link and "tracking_issue_url" not in problems and not link.startswith("https://"):
        problems["tracking_issue_url"] = "The tracking issue link starts with https://."
    return problems
