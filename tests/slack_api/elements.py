"""What a person's click or typing looks like in a payload: actions and ``state.values``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# The field of an action or state value that holds a choice, by element type.
CHOICE_FIELD = {
    "static_select": "selected_option",
    "external_select": "selected_option",
    "radio_buttons": "selected_option",
    "overflow": "selected_option",
    "multi_static_select": "selected_options",
    "multi_external_select": "selected_options",
    "checkboxes": "selected_options",
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
}
INITIAL_FIELD = {
    "selected_option": "initial_option",
    "selected_options": "initial_options",
    "selected_user": "initial_user",
    "selected_users": "initial_users",
    "selected_conversation": "initial_conversation",
    "selected_conversations": "initial_conversations",
    "selected_channel": "initial_channel",
    "selected_channels": "initial_channels",
    "selected_date": "initial_date",
    "selected_time": "initial_time",
    "selected_date_time": "initial_date_time",
}
LIST_FIELDS = {"selected_options", "selected_users", "selected_conversations", "selected_channels"}


class SubmissionRefused(ValueError):
    """Slack's client would not send this: the person cannot do it in the UI."""


def interactive_elements(blocks: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(block_id, element) for every element a person can use."""
    for block in blocks:
        block_id = str(block.get("block_id", ""))
        if block.get("type") == "actions":
            for element in block.get("elements", []):
                yield block_id, element
        elif block.get("type") == "section" and isinstance(block.get("accessory"), dict):
            yield block_id, block["accessory"]
        elif block.get("type") == "input" and isinstance(block.get("element"), dict):
            yield block_id, block["element"]


def find_element(
    blocks: list[dict[str, Any]], action_id: str, block_id: str | None
) -> tuple[str, dict[str, Any]]:
    for found_block, element in interactive_elements(blocks):
        if element.get("action_id") == action_id and block_id in (None, found_block):
            return found_block, element
    where = f" in block {block_id!r}" if block_id else ""
    raise SubmissionRefused(f"no element with action_id {action_id!r}{where} to click")


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options", [])
    return options


def choice(element: dict[str, Any], given: Any) -> tuple[str, Any] | None:
    """The payload field and value for choosing ``given`` (a value, an option, or a list)."""
    field = CHOICE_FIELD.get(str(element.get("type")))
    if field is None:
        return None
    if field in ("selected_option", "selected_options"):
        wanted = given if isinstance(given, list) else [given]
        picked = [_option(element, item) for item in wanted]
        return field, picked if field == "selected_options" else picked[0]
    if field in LIST_FIELDS and not isinstance(given, list):
        given = [given]
    return field, given


def _option(element: dict[str, Any], given: Any) -> dict[str, Any]:
    value = given.get("value") if isinstance(given, dict) else given
    for option in _options(element):
        if option.get("value") == value:
            return option
    if element.get("type") in ("external_select", "multi_external_select") and isinstance(
        given, dict
    ):
        return given
    raise SubmissionRefused(f"no option with value {value!r} in {element.get('action_id')!r}")


def action(
    block_id: str, element: dict[str, Any], value: Any, selected_option: Any, action_ts: str
) -> dict[str, Any]:
    """The ``actions[0]`` of a block_actions payload for using ``element``."""
    kind = element.get("type")
    item: dict[str, Any] = {
        "type": kind,
        "action_id": element.get("action_id"),
        "block_id": block_id,
        "action_ts": action_ts,
    }
    if kind == "button":
        item["text"] = element.get("text")
        item["value"] = value if value is not None else element.get("value")
        if element.get("style"):
            item["style"] = element["style"]
        return item
    if kind in ("plain_text_input", "url_text_input", "email_text_input", "number_input"):
        item["value"] = value
        return item
    picked = selected_option if selected_option is not None else value
    field_value = choice(element, picked)
    if field_value is not None:
        item[field_value[0]] = field_value[1]
    return item


def initial_value(element: dict[str, Any]) -> dict[str, Any]:
    """An input's state before anyone touches it."""
    kind = element.get("type")
    state: dict[str, Any] = {"type": kind}
    field = CHOICE_FIELD.get(str(kind))
    if field is None:
        state["value"] = element.get("initial_value")
        return state
    default: Any = [] if field in LIST_FIELDS else None
    state[field] = element.get(INITIAL_FIELD[field], default)
    return state


def typed_value(element: dict[str, Any], given: Any) -> dict[str, Any]:
    """State for what a person entered; ``given`` is a full state dict or a bare value."""
    if isinstance(given, dict) and "type" in given:
        return given
    state: dict[str, Any] = {"type": element.get("type")}
    field_value = choice(element, given)
    if field_value is None:
        state["value"] = given
    else:
        state[field_value[0]] = field_value[1]
    return state


def _is_empty(state: dict[str, Any]) -> bool:
    return all(value in (None, "", []) for key, value in state.items() if key != "type")


def view_state(
    view: dict[str, Any], values: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """``state.values`` of a view: what was typed, initial values elsewhere, checked like Slack."""
    inputs = {
        str(block.get("block_id")): block
        for block in view.get("blocks", [])
        if block.get("type") == "input"
    }
    for block_id in values:
        if block_id not in inputs:
            raise SubmissionRefused(f"the view has no input block {block_id!r}")
    state: dict[str, dict[str, Any]] = {}
    for block_id, block in inputs.items():
        element = block.get("element") or {}
        action_id = str(element.get("action_id"))
        given = values.get(block_id, {})
        unknown = set(given) - {action_id}
        if unknown:
            raise SubmissionRefused(f"input block {block_id!r} has no action_id {unknown.pop()!r}")
        entry = (
            typed_value(element, given[action_id]) if action_id in given else initial_value(element)
        )
        _check_entry(block, element, entry)
        state[block_id] = {action_id: entry}
    return state


def _check_entry(block: dict[str, Any], element: dict[str, Any], entry: dict[str, Any]) -> None:
    label = (block.get("label") or {}).get("text", block.get("block_id"))
    if _is_empty(entry):
        if not block.get("optional"):
            raise SubmissionRefused(f"required input {label!r} is empty")
        return
    text = entry.get("value")
    if isinstance(text, str):
        if len(text) < int(element.get("min_length") or 0):
            raise SubmissionRefused(f"input {label!r} is shorter than its min_length")
        if element.get("max_length") is not None and len(text) > int(element["max_length"]):
            raise SubmissionRefused(f"input {label!r} is longer than its max_length")


def live_state(
    view: dict[str, Any], block_id: str, element: dict[str, Any], given: Any
) -> dict[str, dict[str, Any]]:
    """``state.values`` of a block_actions payload: every input block of the view as the person
    left it (or its initial value), with ``given`` now chosen in ``element`` if it is an input's.
    """
    stored = (view.get("state") or {}).get("values") or {}
    state: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input" or not isinstance(block.get("element"), dict):
            continue
        own = str(block.get("block_id"))
        action_id = str(block["element"].get("action_id"))
        kept = (stored.get(own) or {}).get(action_id)
        state[own] = {action_id: kept or initial_value(block["element"])}
    if block_id in state and element.get("action_id") in state[block_id] and given is not None:
        state[block_id] = {str(element["action_id"]): typed_value(element, given)}
    return state
