"""The JSON report `POST /intake/report` takes, and its checks.

    {
      "title": "Heap overflow in the YAML parser",          required
      "description": "A crafted document ...",            required
      "reporter_contact": "rita@example.org",             required
      "reporter_name": "Rita Reporter",
      "source": "hackerone",        email, hackerone, github, internal or other (default)
      "reference": "https://hackerone.com/reports/123",   a link or an ID such as CVE-...
      "component": "yaml-parser",
      "affected_versions": "<= 1.28.3",
      "cvss_vector": "CVSS:3.1/AV:N/...",                 3.0, 3.1 or 4.0
      "already_public": false
    }

Unknown fields are refused rather than dropped, so a typo never loses information.
"""

from __future__ import annotations

from typing import Any

from bot.incident.models import Source
from bot.incident.validation import IncidentDraft, validate_draft

TEXT_FIELDS = (
    "title",
    "description",
    "reporter_name",
    "reporter_contact",
    "source",
    "reference",
    "component",
    "affected_versions",
    "cvss_vector",
)
FLAGS = ("already_public",)
REQUIRED = ("title", "description", "reporter_contact")
# validate_draft speaks of the draft's attribute names; the report has its own.
DRAFT_NAMES = {"external_ref": "reference", "is_public": "already_public"}


def read_report(document: Any) -> tuple[IncidentDraft | None, dict[str, str]]:
    """The draft the report describes, or a problem for every field that is wrong."""
    if not isinstance(document, dict):
        return None, {"body": "The body must be a JSON object with the report's fields."}
    problems: dict[str, str] = {}
    for name in document:
        if name not in TEXT_FIELDS and name not in FLAGS:
            problems[name] = "Unknown field; allowed: " + ", ".join((*TEXT_FIELDS, *FLAGS)) + "."
    values: dict[str, str] = {}
    for name in TEXT_FIELDS:
        value = document.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            problems[name] = "Must be a string."
            continue
        # NUL means nothing in text and PostgreSQL cannot store it: a title of NULs is empty.
        values[name] = value.replace("\x00", "").strip()
    public = document.get("already_public")
    if public is not None and not isinstance(public, bool):
        problems["already_public"] = "Must be true or false."
    for name in REQUIRED:
        if name not in problems and not values.get(name):
            problems[name] = "Required; it must not be empty."
    draft = IncidentDraft(
        title=values.get("title", ""),
        description=values.get("description", ""),
        reporter_name=values.get("reporter_name", ""),
        reporter_contact=values.get("reporter_contact", ""),
        source=values.get("source") or Source.OTHER.value,
        external_ref=values.get("reference", ""),
        component=values.get("component", ""),
        affected_versions=values.get("affected_versions", ""),
        is_public=public is True,
        cvss_vector=values.get("cvss_vector") or None,
    )
    for name, message in validate_draft(draft).items():
        problems.setdefault(DRAFT_NAMES.get(name, name), message)
    return (None, problems) if problems else (draft, {})
