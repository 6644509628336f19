"""GitHub's `repository_advisory` webhook: a private vulnerability report, or its publication.

Every real shape is read: the rich one, and the minimal `reported` one full of nulls with
a placeholder package (`{"ecosystem": "", "name": ""}`, `<0`). The advisory gives the
incident its title, description, every CVSS vector (3.x and 4.0), CWE IDs, affected
packages with exact OSV ranges, typed credits with their state, and the GHSA and CVE IDs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.advisory.ecosystems import osv_ecosystem
from bot.advisory.model import CREDIT_STATES, CREDIT_TYPES, AffectedPackage, Credit, clean_cwes
from bot.advisory.ranges import read_github_range
from bot.incident.models import DESCRIPTION_MAX, TITLE_MAX, Source
from bot.incident.validation import SHORT_FIELD_MAX, VERSIONS_MAX, IncidentDraft, validate_draft
from bot.scoring.engine import VectorError, parse_vector

EVENT = "repository_advisory"
ACTION = "reported"
PUBLISHED = "published"
ACTIONS = (ACTION, PUBLISHED)
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
    """What a `repository_advisory` delivery says, read into the bot's terms."""

    draft: IncidentDraft
    ghsa_id: str
    action: str = ACTION
    cve_id: str | None = None
    severity: str | None = None
    cwe_ids: list[str] = field(default_factory=list)
    repository: str = ""
    vectors: list[str] = field(default_factory=list)  # every vector given, 3.x and 4.0
    packages: list[AffectedPackage] = field(default_factory=list)
    credits: list[Credit] = field(default_factory=list)
    state: str = ""  # GitHub's advisory state: triage, draft, published, closed
    published_at: datetime | None = None
    text: str = ""  # the advisory's own description, as GitHub sent it

    @property
    def incident_fields(self) -> dict[str, object]:
        """Incident columns beyond the draft, set in the transaction that opens it."""
        first = self.packages[0] if self.packages else None
        fields: dict[str, object] = {
            "ghsa_id": self.ghsa_id,
            "cve_id": self.cve_id,
            "cwe_ids": self.cwe_ids,
            "reported_vectors": [{"vector": v, "source": "github"} for v in self.vectors],
            "package_ecosystem": first.ecosystem if first else "",
            "package_name": _clip(first.name, SHORT_FIELD_MAX) if first else "",
            "fixed_versions": _clip(
                "; ".join(v for p in self.packages for v in p.fixed), VERSIONS_MAX
            ),
            "advisory_note": "\n".join(
                f"{p.name or 'package'}: {p.note}" for p in self.packages if p.note
            ),
        }
        band = SEVERITY_BANDS.get((self.severity or "").lower())
        # A vector's score sets the severity when the incident opens; the word never overrides it.
        if band is not None and not self.draft.cvss_vector:
            fields["severity"] = band
        return fields

    def snapshot(self) -> dict[str, Any]:
        """The advisory's fields as plain data, to tell what a later delivery changed."""
        return {
            "summary": self.draft.title,
            "description": self.text,
            "severity": self.severity,
            "cve_id": self.cve_id,
            "cwe_ids": self.cwe_ids,
            "vectors": self.vectors,
            "packages": [p.osv() for p in self.packages],
            "fixed": [p.fixed for p in self.packages],
            "credits": [[c.name, c.type, c.state] for c in self.credits],
            "state": self.state,
        }


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value.replace("\x00", "").strip() if isinstance(value, str) else ""


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _vectors(advisory: dict[str, Any]) -> list[str]:
    """Every vector GitHub gives (v3, v4, the older single field), once each, in that order."""
    severities = _dict(advisory.get("cvss_severities"))
    found = [
        _text(_dict(source).get("vector_string"))
        for source in (severities.get("cvss_v3"), severities.get("cvss_v4"), advisory.get("cvss"))
    ]
    return list(dict.fromkeys(v for v in found if v))


def _scorable(vectors: list[str]) -> str | None:
    """The vector the bot scores the incident by: the first one it can read (v3 first)."""
    for vector in vectors:
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


def _credit_type(word: str) -> str:
    kind = word.strip().upper()
    return kind if kind in CREDIT_TYPES else "OTHER"


def _credits(advisory: dict[str, Any]) -> list[Credit]:
    """`credits_detailed` one to one (type and state); the older `credits` list only when
    the detailed one is empty, as pending: it does not say whether the person accepted."""
    found: list[Credit] = []
    for item in _list(advisory.get("credits_detailed")):
        user = _dict(_dict(item).get("user"))
        login = _text(user.get("login"))
        if not login:
            continue
        state = _text(_dict(item).get("state")).lower()
        found.append(
            Credit(
                name=_clip(login, SHORT_FIELD_MAX),
                type=_credit_type(_text(_dict(item).get("type"))),
                contact=_clip(_text(user.get("html_url")) or f"https://github.com/{login}", 300),
                state=state if state in CREDIT_STATES else "pending",
                source="github",
            )
        )
    if found:
        return found
    for item in _list(advisory.get("credits")):
        login = _text(_dict(item).get("login"))
        if login:
            found.append(
                Credit(
                    name=_clip(login, SHORT_FIELD_MAX),
                    type=_credit_type(_text(_dict(item).get("type"))),
                    contact=f"https://github.com/{login}",
                    state="pending",
                    source="github",
                )
            )
    return found


def _reporter(
    advisory: dict[str, Any], payload: dict[str, Any], credits: list[Credit]
) -> tuple[str, str]:
    """(login, profile URL) of whoever reported it: the reporter credit, else the author,
    else the sender (a private report is sent by its reporter; `author` is often null)."""
    for credit in credits:
        if credit.type == "REPORTER":
            return credit.name, credit.contact
    user = _dict(advisory.get("author")) or _dict(payload.get("sender"))
    login = _text(user.get("login"))
    contact = _text(user.get("html_url")) or (f"https://github.com/{login}" if login else "")
    return login, contact


def _packages(advisory: dict[str, Any]) -> list[AffectedPackage]:
    """One package per ecosystem and name; GitHub's ranges for it become its OSV ranges.

    The placeholder GitHub sends before anyone names a package (empty ecosystem and name,
    `<0`) is no package at all. A range that does not read is kept as text with a note.
    """
    found: dict[tuple[str, str], AffectedPackage] = {}
    for item in _list(advisory.get("vulnerabilities")):
        package = _dict(_dict(item).get("package"))
        name = _clip(_text(package.get("name")), SHORT_FIELD_MAX)
        word = _text(package.get("ecosystem"))
        if not name:
            continue
        ecosystem = osv_ecosystem(word) or ""
        entry = found.setdefault((ecosystem, name), AffectedPackage(ecosystem=ecosystem, name=name))
        text = _text(item.get("vulnerable_version_range"))
        notes = [] if ecosystem or not word else [f"ecosystem `{word}` is not one OSV knows"]
        if text:
            read = read_github_range(ecosystem, text)
            entry.ranges += read.ranges
            entry.versions += read.versions
            notes += [f"`{text}`: {problem}" for problem in read.problems]
            entry.range_text = "; ".join(t for t in (entry.range_text, text) if t)
        patched = _text(item.get("patched_versions"))
        first = _text(_dict(item.get("first_patched_version")).get("identifier"))
        for version in (v.strip() for v in (patched or first).split(",")):
            if version and version != ">0" and version not in entry.fixed:
                entry.fixed.append(version)
        if notes:
            entry.note = "; ".join(n for n in (entry.note, *notes) if n)
    return list(found.values())


def _identifier(advisory: dict[str, Any], kind: str) -> str:
    for item in _list(advisory.get("identifiers")):
        if _text(_dict(item).get("type")).upper() == kind:
            return _text(_dict(item).get("value"))
    return ""


def _moment(value: Any) -> datetime | None:
    text = _text(value)
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _details(
    advisory: dict[str, Any],
    ghsa: str,
    cve: str,
    repository: str,
    vectors: list[str],
    cwes: list[tuple[str, str]],
    packages: list[AffectedPackage],
) -> str:
    lines = [f"GitHub private vulnerability report {ghsa}" + (f" ({cve})" if cve else "")]
    if repository:
        lines[0] += f" on {repository}"
    severity = _text(advisory.get("severity"))
    if severity or vectors:
        lines.append("Severity: " + " ".join(part for part in (severity, *vectors) if part))
    if cwes:
        lines.append(
            "Weaknesses: " + ", ".join(f"{cwe} ({name})" if name else cwe for cwe, name in cwes)
        )
    for package in packages:
        ecosystem = f"{package.ecosystem} " if package.ecosystem else ""
        ranges = "; ".join(package.range_phrases()) or "(no range given)"
        affected = f"Affected: {ecosystem}{package.name} {ranges}"
        if package.fixed:
            affected += ", patched in " + ", ".join(package.fixed)
        lines.append(affected)
    # Credits are not listed here: the description can reach an export, and a credit
    # GitHub has not marked accepted may never leave the incident (they are rows instead).
    return "\n".join(lines)


def read_advisory(payload: Any) -> tuple[Advisory | None, dict[str, str]]:
    """The advisory a delivery carries, or a problem for each field that is unusable."""
    document = _dict(payload)
    advisory = _dict(document.get("repository_advisory"))
    if not advisory:
        return None, {"repository_advisory": "Missing: the event carries no advisory object."}
    problems = {
        PREFIX + name: "Required; it must be a non-empty string."
        for name in ("ghsa_id", "summary")
        if not _text(advisory.get(name))
    }
    if problems:
        return None, problems
    ghsa = _text(advisory["ghsa_id"])
    cve = _text(advisory.get("cve_id")) or _identifier(advisory, "CVE")
    repository = _text(_dict(document.get("repository")).get("full_name"))
    vectors = _vectors(advisory)
    vector = _scorable(vectors)
    cwes = _cwes(advisory)
    cwe_ids, _ = clean_cwes([cwe for cwe, _ in cwes])
    packages = _packages(advisory)
    credits = _credits(advisory)
    details = _details(advisory, ghsa, cve, repository, vectors, cwes, packages)
    room = DESCRIPTION_MAX - len(details) - 2
    text = _clip(_text(advisory.get("description")), max(room, 0))
    login, contact = _reporter(advisory, document, credits)
    phrases = [f"{p.name} {'; '.join(p.range_phrases())}".strip() for p in packages]
    draft = IncidentDraft(
        title=_clip(_text(advisory["summary"]), TITLE_MAX),
        description=_clip(f"{text}\n\n{details}" if text else details, DESCRIPTION_MAX),
        reporter_name=_clip(login, SHORT_FIELD_MAX),
        reporter_contact=_clip(contact, SHORT_FIELD_MAX),
        source=Source.GITHUB.value,
        external_ref=_text(advisory.get("html_url")) or ghsa,
        component=_clip(", ".join(p.name for p in packages), SHORT_FIELD_MAX),
        affected_versions=_clip(
            "; ".join(packages[0].range_phrases()) if len(packages) == 1 else "; ".join(phrases),
            VERSIONS_MAX,
        ),
        is_public=False,
        cvss_vector=vector,
        extra={"cwe_ids": ",".join(cwe_ids)},
    )
    invalid = validate_draft(draft)
    if invalid:
        return None, {PREFIX + DRAFT_FIELDS.get(name, name): why for name, why in invalid.items()}
    return Advisory(
        draft=draft,
        ghsa_id=_clip(ghsa, 40),
        action=_text(document.get("action")) or ACTION,
        cve_id=_clip(cve, 32) or None,
        severity=_text(advisory.get("severity")) or None,
        cwe_ids=cwe_ids,
        repository=repository,
        vectors=vectors,
        packages=packages,
        credits=credits,
        state=_text(advisory.get("state")),
        published_at=_moment(advisory.get("published_at")),
        text=_text(advisory.get("description")),
    ), {}
