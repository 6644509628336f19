"""The error a Web API method answers with."""

from __future__ import annotations

from typing import Any


class SlackError(Exception):
    """A refusal: rendered as ``{"ok": false, "error": ..., **extra}`` (HTTP 200 unless said)."""

    def __init__(self, error: str, *, status: int = 200, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


def invalid_blocks(problems: list[str]) -> SlackError:
    return SlackError(
        "invalid_blocks",
        errors=problems,
        response_metadata={"messages": [f"[ERROR] {problem}" for problem in problems]},
    )


def invalid_view(problems: list[str]) -> SlackError:
    return SlackError(
        "invalid_arguments",
        response_metadata={"messages": [f"[ERROR] {problem}" for problem in problems]},
    )
