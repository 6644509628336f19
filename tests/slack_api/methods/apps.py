"""apps.connections.open: a Socket Mode link, for the app-level token only (see api.py)."""

from __future__ import annotations

from typing import Any

from ..errors import SlackError
from ..params import Params
from ..workspace import Workspace


def connections_open(ws: Workspace, p: Params) -> dict[str, Any]:
    if ws.socket_link is None:
        raise SlackError("socket_mode_disabled")  # not Slack's wording: the fake is not running
    return {"url": ws.socket_link()}
