"""What the Bolt app answers to, read from the app itself rather than listed by hand.

``registered_listeners`` builds a throw-away app with Bolt's registration methods wrapped,
so every command, action, view, shortcut and event a feature registers (now or later) is
found; ``posted_elements`` finds the concrete interactive elements in everything the bot
has shown, so a test can press each one as Slack would send it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from slack_bolt import App

from bot.hooks import Hooks
from bot.services import Services
from bot.slack.app import build_app, drain
from tests.slack_api import FakeSlack

KINDS = ("command", "action", "view", "shortcut", "event", "options", "message")
Constraint = str | re.Pattern[str] | dict[str, Any]


@dataclass
class Listeners:
    by_kind: dict[str, list[Constraint]] = field(default_factory=dict)

    def of(self, kind: str) -> list[Constraint]:
        return self.by_kind.get(kind, [])

    def matches(self, kind: str, name: str) -> bool:
        return any(accepts(c, name) for c in self.of(kind))


def accepts(constraint: Constraint, name: str) -> bool:
    if isinstance(constraint, re.Pattern):
        return constraint.search(name) is not None
    if isinstance(constraint, dict):
        value = constraint.get("action_id") or constraint.get("callback_id") or ""
        return accepts(value, name)
    return constraint == name


def registered_listeners(services: Services) -> Listeners:
    """Every constraint passed to App.command/action/view/... while the bot's app is built."""
    found = Listeners()
    originals = {kind: getattr(App, kind) for kind in KINDS}

    def recorder(kind: str):  # type: ignore[no-untyped-def]
        def record(self: App, constraints: Any, *args: Any, **kwargs: Any) -> Any:
            found.by_kind.setdefault(kind, []).append(constraints)
            return originals[kind](self, constraints, *args, **kwargs)

        return record

    # A copy of the services: building an app adds hooks, which must not run twice.
    scratch = dataclasses.replace(services, hooks=Hooks())
    with mock.patch.multiple(App, **{kind: recorder(kind) for kind in KINDS}):
        app = build_app(scratch)
    drain(app)
    return found


def example_name(constraint: Constraint) -> str | None:
    """A name the constraint accepts, for patterns that are an escaped literal prefix."""
    if isinstance(constraint, str):
        return constraint
    if isinstance(constraint, dict):
        inner = constraint.get("action_id") or constraint.get("callback_id")
        return example_name(inner) if inner else None
    literal = re.sub(r"\\(.)", r"\1", constraint.pattern.removeprefix("^"))
    candidate = literal + "x"
    return (
        candidate
        if constraint.search(candidate) and re.escape(literal) in constraint.pattern
        else None
    )


@dataclass
class Element:
    """An interactive element as shown somewhere: a message, an ephemeral or a view."""

    action_id: str
    element: dict[str, Any]
    block_id: str
    where: str  # "message", "ephemeral" or "view"
    container: Any  # the Message, Ephemeral, or view id


def _walk_elements(blocks: list[dict[str, Any]] | None) -> Iterator[tuple[str, dict[str, Any]]]:
    for block in blocks or []:
        block_id = block.get("block_id", "")
        inner = list(block.get("elements") or [])
        if block.get("accessory"):
            inner.append(block["accessory"])
        if block.get("element"):
            inner.append(block["element"])
        for element in inner:
            if isinstance(element, dict) and element.get("action_id"):
                yield block_id, element


def posted_elements(slack: FakeSlack) -> list[Element]:
    """Every element with an action_id in every message, ephemeral and view the bot showed."""
    ws = slack.workspace
    found: list[Element] = []
    with ws.lock:
        for channel in ws.channels.values():
            for message in channel.by_ts.values():
                if message.user != ws.bot_user_id or message.deleted:
                    continue
                for block_id, element in _walk_elements(message.blocks):
                    found.append(
                        Element(element["action_id"], element, block_id, "message", message)
                    )
        for note in ws.ephemerals:
            for block_id, element in _walk_elements(note.blocks):
                found.append(Element(element["action_id"], element, block_id, "ephemeral", note))
        for view_id, view in ws.views.items():
            for block_id, element in _walk_elements(view.get("blocks")):
                found.append(Element(element["action_id"], element, block_id, "view", view_id))
    return found


def shown_views(slack: FakeSlack) -> dict[str, dict[str, Any]]:
    """One stored view per callback_id, as the bot last rendered it."""
    by_callback: dict[str, dict[str, Any]] = {}
    for view in slack.views.values():
        if view.get("callback_id"):
            by_callback[view["callback_id"]] = view
    return by_callback
