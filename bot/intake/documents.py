"""A signed JSON body read defensively: whatever its shape, a clear 4xx, never a crash."""

from __future__ import annotations

import json
from typing import Any

from bot.intake.problems import Problem, invalid_fields

MAX_DEPTH = 32  # neither a report nor GitHub's advisory nests anywhere near this


def parse_document(body: bytes) -> Any:
    """The JSON value of the body; refuses what is not UTF-8 JSON text a parser can hold."""
    try:
        document = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise Problem(400, "malformed-json", "The body is not UTF-8 text.") from None
    except json.JSONDecodeError as error:
        raise Problem(
            400,
            "malformed-json",
            f"The body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}.",
        ) from None
    except RecursionError:
        raise Problem(400, "malformed-json", _too_deep()) from None
    except ValueError:  # an integer of more digits than Python converts (4,300)
        raise Problem(
            400, "malformed-json", "The body holds a number too long to read; send it as a string."
        ) from None
    _check_shape(document)
    return document


def _too_deep() -> str:
    return f"The body nests objects or arrays more than {MAX_DEPTH} levels deep."


def _check_shape(document: Any) -> None:
    """Refuse deep nesting (400) and lone surrogates, which no database can store (422,
    naming the top-level field that holds one). Iterative, so depth cannot crash it."""
    problems: dict[str, str] = {}
    stack: list[tuple[Any, int, str]] = [(document, 0, "body")]
    while stack:
        value, depth, field = stack.pop()
        if depth > MAX_DEPTH:
            raise Problem(400, "malformed-json", _too_deep())
        if isinstance(value, str):
            if not _encodable(value):
                problems.setdefault(
                    field, "Holds a lone surrogate (such as \\ud800), which is not Unicode text."
                )
        elif isinstance(value, dict):
            for key, item in value.items():
                name = key if depth == 0 and _encodable(key) else field
                if not _encodable(key):
                    problems.setdefault(name, "A field name holds a lone surrogate.")
                stack.append((item, depth + 1, name))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, field) for item in value)
    if problems:
        raise invalid_fields(problems)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
