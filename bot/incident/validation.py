"""Checks on what a reporter typed, with messages that say what is allowed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from urllib.parse import urlparse

from bot.incident.models import DESCRIPTION_MAX, TITLE_MAX, Source
from bot.scoring.engine import VectorError, parse_vector

REFERENCE_ID = re.compile(
    r"^(CVE-\d{4}-\d{4,}|GHSA(-[23456789cfghjmpqrvwx]{4}){3}|H1-\d+|#\d+|[A-Z][A-Z0-9]+-\d+)$"
)
SHORT_FIELD_MAX = 200
VERSIONS_MAX = 500
REFERENCE_MAX = 500  # the columns' sizes (bot.incident.models)
VECTOR_MAX = 300


@dataclass(frozen=True)
class IncidentDraft:
    """A disclosure as reported, before it becomes an incident."""

    title: str
    description: str = ""
    reporter_name: str = ""
    reporter_contact: str = ""
    source: str = Source.OTHER.value
    external_ref: str = ""
    component: str = ""
    affected_versions: str = ""
    is_public: bool = False
    cvss_vector: str | None = None
    reported_at: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)


def without_nul(draft: IncidentDraft) -> IncidentDraft:
    """The draft without NUL characters, which PostgreSQL text cannot hold (SQLite can):
    a report carrying one would otherwise fail to store on one backend only."""
    changes: dict[str, object] = {
        f.name: value.replace("\x00", "")
        for f in fields(draft)
        if isinstance(value := getattr(draft, f.name), str)
    }
    changes["extra"] = {
        k.replace("\x00", ""): v.replace("\x00", "") for k, v in draft.extra.items()
    }
    return replace(draft, **changes)  # type: ignore[arg-type]


def _check_reference(reference: str) -> str | None:
    if not reference:
        return None
    if REFERENCE_ID.match(reference):
        return None
    parsed = urlparse(reference)
    if parsed.scheme in ("http", "https") and parsed.netloc and " " not in reference:
        return None
    return (
        "Reference must be an http(s) link (https://hackerone.com/reports/123) "
        "or an ID such as CVE-2026-1234, GHSA-xxxx-xxxx-xxxx or H1-123456."
    )


def _check_length(value: str, limit: int, label: str) -> str | None:
    if len(value) > limit:
        return f"{label} is {len(value)} characters long; at most {limit} are allowed."
    return None


def validate_draft(draft: IncidentDraft) -> dict[str, str]:
    """Map of field name to a plain-words problem; empty when the draft is good."""
    problems: dict[str, str] = {}
    title = draft.title.strip()
    if not title:
        problems["title"] = "A title is required: one line that names the problem."
    elif len(title) > TITLE_MAX:
        problems["title"] = f"The title is {len(title)} characters; at most {TITLE_MAX}."
    checks = {
        "description": _check_length(draft.description, DESCRIPTION_MAX, "The description"),
        "reporter_name": _check_length(draft.reporter_name, SHORT_FIELD_MAX, "The name"),
        "reporter_contact": _check_length(draft.reporter_contact, SHORT_FIELD_MAX, "The contact"),
        "component": _check_length(draft.component, SHORT_FIELD_MAX, "The component"),
        "affected_versions": _check_length(draft.affected_versions, VERSIONS_MAX, "Versions"),
        "external_ref": _check_length(draft.external_ref.strip(), REFERENCE_MAX, "The reference")
        or _check_reference(draft.external_ref.strip()),
        "cvss_vector": _check_length(draft.cvss_vector or "", VECTOR_MAX, "The CVSS vector"),
    }
    problems.update({name: message for name, message in checks.items() if message})
    if draft.source not in {s.value for s in Source}:
        allowed = ", ".join(s.value for s in Source)
        problems["source"] = f"Unknown source {draft.source!r}; allowed: {allowed}."
    if draft.cvss_vector and draft.cvss_vector.strip() and "cvss_vector" not in problems:
        try:
            parse_vector(draft.cvss_vector)
        except VectorError as error:
            problems["cvss_vector"] = str(error)
    return problems
