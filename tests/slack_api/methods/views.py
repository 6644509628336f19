"""views.*: modals on a per-user stack of at most three, and App Home tabs."""

from __future__ import annotations

from typing import Any

from ..blockkit import validate_view
from ..errors import SlackError, invalid_view
from ..ids import view_hash
from ..params import Params
from ..workspace import Workspace

STACK_MAX = 3


def checked_view(given: Any, kind: str | None = None) -> dict[str, Any]:
    """A view argument Slack would accept, or ``invalid_arguments`` naming what is wrong."""
    if not isinstance(given, dict):
        raise invalid_view(["must provide an object [json-pointer:/view]"])
    problems = validate_view(given)
    if not problems and kind is not None and given.get("type") != kind:
        problems = [f"must be {kind} [json-pointer:/view/type]"]
    if problems:
        raise invalid_view(problems)
    return given


def _view_param(p: Params, kind: str | None = None) -> dict[str, Any]:
    return checked_view(p.decoded("view", "invalid_arguments"), kind)


def _store(
    ws: Workspace,
    given: dict[str, Any],
    user_id: str,
    *,
    view_id: str | None = None,
    root_view_id: str | None = None,
    previous_view_id: str | None = None,
) -> dict[str, Any]:
    external_id = given.get("external_id") or ""
    if external_id:
        for other_id, other in ws.views.items():
            if other.get("external_id") == external_id and other_id != view_id:
                raise SlackError("duplicate_external_id")
    old = ws.views.get(view_id or "")
    view_id = view_id or ws.ids.new("V")
    view = {
        "id": view_id,
        "team_id": ws.team_id,
        "type": given["type"],
        "blocks": given.get("blocks", []),
        "private_metadata": given.get("private_metadata", ""),
        "callback_id": given.get("callback_id", ""),
        "state": old["state"] if old else {"values": {}},
        "hash": view_hash(ws.now()),
        "title": given.get("title"),
        "clear_on_close": given.get("clear_on_close", False),
        "notify_on_close": given.get("notify_on_close", False),
        "close": given.get("close"),
        "submit": given.get("submit"),
        "previous_view_id": old["previous_view_id"] if old else previous_view_id,
        "root_view_id": old["root_view_id"] if old else (root_view_id or view_id),
        "app_id": ws.app_id,
        "external_id": external_id,
        "app_installed_team_id": ws.team_id,
        "bot_id": ws.bot_id,
    }
    ws.views[view_id] = view
    ws.view_owner[view_id] = user_id
    return view


def is_open(ws: Workspace, view_id: str) -> bool:
    owner = ws.view_owner.get(view_id)
    if owner is None:
        return False
    return view_id in ws.stacks.get(owner, []) or ws.homes.get(owner) == view_id


def open_(ws: Workspace, p: Params) -> dict[str, Any]:
    given = _view_param(p, "modal")
    trigger = ws.exchange_trigger(p.text("trigger_id") or p.text("interactivity_pointer"))
    view = _store(ws, given, trigger.user_id)
    ws.stacks[trigger.user_id] = [view["id"]]
    return {"view": view}


def push(ws: Workspace, p: Params) -> dict[str, Any]:
    given = _view_param(p, "modal")
    trigger = ws.exchange_trigger(p.text("trigger_id") or p.text("interactivity_pointer"))
    # Only an interaction inside an open modal yields a trigger that can push onto it.
    if trigger.view_id is None or trigger.view_id not in ws.stacks.get(trigger.user_id, []):
        raise SlackError("invalid_trigger_id")
    return {"view": push_view(ws, trigger.user_id, given)}


def push_view(ws: Workspace, user_id: str, given: dict[str, Any]) -> dict[str, Any]:
    stack = ws.stacks.setdefault(user_id, [])
    if len(stack) >= STACK_MAX:
        raise SlackError("push_limit_reached")
    root = stack[0] if stack else None
    previous = stack[-1] if stack else None
    view = _store(ws, given, user_id, root_view_id=root, previous_view_id=previous)
    stack.append(view["id"])
    return view


def update(ws: Workspace, p: Params) -> dict[str, Any]:
    view_id = p.text("view_id")
    external_id = p.text("external_id")
    if not view_id and not external_id:
        raise SlackError("invalid_arguments")
    if not view_id:
        view_id = next(
            (vid for vid, view in ws.views.items() if view.get("external_id") == external_id), None
        )
    current = ws.views.get(view_id or "")
    if current is None or not is_open(ws, current["id"]):
        raise SlackError("not_found")
    given_hash = p.text("hash")
    if given_hash and given_hash != current["hash"]:
        raise SlackError("hash_conflict")
    given = _view_param(p, current["type"])
    return {"view": _store(ws, given, ws.view_owner[current["id"]], view_id=current["id"])}


def replace_view(ws: Workspace, view_id: str, given: Any) -> dict[str, Any]:
    return _store(ws, checked_view(given, "modal"), ws.view_owner[view_id], view_id=view_id)


def close_view(ws: Workspace, user_id: str, view_id: str, *, everything: bool = False) -> None:
    """Close a modal (the views above it go too), or the whole stack."""
    stack = ws.stacks.get(user_id, [])
    if everything or view_id not in stack:
        ws.stacks[user_id] = [] if everything else stack
        return
    del stack[stack.index(view_id) :]


def publish(ws: Workspace, p: Params) -> dict[str, Any]:
    user = ws.user(p.text("user_id"))
    given = _view_param(p, "home")
    existing = ws.homes.get(user.id)
    given_hash = p.text("hash")
    if existing and given_hash and given_hash != ws.views[existing]["hash"]:
        raise SlackError("hash_conflict")
    view = _store(ws, given, user.id, view_id=existing)
    ws.homes[user.id] = view["id"]
    return {"view": view}
