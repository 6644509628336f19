"""What Slack does with the bot's answer to a view submission."""

from __future__ import annotations

from typing import Any

from .errors import SlackError
from .methods.views import checked_view, close_view, push_view, replace_view
from .transport import DriverResponse
from .workspace import Workspace


def apply_response_action(
    ws: Workspace, response: DriverResponse, view: dict[str, Any], user_id: str
) -> None:
    """Close, clear, update, push or show errors; an answer Slack would refuse is a problem."""
    try:
        answer = response.json() or {}
    except ValueError:
        response.problems.append("invalid response: not JSON")
        return
    kind = answer.get("response_action")
    with ws.lock:
        try:
            if kind is None:
                close_view(ws, user_id, view["id"])
            elif kind == "clear":
                close_view(ws, user_id, view["id"], everything=True)
            elif kind == "update":
                replace_view(ws, view["id"], answer.get("view"))
            elif kind == "push":
                push_view(ws, user_id, checked_view(answer.get("view"), "modal"))
            elif kind == "errors":
                response.view_errors = dict(answer.get("errors") or {})
                _check_errors(view, response)
            else:
                response.problems.append(f"unknown response_action {kind!r}")
        except SlackError as error:
            messages = error.extra.get("response_metadata", {}).get("messages", [])
            response.problems.append(" ".join([error.error, *messages]))


def _check_errors(view: dict[str, Any], response: DriverResponse) -> None:
    inputs = {
        block.get("block_id") for block in view.get("blocks", []) if block.get("type") == "input"
    }
    for block_id in response.view_errors or {}:
        if block_id not in inputs:
            response.problems.append(f"errors names {block_id!r}, which is not an input block")
