"""Block Kit checks: the limits Slack enforces on message blocks and on views.

Each problem reads like Slack's own: a short message and the JSON pointer of the offending
field, e.g. ``must be less than 151 characters [json-pointer:/blocks/0/text/text]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

MESSAGE_BLOCKS_MAX = 50
SURFACE_BLOCKS_MAX = 100

BLOCK_TYPES = {
    "section",
    "divider",
    "image",
    "actions",
    "context",
    "input",
    "header",
    "rich_text",
    "markdown",
}
SELECTS = {
    "static_select",
    "external_select",
    "users_select",
    "conversations_select",
    "channels_select",
}
MULTI_SELECTS = {"multi_" + name for name in SELECTS}
TEXT_INPUTS = {"plain_text_input", "url_text_input", "email_text_input", "number_input"}
PICKERS = {"datepicker", "timepicker", "datetimepicker"}
CHOICES = {"checkboxes", "radio_buttons"}
SECTION_ACCESSORIES = (
    {"button", "overflow", "image"}
    | SELECTS
    | MULTI_SELECTS
    | CHOICES
    | {
        "datepicker",
        "timepicker",
    }
)
ACTIONS_ELEMENTS = {"button", "overflow"} | SELECTS | MULTI_SELECTS | CHOICES | PICKERS
INPUT_ELEMENTS = (
    SELECTS | MULTI_SELECTS | CHOICES | PICKERS | TEXT_INPUTS | {"rich_text_input", "file_input"}
)

TEXT_TYPES = {"plain_text", "mrkdwn"}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def validate_message_blocks(blocks: Any) -> list[str]:
    """Problems with the ``blocks`` of a message (empty when Slack would accept them)."""
    checker = _Checker()
    checker.blocks(blocks, "/blocks", MESSAGE_BLOCKS_MAX)
    return checker.problems


def validate_view(view: Any) -> list[str]:
    """Problems with a modal or App Home view (empty when Slack would accept it)."""
    checker = _Checker()
    checker.view(view, "/view")
    return checker.problems


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.block_ids: set[str] = set()

    # -- reporting -------------------------------------------------------------------------
    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{message} [json-pointer:{path}]")

    def string(self, value: Any, path: str, limit: int, *, required: bool = False) -> None:
        if value is None:
            if required:
                self.fail(path, "must provide a string")
            return
        if not isinstance(value, str):
            self.fail(path, "must provide a string")
        elif len(value) > limit:
            self.fail(path, f"must be less than {limit + 1} characters")
        elif required and not value:
            self.fail(path, "must be more than 0 characters")

    def items(self, value: Any, path: str, low: int, high: int) -> list[Any]:
        if not isinstance(value, list):
            self.fail(path, "must provide an array")
            return []
        if len(value) < low:
            self.fail(path, f"must provide at least {low} item{'s' if low > 1 else ''}")
        if len(value) > high:
            self.fail(path, f"no more than {high} items allowed")
        return value

    def obj(self, value: Any, path: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(path, "must provide an object")
            return None
        return value

    def boolean(self, value: Any, path: str) -> None:
        if value is not None and not isinstance(value, bool):
            self.fail(path, "must provide a boolean")

    # -- composition objects ---------------------------------------------------------------
    def text(
        self,
        value: Any,
        path: str,
        limit: int,
        *,
        plain_only: bool = False,
        required: bool = True,
    ) -> None:
        if value is None:
            if required:
                self.fail(path, "must provide an object")
            return
        text = self.obj(value, path)
        if text is None:
            return
        kind = text.get("type")
        if kind not in TEXT_TYPES:
            self.fail(f"{path}/type", "must be either plain_text or mrkdwn")
        elif plain_only and kind != "plain_text":
            self.fail(f"{path}/type", "must be plain_text")
        self.string(text.get("text"), f"{path}/text", limit, required=True)
        if kind == "mrkdwn" and "emoji" in text:
            self.fail(f"{path}/emoji", "invalid additional property: emoji")

    def confirm(self, value: Any, path: str) -> None:
        dialog = self.obj(value, path)
        if dialog is None:
            return
        self.text(dialog.get("title"), f"{path}/title", 100, plain_only=True)
        self.text(dialog.get("text"), f"{path}/text", 300)
        self.text(dialog.get("confirm"), f"{path}/confirm", 30, plain_only=True)
        self.text(dialog.get("deny"), f"{path}/deny", 30, plain_only=True)
        self.style(dialog.get("style"), f"{path}/style")

    def style(self, value: Any, path: str) -> None:
        if value is not None and value not in ("primary", "danger"):
            self.fail(path, "must be either primary or danger")

    def option(self, value: Any, path: str, *, plain_only: bool, url: bool = False) -> Any:
        option = self.obj(value, path)
        if option is None:
            return None
        self.text(option.get("text"), f"{path}/text", 75, plain_only=plain_only)
        self.string(option.get("value"), f"{path}/value", 150, required=True)
        self.text(option.get("description"), f"{path}/description", 75, required=False)
        if url:
            self.string(option.get("url"), f"{path}/url", 3000)
        elif "url" in option:
            self.fail(f"{path}/url", "invalid additional property: url")
        return option.get("value")

    def options(
        self, value: Any, path: str, low: int, high: int, *, plain_only: bool, url: bool = False
    ) -> list[Any]:
        options = self.items(value, path, low, high)
        return [
            self.option(item, f"{path}/{index}", plain_only=plain_only, url=url)
            for index, item in enumerate(options)
        ]

    # -- view ------------------------------------------------------------------------------
    def view(self, value: Any, path: str) -> None:
        view = self.obj(value, path)
        if view is None:
            return
        kind = view.get("type")
        if kind not in ("modal", "home"):
            self.fail(f"{path}/type", "must be either modal or home")
            return
        if kind == "modal":
            self.text(view.get("title"), f"{path}/title", 24, plain_only=True)
            self.text(view.get("close"), f"{path}/close", 24, plain_only=True, required=False)
            self.text(view.get("submit"), f"{path}/submit", 24, plain_only=True, required=False)
            blocks = view.get("blocks")
            has_input = isinstance(blocks, list) and any(
                isinstance(b, dict) and b.get("type") == "input" for b in blocks
            )
            if has_input and view.get("submit") is None:
                self.fail(f"{path}/submit", "must provide submit when blocks contain input blocks")
        self.string(view.get("private_metadata"), f"{path}/private_metadata", 3000)
        self.string(view.get("callback_id"), f"{path}/callback_id", 255)
        self.string(view.get("external_id"), f"{path}/external_id", 255)
        for flag in ("clear_on_close", "notify_on_close", "submit_disabled"):
            self.boolean(view.get(flag), f"{path}/{flag}")
        self.blocks(view.get("blocks"), f"{path}/blocks", SURFACE_BLOCKS_MAX)

    # -- blocks ----------------------------------------------------------------------------
    def blocks(self, value: Any, path: str, limit: int) -> None:
        for index, block in enumerate(self.items(value, path, 0, limit)):
            self.block(block, f"{path}/{index}")

    def block(self, value: Any, path: str) -> None:
        block = self.obj(value, path)
        if block is None:
            return
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            self.fail(f"{path}/type", f"unsupported block type: {kind!r}")
            return
        block_id = block.get("block_id")
        if block_id is not None:
            self.string(block_id, f"{path}/block_id", 255, required=True)
            if isinstance(block_id, str):
                if block_id in self.block_ids:
                    self.fail(f"{path}/block_id", f"duplicate block_id: {block_id}")
                self.block_ids.add(block_id)
        BLOCK_CHECKS[kind](self, block, path)

    def section(self, block: dict[str, Any], path: str) -> None:
        if block.get("text") is None and block.get("fields") is None:
            self.fail(path, "must provide either text or fields")
        self.text(block.get("text"), f"{path}/text", 3000, required=False)
        if block.get("fields") is not None:
            for index, field in enumerate(self.items(block["fields"], f"{path}/fields", 1, 10)):
                self.text(field, f"{path}/fields/{index}", 2000)
        if block.get("accessory") is not None:
            self.elements([block["accessory"]], [f"{path}/accessory"], SECTION_ACCESSORIES)

    def divider(self, block: dict[str, Any], path: str) -> None:
        del block, path

    def image_block(self, block: dict[str, Any], path: str) -> None:
        self.image(block, path)
        self.text(block.get("title"), f"{path}/title", 2000, plain_only=True, required=False)

    def actions(self, block: dict[str, Any], path: str) -> None:
        elements = self.items(block.get("elements"), f"{path}/elements", 1, 25)
        paths = [f"{path}/elements/{index}" for index in range(len(elements))]
        self.elements(elements, paths, ACTIONS_ELEMENTS)

    def context(self, block: dict[str, Any], path: str) -> None:
        elements = self.items(block.get("elements"), f"{path}/elements", 1, 10)
        for index, element in enumerate(elements):
            where = f"{path}/elements/{index}"
            if isinstance(element, dict) and element.get("type") == "image":
                self.image(element, where)
            else:
                self.text(element, where, 3000)

    def input(self, block: dict[str, Any], path: str) -> None:
        self.text(block.get("label"), f"{path}/label", 2000, plain_only=True)
        self.text(block.get("hint"), f"{path}/hint", 2000, plain_only=True, required=False)
        for flag in ("optional", "dispatch_action"):
            self.boolean(block.get(flag), f"{path}/{flag}")
        if block.get("element") is None:
            self.fail(f"{path}/element", "must provide an object")
            return
        self.elements([block["element"]], [f"{path}/element"], INPUT_ELEMENTS)

    def header(self, block: dict[str, Any], path: str) -> None:
        self.text(block.get("text"), f"{path}/text", 150, plain_only=True)

    def rich_text(self, block: dict[str, Any], path: str) -> None:
        self.items(block.get("elements"), f"{path}/elements", 1, 100)

    def markdown(self, block: dict[str, Any], path: str) -> None:
        self.string(block.get("text"), f"{path}/text", 12000, required=True)

    def image(self, element: dict[str, Any], path: str) -> None:
        if element.get("image_url") is None and element.get("slack_file") is None:
            self.fail(path, "must provide either image_url or slack_file")
        self.string(element.get("image_url"), f"{path}/image_url", 3000)
        self.string(element.get("alt_text"), f"{path}/alt_text", 2000, required=True)

    # -- elements --------------------------------------------------------------------------
    def elements(self, elements: list[Any], paths: list[str], allowed: set[str]) -> None:
        action_ids: set[str] = set()
        for element, path in zip(elements, paths, strict=True):
            item = self.obj(element, path)
            if item is None:
                continue
            kind = item.get("type")
            if kind not in allowed:
                self.fail(f"{path}/type", f"unsupported element type here: {kind!r}")
                continue
            action_id = item.get("action_id")
            if action_id is not None:
                self.string(action_id, f"{path}/action_id", 255, required=True)
                if action_id in action_ids:
                    self.fail(f"{path}/action_id", f"duplicate action_id in block: {action_id}")
                action_ids.add(action_id)
            if item.get("confirm") is not None:
                self.confirm(item["confirm"], f"{path}/confirm")
            self.element(kind, item, path)

    def element(self, kind: str, item: dict[str, Any], path: str) -> None:
        if kind == "button":
            self.text(item.get("text"), f"{path}/text", 75, plain_only=True)
            self.string(item.get("value"), f"{path}/value", 2000)
            self.string(item.get("url"), f"{path}/url", 3000)
            self.string(item.get("accessibility_label"), f"{path}/accessibility_label", 75)
            self.style(item.get("style"), f"{path}/style")
        elif kind == "image":
            self.image(item, path)
        elif kind == "overflow":
            self.options(item.get("options"), f"{path}/options", 1, 5, plain_only=True, url=True)
        elif kind in CHOICES:
            values = self.options(item.get("options"), f"{path}/options", 1, 10, plain_only=False)
            self.initial(item, path, values, multi=kind == "checkboxes")
        elif kind in ("static_select", "multi_static_select"):
            self.placeholder(item, path)
            self.static_select(kind, item, path)
        elif kind in SELECTS | MULTI_SELECTS:
            self.placeholder(item, path)
        elif kind in TEXT_INPUTS:
            self.placeholder(item, path)
            if kind == "plain_text_input":
                self.text_lengths(item, path)
            if kind == "number_input" and not isinstance(item.get("is_decimal_allowed"), bool):
                self.fail(f"{path}/is_decimal_allowed", "must provide a boolean")
        elif kind in PICKERS:
            self.placeholder(item, path)
            self.picker(kind, item, path)

    def placeholder(self, item: dict[str, Any], path: str) -> None:
        self.text(
            item.get("placeholder"), f"{path}/placeholder", 150, plain_only=True, required=False
        )

    def static_select(self, kind: str, item: dict[str, Any], path: str) -> None:
        options, groups = item.get("options"), item.get("option_groups")
        if (options is None) == (groups is None):
            self.fail(path, "must provide exactly one of options or option_groups")
            return
        values: list[Any] = []
        if options is not None:
            values = self.options(options, f"{path}/options", 1, 100, plain_only=True)
        else:
            for index, group in enumerate(self.items(groups, f"{path}/option_groups", 1, 100)):
                where = f"{path}/option_groups/{index}"
                if self.obj(group, where) is None:
                    continue
                self.text(group.get("label"), f"{where}/label", 75, plain_only=True)
                values += self.options(
                    group.get("options"), f"{where}/options", 1, 100, plain_only=True
                )
        self.initial(item, path, values, multi=kind.startswith("multi_"))

    def initial(self, item: dict[str, Any], path: str, values: list[Any], *, multi: bool) -> None:
        key = "initial_options" if multi else "initial_option"
        chosen = item.get(key)
        if chosen is None:
            return
        picked = chosen if multi and isinstance(chosen, list) else [chosen]
        for index, option in enumerate(picked):
            where = f"{path}/{key}/{index}" if multi else f"{path}/{key}"
            value = option.get("value") if isinstance(option, dict) else None
            if value not in values:
                self.fail(where, "must match one of the options")

    def text_lengths(self, item: dict[str, Any], path: str) -> None:
        low, high = item.get("min_length"), item.get("max_length")
        for key, value, floor in (("min_length", low, 0), ("max_length", high, 1)):
            if value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                self.fail(f"{path}/{key}", "must provide an integer")
            elif value > 3000:
                self.fail(f"{path}/{key}", "must be less than or equal to 3000")
            elif value < floor:
                self.fail(f"{path}/{key}", f"must be greater than or equal to {floor}")
        if isinstance(low, int) and isinstance(high, int) and low > high:
            self.fail(f"{path}/min_length", "must be less than or equal to max_length")
        initial = item.get("initial_value")
        self.string(initial, f"{path}/initial_value", 3000)

    def picker(self, kind: str, item: dict[str, Any], path: str) -> None:
        date, hour = item.get("initial_date"), item.get("initial_time")
        if kind == "datepicker" and date is not None and not DATE_RE.match(str(date)):
            self.fail(f"{path}/initial_date", "must be a date in the format YYYY-MM-DD")
        if kind == "timepicker" and hour is not None and not TIME_RE.match(str(hour)):
            self.fail(f"{path}/initial_time", "must be a time in the format HH:mm")
        if kind == "datetimepicker" and item.get("initial_date_time") is not None:
            value = item["initial_date_time"]
            if not isinstance(value, int) or isinstance(value, bool):
                self.fail(f"{path}/initial_date_time", "must provide an integer")


BLOCK_CHECKS: dict[str, Callable[[_Checker, dict[str, Any], str], None]] = {
    "section": _Checker.section,
    "divider": _Checker.divider,
    "image": _Checker.image_block,
    "actions": _Checker.actions,
    "context": _Checker.context,
    "input": _Checker.input,
    "header": _Checker.header,
    "rich_text": _Checker.rich_text,
    "markdown": _Checker.markdown,
}
