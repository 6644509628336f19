"""Block Kit for writing to the reporter: the form, and what the thread is told."""

from __future__ import annotations

from typing import Any

from bot.incident.models import Incident
from bot.reporter.canned import CANNED, starting_text
from bot.slack.blocks.text import clip, escape, mrkdwn, plain

Blocks = list[dict[str, Any]]
CALLBACK = "reporter_message_submit"
ACTION_OPEN = "reporter_message"
ACTION_TEMPLATE = "reporter_template"
MESSAGE_BLOCK = "message"  # the text box's block ID starts with this
VALUE = "value"


def message_modal(
    incident: Incident, to: str | None, subject: str, problem: str | None, template: str = ""
) -> dict[str, Any]:
    blocks: Blocks = [
        {
            "type": "context",
            "elements": [mrkdwn(f"*{incident.human_id}* · {escape(incident.title)}")],
        }
    ]
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": CALLBACK,
        "title": plain("Message reporter", 24),
        "close": plain("Cancel"),
        "private_metadata": incident.human_id,
        "blocks": blocks,
    }
    if problem is not None:
        blocks.append({"type": "section", "text": mrkdwn(escape(problem))})
        return view
    view["submit"] = plain("Send", 24)
    blocks.append(
        {
            "type": "section",
            "text": mrkdwn(f"To *{escape(to or '')}* · subject _{escape(subject)}_"),
        }
    )
    select: dict[str, Any] = {
        "type": "static_select",
        "action_id": ACTION_TEMPLATE,
        "placeholder": plain("Start from a canned reply"),
        "options": [{"text": plain(c.label, 75), "value": c.key} for c in CANNED],
    }
    if template:
        label = next((c.label for c in CANNED if c.key == template), template)
        select["initial_option"] = {"text": plain(label, 75), "value": template}
    blocks.append({"type": "actions", "block_id": "template", "elements": [select]})
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": VALUE,
        "multiline": True,
        "max_length": 3000,
    }
    if template:
        element["initial_value"] = starting_text(template, incident.human_id)
    blocks.append(
        {
            # A new block ID per starting point, so Slack shows its text instead of what
            # the box held before.
            "type": "input",
            "block_id": f"{MESSAGE_BLOCK}-{template}" if template else MESSAGE_BLOCK,
            "label": plain("Message"),
            "element": element,
            "hint": plain("Sent by email from the security address, with the incident ID."),
        }
    )
    return view


def message_text(values: dict[str, Any]) -> tuple[str, str]:
    """(block ID, text) of the message box in a submitted view's state."""
    for block_id, actions in values.items():
        if block_id.startswith(MESSAGE_BLOCK):
            return block_id, str((actions.get(VALUE) or {}).get("value") or "")
    return MESSAGE_BLOCK, ""


def sent_note(human_id: str, actor: str, to: str, text: str) -> str:
    quoted = "\n".join(f"> {escape(line)}" for line in clip(text, 2500).splitlines())
    who = f"<@{actor}> wrote to the reporter ({escape(to)})"
    return f":outbox_tray: {who} about *{human_id}*:\n{quoted}"
