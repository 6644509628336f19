"""Block Kit for CVE IDs and records: the preview, the unused list, the reserve button."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bot.slack.blocks.text import escape, mrkdwn, plain

if TYPE_CHECKING:
    from bot.cve.desk import Draft
    from bot.cve.service import UnusedId

Blocks = list[dict[str, Any]]
ACTION_RESERVE = "cve_reserve"
ACTION_PUBLISH = "cve_publish"
ACTION_REJECT = "cve_reject"
PREVIEW_LIMIT = 2800  # a section holds 3000 characters; the code fence and a note fit beside


def reserve_button_block(human_id: str) -> dict[str, Any]:
    """Beside the CVE ID field of the advisory form, while the incident has none."""
    return {
        "type": "actions",
        "block_id": "cve_reserve",
        "elements": [
            {
                "type": "button",
                "action_id": ACTION_RESERVE,
                "text": plain("Reserve a CVE ID"),
                "value": human_id,
            }
        ],
    }


def preview_text(draft: Draft) -> str:
    verb = "update" if draft.published else "publish"
    return f"CVE record {draft.cve_id or '(no ID yet)'} of {draft.human_id}: preview to {verb}"


def preview_blocks(draft: Draft) -> Blocks:
    verb = "Update" if draft.published else "Publish"
    blocks: Blocks = [
        {
            "type": "section",
            "text": mrkdwn(
                f"*CVE record {escape(draft.cve_id or '(no ID yet)')}* for *{draft.human_id}*: "
                "the CNA container that would be sent to CVE Services."
            ),
        }
    ]
    if draft.problems:
        lines = "\n".join(f"• {escape(problem)}" for problem in draft.problems[:12])
        blocks.append(
            {"type": "section", "text": mrkdwn(f":x: Not valid yet, nothing is sent:\n{lines}")}
        )
        return blocks
    shown = escape(json.dumps(draft.container, indent=1, ensure_ascii=False))
    note = ""
    if len(shown) > PREVIEW_LIMIT:
        cut = shown[:PREVIEW_LIMIT]
        shown = cut[: cut.rfind("&")] if cut.rfind("&") > cut.rfind(";") else cut  # no half &lt;
        note = "\n_(cut short here; the whole record is sent)_"
    blocks.append({"type": "section", "text": mrkdwn(f"```{shown}```{note}")})
    if draft.embargoed:
        lock = mrkdwn(f":lock: {escape(draft.embargoed)}")
        blocks.append({"type": "context", "elements": [lock]})
        return blocks
    blocks.append(
        {
            "type": "context",
            "elements": [mrkdwn(":white_check_mark: Valid against the CVE JSON 5.1.1 schema.")],
        }
    )
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": ACTION_PUBLISH,
                    "style": "primary",
                    "text": plain(f"{verb} {draft.cve_id}"),
                    "value": f"{draft.human_id}|{draft.fingerprint}",
                    "confirm": {
                        "title": plain(f"{verb} the record?"),
                        "text": mrkdwn(
                            f"{draft.cve_id} becomes public on the CVE List within minutes. "
                            "This cannot be taken back."
                        ),
                        "confirm": plain(verb),
                        "deny": plain("Not yet"),
                    },
                }
            ],
        }
    )
    return blocks


def unused_text(unused: list[UnusedId]) -> str:
    if not unused:
        return "No reserved CVE ID is left unused."
    return f"{len(unused)} reserved CVE ID(s) are not used by any open incident."


def unused_blocks(unused: list[UnusedId]) -> Blocks:
    blocks: Blocks = [{"type": "section", "text": mrkdwn(unused_text(unused))}]
    for item in unused[:40]:
        blocks.append(
            {
                "type": "section",
                "text": mrkdwn(f"*{item.cve_id}* · {escape(item.why)}"),
                "accessory": {
                    "type": "button",
                    "action_id": ACTION_REJECT,
                    "style": "danger",
                    "text": plain("Reject"),
                    "value": item.cve_id,
                    "confirm": {
                        "title": plain(f"Reject {item.cve_id}?"),
                        "text": mrkdwn(
                            "A rejected ID is never used again; the CVE List shows it as rejected."
                        ),
                        "confirm": plain("Reject"),
                        "deny": plain("Keep it"),
                    },
                },
            }
        )
    return blocks
