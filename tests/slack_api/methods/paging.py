"""Cursor pagination as Slack does it: an opaque ``next_cursor``, empty on the last page."""

from __future__ import annotations

import base64
from typing import Any, TypeVar

from ..errors import SlackError
from ..params import Params

Item = TypeVar("Item")


def paginate(
    items: list[Item], p: Params, *, default_limit: int = 100, max_limit: int = 1000
) -> tuple[list[Item], dict[str, Any]]:
    """One page of ``items`` and the ``response_metadata`` pointing at the next."""
    limit = p.number("limit", default_limit)
    if limit <= 0:
        limit = default_limit
    limit = min(limit, max_limit)
    start = _decode(p.text("cursor") or "")
    page = items[start : start + limit]
    following = start + limit
    cursor = _encode(following) if following < len(items) else ""
    return page, {"next_cursor": cursor}


def _encode(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode(cursor: str) -> int:
    if not cursor:
        return 0
    try:
        kind, _, number = base64.b64decode(cursor.encode(), validate=True).decode().partition(":")
        if kind != "offset":
            raise ValueError(cursor)
        return max(int(number), 0)
    except ValueError:
        raise SlackError("invalid_cursor") from None
