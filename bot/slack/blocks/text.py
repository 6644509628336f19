"""Safe text for Block Kit: escaping, truncation and Slack date tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def escape(text: str) -> str:
    """Neutralise mrkdwn control characters so user text can never mention or link.

    Slack only treats `<...>` as a mention/link, so escaping &, < and > is enough to
    turn `<!channel>` or `<@U123>` typed by a reporter into plain text.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = 3000) -> dict[str, object]:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def mrkdwn(text: str, limit: int = 3000) -> dict[str, str]:
    return {"type": "mrkdwn", "text": clip(text, limit) or " "}


def slack_date(moment: datetime, style: str = "{date_short_pretty} at {time}") -> str:
    """A date every reader sees in their own time zone, with a UTC fallback."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{style}|{fallback}>"


def user_mention(user_id: str | None, nobody: str = "not yet chosen") -> str:
    return f"<@{user_id}>" if user_id else f"_{nobody}_"


VALUE = "value"  # the action_id of every form input's element


def input_block(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = True,
    hint: str | None = None,
) -> dict[str, Any]:
    """A form input whose element is read back under `VALUE`."""
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain(label),
        "element": {"action_id": VALUE, **element},
    }
    if hint:
        block["hint"] = plain(hint, 2000)  # Block Kit's limit for a hint
    return block
