"""Mention and link injection: the markup a hostile text carries, and where Slack parses it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.slack_api import FakeSlack

# Slack turns each of these into a ping or a disguised link when it reaches mrkdwn raw.
INJECTIONS = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U0HOSTILE>",
    "<#C0HOSTILE>",
    "<!subteam^S0HOSTILE>",
    "<https://evil.example/|innocent link>",
)
# What a person typing those into a slash command sends, with Slack's escaping on.
TYPED = tuple(i.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for i in INJECTIONS)
PARSED_KEYS = ("text", "topic", "initial_comment")  # message fields Slack reads as mrkdwn


def parsed_texts(node: Any, top: bool = True) -> Iterator[str]:
    """Every string in a call or message that Slack would parse for mentions and links."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]
        if top:
            for key in PARSED_KEYS:
                if isinstance(node.get(key), str):
                    yield node[key]
        for value in node.values():
            if isinstance(value, (dict, list)):
                yield from parsed_texts(value, top=False)
    elif isinstance(node, list):
        for value in node:
            yield from parsed_texts(value, top=False)


def raw_injections(slack: FakeSlack) -> list[tuple[str, str, str]]:
    """(method, injection, text) for every injected token that reached Slack unescaped."""
    found = []
    for call in slack.calls:
        for text in parsed_texts(call.params):
            for token in INJECTIONS:
                if token in text:
                    found.append((call.method, token, text[:200]))
    return found
