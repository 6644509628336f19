"""A small local check of Block Kit payloads against Slack's documented limits.

Enough to catch a builder drifting past a limit in a unit test; the fake Slack server in
tests/slack_api validates payloads more fully in the end-to-end tests.
"""

from __future__ import annotations

from typing import Any

Problems = list[str]


def check_view(view: dict[str, Any]) -> Problems:
    problems: Problems = []
    _text(problems, "title", view.get("title"), 24, plain=True)
    for key in ("submit", "close"):
        if key in view:
            _text(problems, key, view[key], 24, plain=True)
    blocks = view.get("blocks", [])
    if len(blocks) > 100:
        problems.append(f"{len(blocks)} blocks in a view (max 100)")
    if len(view.get("private_metadata", "")) > 3000:
        problems.append("private_metadata over 3000 characters")
    if len(view.get("callback_id", "")) > 255:
        problems.append("callback_id over 255 characters")
    if any(b["type"] == "input" for b in blocks) and "submit" not in view:
        problems.append("input blocks without a submit button")
    return problems + check_blocks(blocks, max_blocks=100)


def check_blocks(blocks: list[dict[str, Any]], max_blocks: int = 50) -> Problems:
    problems: Problems = []
    if len(blocks) > max_blocks:
        problems.append(f"{len(blocks)} blocks (max {max_blocks})")
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    if len(block_ids) != len(set(block_ids)):
        problems.append("duplicate block_id")
    action_ids: list[str] = []
    for i, block in enumerate(blocks):
        where = f"block {i} ({block['type']})"
        if len(block.get("block_id", "")) > 255:
            problems.append(f"{where}: block_id over 255")
        check = _BLOCKS.get(block["type"])
        if check is None:
            problems.append(f"{where}: unknown block type")
            continue
        check(problems, where, block, action_ids)
    if len(action_ids) != len(set(action_ids)):
        problems.append("duplicate action_id")
    return problems


def _text(problems: Problems, where: str, text: Any, limit: int, plain: bool = False) -> None:
    if not isinstance(text, dict) or text.get("type") not in ("plain_text", "mrkdwn"):
        problems.append(f"{where}: not a text object")
        return
    if plain and text["type"] != "plain_text":
        problems.append(f"{where}: must be plain_text")
    if not text.get("text"):
        problems.append(f"{where}: empty text")
    elif len(text["text"]) > limit:
        problems.append(f"{where}: {len(text['text'])} characters (max {limit})")


def _section(problems: Problems, where: str, block: dict, action_ids: list[str]) -> None:
    if "text" not in block and "fields" not in block:
        problems.append(f"{where}: neither text nor fields")
    if "text" in block:
        _text(problems, where, block["text"], 3000)
    fields = block.get("fields", [])
    if len(fields) > 10:
        problems.append(f"{where}: {len(fields)} fields (max 10)")
    for field in fields:
        _text(problems, f"{where} field", field, 2000)
    if "accessory" in block:
        _element(problems, where, block["accessory"], action_ids)


def _header(problems: Problems, where: str, block: dict, action_ids: list[str]) -> None:
    _text(problems, where, block.get("text"), 150, plain=True)


def _context(problems: Problems, where: str, block: dict, action_ids: list[str]) -> None:
    elements = block.get("elements", [])
    if not 0 < len(elements) <= 10:
        problems.append(f"{where}: {len(elements)} elements (1 to 10)")
    for element in elements:
        _text(problems, where, element, 3000)


def _divider(problems: Problems, where: str, block: dict, action_ids: list[str]) -> None:
    pass


def _actions(problems: Problems, where: str, block: dict, action_ids: list[str]) -> None:
    elements = block.get("elements", [])
    if not 0 < len(elements) <= 25:
        problems.append(f"{where}: {len(elements)} elements (1 to 25)")
    for element in elements:
        _element(problems, where, element, action_ids)


def _input(problems: Problems, where: str, block: dict, action_ids: list[str]) -> None:
    _text(problems, f"{where} label", block.get("label"), 2000, plain=True)
    if "hint" in block:
        _text(problems, f"{where} hint", block["hint"], 150, plain=True)  # ours: 150
    if "element" not in block:
        problems.append(f"{where}: no element")
        return
    _element(problems, where, block["element"], action_ids)


def _element(problems: Problems, where: str, element: dict, action_ids: list[str]) -> None:
    kind = element.get("type")
    action_id = element.get("action_id", "")
    if len(action_id) > 255:
        problems.append(f"{where}: action_id over 255")
    if action_id:
        action_ids.append(action_id)
    check = _ELEMENTS.get(str(kind))
    if check is None:
        problems.append(f"{where}: unexpected element {kind}")
    else:
        check(problems, where, element)


def _button(problems: Problems, where: str, element: dict) -> None:
    _text(problems, f"{where} button", element.get("text"), 75, plain=True)
    if len(element.get("value", "")) > 2000:
        problems.append(f"{where}: button value over 2000")


def _choice(problems: Problems, where: str, element: dict) -> None:
    kind = element.get("type")
    options = element.get("options", [])
    limit = 100 if kind == "static_select" else 10
    if not 0 < len(options) <= limit:
        problems.append(f"{where}: {len(options)} options (1 to {limit})")
    for option in options:
        _text(problems, f"{where} option", option.get("text"), 75)
        if not 0 < len(option.get("value", "")) <= 150:
            problems.append(f"{where}: option value length")
    if "placeholder" in element:
        _text(problems, f"{where} placeholder", element["placeholder"], 150, plain=True)
    if "initial_option" in element and element["initial_option"] not in options:
        problems.append(f"{where}: initial_option is not one of the options")


def _text_input(problems: Problems, where: str, element: dict) -> None:
    if "placeholder" in element:
        _text(problems, f"{where} placeholder", element["placeholder"], 150, plain=True)
    max_length = element.get("max_length", 3000)
    if max_length > 3000 or len(element.get("initial_value", "")) > max_length:
        problems.append(f"{where}: text input length")


_ELEMENTS = {
    "button": _button,
    "static_select": _choice,
    "radio_buttons": _choice,
    "plain_text_input": _text_input,
}


_BLOCKS = {
    "section": _section,
    "header": _header,
    "context": _context,
    "divider": _divider,
    "actions": _actions,
    "input": _input,
}
