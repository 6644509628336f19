"""GitHub's `repository_advisory` webhook, `reported` action: a private vulnerability report.

The advisory gives the incident its title (summary), description, CVSS vector (or at
least GitHub's severity word), CWE IDs, affected package and versions, patched versions,
the reporter's credit and the advisory's URL as the reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.incident.models import DESCRIPTION_MAX, TITLE_MAX, Source
from bot.incident.validation import SHORT_FIELD_MAX, VERSIONS_MAX, IncidentDraft, validate_draft
from bot.scoring.engine import VectorError, parse_vector

EVENT = "repository_advisory"
ACTION = "reported"
PREFIX = "repository_advisory."
DRAFT_FIELDS = {
    "title": "summary",
    "description": "description",
    "external_ref": "html_url",
    "cvss_vector": "cvss",
}
# GitHub's severity words as the CVSS bands the incident stores ("moderate" is the word
# of GitHub's older advisory API for "medium").
SEVERITY_BANDS = {
    "critical": "Critical",
    "high": "High",
    "medium": "Medium",
    "moderate": "Medium",
    "low": "Low",
}


@dataclass(frozen=True)
class Advisory:
    """What a reported advisory contributes to a new incident."""

    draft: IncidentDraft
    ghsa_id: str
    cve_id: str | None = None
    severity: str | None = None
    cwe_ids: list[str] = field(default_factory=list)
    repository: str = ""
    credits: str = ""
    package_ecosystem: str = ""
    package_name: str = ""
    fixed_versions: str = ""

    @property
    def incident_fields(self) -> dict[str, str | None]:
        """Incident columns beyond the draft, set in the transaction that opens it."""
        fields: dict[str, str | None] = {
            "cve_id": self.cve_id,
            "credits": self.credits,
            "package_ecosystem": self.package_ecosystem,
            "package_name": self.package_name,
            "fixed_versions": self.fixed_versions,
        }
        band = SEVERITY_BANDS.get((self.severity or "").lower())
        # A vector's score sets the severity when the incident opens; the word never overrides it.
        if band is not None and not self.draft.cvss_vector:
            fields["severity"] = band
        return fields


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _vector(advisory: dict[str, Any]) -> str | None:
    """The first CVSS vector this bot can score: GitHub's v3, then v4, then the legacy field."""
    severities = _dict(advisory.get("cvss_severities"))
    for source in (
        severities.get("cvss_v3"),
        severities.get("cvss_v4"),
        advisory.get("cvss"),
    ):
        vector = _text(_dict(source).get("vector_string"))
        if not vector:
            continue
        try:
            parse_vector(vector)
        except VectorError:
            continue
        return vector
    return None


def _cwes(advisory: dict[str, Any]) -> list[tuple[str, str]]:
    found = [
        (_text(_dict(item).get("cwe_id")), _text(_dict(item).get("name")))
        for item in _list(advisory.get("cwes"))
    ]
    ids = {cwe for cwe, _ in found}
    found += [(_text(cwe), "") for cwe in _list(advisory.get("cwe_ids")) if _text(cwe) not in ids]
    return [(cwe, name) for cwe, name in found if cwe]


def _credits(
    advisory: dict[str, Any], payload: dict[str, Any]
) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """(login, credit type) pairs, and the GitHub user who reported it."""
    people: list[tuple[str, str]] = []
    reporter: dict[str, Any] = {}
    for item in _list(advisory.get("credits_detailed")):
        user = _dict(_dict(item).get("user"))
        kind = _text(_dict(item).get("type")) or "other"
        if _text(user.get("login")):
            people.append((_text(user["login"]), kind))
            if kind == "reporter" and not reporter:
                reporter = user
    if not people:
        for item in _list(advisory.get("credits")):
            login, kind = _text(_dict(item).get("login")), _text(_dict(item).get("type"))
            if login:
                people.append((login, kind or "other"))
                if kind == "reporter" and not reporter:
                    reporter = {"login": login}
    if not reporter:
        # A private report is authored by whoever reported it.
        reporter = _dict(advisory.get("author")) or _dict(payload.get("sender"))
    return people, reporter


def _packages(advisory: dict[str, Any]) -> list[dict[str, str]]:
    packages = []
    for item in _list(advisory.get("vulnerabilities")):
        package = _dict(_dict(item).get("package"))
        name = _text(package.get("name"))
        if not name:
            continue
        packages.append(
            {
                "ecosystem": _text(package.get("ecosystem")),
                "name": name,
                "range": _text(item.get("vulnerable_version_range")),
                "patched": _text(item.get("patched_versions")),
            }
        )
    return packages


def _details(
    advisory: dict[str, Any],
    repository: str,
    vector: str | None,
    cwes: list[tuple[str, str]],
    packages: list[dict[str, str]],
    credits: str,
) -> str:
    ghsa, cve = _text(advisory.get("ghsa_id")), _text(advisory.get("cve_id"))
    lines = [f"GitHub private vulnerability report {ghsa}" + (f" ({cve})" if cve else "")]
    if repository:
        lines[0] += f" on {repository}"
    severity = _text(advisory.get("severity"))
    if severity or vector:
        lines.append("Severity: " + " ".join(part for part in (severity, vector) if part))
    if cwes:
        lines.append(
            "Weaknesses: " + ", ".join(f"{cwe} ({name})" if name else cwe for cwe, name in cwes)
        )
    for package in packages:
        ecosystem = f"{package['ecosystem']} " if package["ecosystem"] else ""
        affected = f"Affected: {ecosystem}{package['name']} {package['range'] or '(all versions)'}"
        if package["patched"]:
            affected += f", patched in {package['patched']}"
        lines.append(affected)
    if credits:
        lines.append(f"Credit: {credits}")
    return "\n".join(lines)


def read_advisory(payload: Any) -> tuple[Advisory | None, dict[str, str]]:
    """The incident a reported advisory opens, or a problem for each field that is unusable."""
    advisory = _dict(_dict(payload).get("repository_advisory"))
    if not advisory:
        return None, {"repository_advisory": "Missing: the event carries no advisory object."}
    problems = {
        PREFIX + name: "Required; it must be a non-empty string."
        for name in ("ghsa_id", "summary")
        if not _text(advisory.get(name))
    }
    if problems:
        return None, problems
    repository = _text(_dict(payload.get("repository")).get("full_name"))
    vector = _vector(advisory)
    cwes = _cwes(advisory)
    packages = _packages(advisory)
    people, reporter = _credits(advisory, _dict(payload))
    credits = ", ".join(f"{login} ({kind})" for login, kind in people)
    details = _details(advisory, repository, vector, cwes, packages, credits)
    room = DESCRIPTION_MAX - len(details) - 2
    text = _clip(_text(advisory.get("description")), max(room, 0))
    login = _text(reporter.get("login"))
    contact = _text(reporter.get("html_url")) or (f"https://github.com/{login}" if login else "")
    draft = IncidentDraft(
        title=_clip(_text(advisory["summary"]), TITLE_MAX),
        description=_clip(f"{text}\n\n{details}" if text else details, DESCRIPTION_MAX),
        reporter_name=_clip(login, SHORT_FIELD_MAX),
        reporter_contact=_clip(contact, SHORT_FIELD_MAX),
        source=Source.GITHUB.value,
        external_ref=_text(advisory.get("html_url")) or _text(advisory["ghsa_id"]),
        component=_clip(", ".join(p["name"] for p in packages), SHORT_FIELD_MAX),
        affected_versions=_clip(
            packages[0]["range"]
            if len(packages) == 1
            else "; ".join(f"{p['name']} {p['range']}".strip() for p in packages),
            VERSIONS_MAX,
        ),
        is_public=False,
        cvss_vector=vector,
        extra={"cwe_ids": ",".join(cwe for cwe, _ in cwes)},
    )
    invalid = validate_draft(draft)
    if invalid:
        return None, {PREFIX + DRAFT_FIELDS.get(name, name): why for name, why in invalid.items()}
    first = packages[0] if packages else {}
    return Advisory(
        draft=draft,
        ghsa_id=_text(advisory["ghsa_id"]),
        cve_id=_clip(_text(advisory.get("cve_id")), 32) or None,
        severity=_text(advisory.get("severity")) or None,
        cwe_ids=[cwe for cwe, _ in cwes],
        repository=repository,
        credits=credits,
        package_ecosystem=_clip(first.get("ecosystem", ""), 40),
        package_name=_clip(first.get("name", ""), SHORT_FIELD_MAX),
        fixed_versions=_clip("; ".join(p["patched"] for p in packages if p["patched"]), 500),
    ), {}
