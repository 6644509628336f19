"""Error answers as RFC 9457 problem details (`application/problem+json`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "tag:disclosure-bot,2026:problem:"


@dataclass
class Problem(Exception):
    """A refusal: HTTP status, a stable type slug, and a sentence for the sender."""

    status: int
    slug: str
    detail: str
    errors: dict[str, str] = field(default_factory=dict)  # field name -> what is wrong
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return HTTPStatus(self.status).phrase

    def body(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "type": TYPE_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            document["errors"] = [
                {"field": name, "pointer": "#/" + name.replace(".", "/"), "detail": text}
                for name, text in self.errors.items()
            ]
        return document


def invalid_fields(errors: dict[str, str]) -> Problem:
    names = ", ".join(errors)
    noun = "field is" if len(errors) == 1 else "fields are"
    return Problem(
        422, "invalid-report", f"{len(errors)} {noun} missing or invalid: {names}.", errors
    )
