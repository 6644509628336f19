"""Validation of a CNA container against the bundled CVE JSON 5 schema, in plain words."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

SCHEMA_FILE = "CVE_Record_Format_bundled_5.1.1.json"
SCHEMA_VERSION = "5.1.1"


@cache
def record_schema() -> dict[str, Any]:
    text = resources.files("bot.cve").joinpath("schema", SCHEMA_FILE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _container_validator() -> Draft7Validator:
    schema = record_schema()
    # The container definition, with the record's definitions beside it for its $refs.
    container = {
        "$schema": schema["$schema"],
        "definitions": schema["definitions"],
        "$ref": "#/definitions/cnaPublishedContainer",
    }
    return Draft7Validator(container, format_checker=Draft7Validator.FORMAT_CHECKER)


@cache
def _record_validator() -> Draft7Validator:
    return Draft7Validator(record_schema(), format_checker=Draft7Validator.FORMAT_CHECKER)


def container_problems(container: dict[str, Any]) -> list[str]:
    """Every way the CNA container breaks the schema, each as `where: what`."""
    return _explain(_container_validator().iter_errors(container))


def record_problems(record: dict[str, Any]) -> list[str]:
    """The same for a whole CVE record (what CVE Services answers with)."""
    return _explain(_record_validator().iter_errors(record))


def _explain(errors: Any) -> list[str]:
    found: list[str] = []
    for error in sorted(errors, key=lambda e: list(e.absolute_path)):
        deepest = _deepest(error)
        where = _path(deepest) or "the record"
        found.append(f"{where}: {_short(deepest.message)}")
    return list(dict.fromkeys(found))


def _deepest(error: ValidationError) -> ValidationError:
    """anyOf/oneOf failures say little at the top; the innermost cause names the field."""
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return error


def _path(error: ValidationError) -> str:
    parts: list[str] = []
    for part in error.absolute_path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts)


def _short(message: str) -> str:
    return message if len(message) <= 200 else message[:197] + "..."
