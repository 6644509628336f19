"""Messages and modals of an incident's lifecycle: updates, phase steps, fix team, exports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.advisory.editing import MAX_PACKAGES, PackageInput
from bot.exports.fields import ECOSYSTEMS
from bot.incident.models import Incident, Phase
from bot.incident.phases import RESOLUTION_LABELS, Resolution, next_phases
from bot.slack.blocks.cve import reserve_button_block
from bot.slack.blocks.incident import PHASE_LABELS
from bot.slack.blocks.text import (
    VALUE,
    clip,
    escape,
    input_block,
    mrkdwn,
    plain,
    slack_date,
    user_mention,
)

__all__ = ["VALUE"]  # read back by the listeners

Blocks = list[dict[str, Any]]

UPDATE_CALLBACK = "lifecycle_update_submit"
EMBARGO_CALLBACK = "lifecycle_embargo_submit"
RELEASED_CALLBACK = "lifecycle_released_submit"
CLOSE_CALLBACK = "lifecycle_close_submit"
ADVISORY_CALLBACK = "lifecycle_advisory_submit"
PACKAGE_ADD_ACTION = "advisory_package_add"
PACKAGE_REMOVE_ACTION = "advisory_package_remove"
PACKAGE_FIELDS = ("ecosystem", "name", "ranges", "fixed", "links")
FIXTEAM_CALLBACK = "lifecycle_fixteam_submit"
RELEASE_MEMBER_ACTION = "lifecycle_fixteam_release"



def _text(
    block_id: str,
    label: str,
    initial: str = "",
    *,
    max_length: int = 3000,
    multiline: bool = False,
    optional: bool = True,
    placeholder: str | None = None,
    hint: str | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = clip(initial, max_length)
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return input_block(block_id, label, element, optional=optional, hint=hint)


def _modal(
    callback_id: str, title: str, submit: str, human_id: str, blocks: Blocks
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain("Cancel"),
        "private_metadata": human_id,
        "blocks": blocks,
    }


def _context(incident: Incident) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [mrkdwn(f"*{incident.human_id}* · {escape(incident.title)}")],
    }


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, 75), "value": value}


# -- modals -------------------------------------------------------------------------------


def update_modal(incident: Incident) -> dict[str, Any]:
    blocks: Blocks = [
        _context(incident),
        _text(
            "text",
            "Update",
            multiline=True,
            optional=False,
            placeholder="What changed, what is next",
        ),
    ]
    phases = [p for p in next_phases(incident) if p in (Phase.FIXING, Phase.DISCLOSED)]
    if phases:
        options = [_option(f"Move to {PHASE_LABELS[p.value]}", p.value) for p in phases]
        blocks.append(
            input_block(
                "phase",
                "Phase change",
                {"type": "static_select", "options": options},
                hint="Optional. Steps that need dates or versions have their own buttons.",
            )
        )
    blocks.append(
        input_block(
            "next_update",
            "Next update by",
            {"type": "datetimepicker"},
            hint="Optional. When the team can expect the next update.",
        )
    )
    return _modal(UPDATE_CALLBACK, "Post update", "Post", incident.human_id, blocks)


def embargo_modal(incident: Incident) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "datetimepicker"}
    if incident.disclosure_planned_at:
        element["initial_date_time"] = int(incident.disclosure_planned_at.timestamp())
    blocks: Blocks = [
        _context(incident),
        {
            "type": "section",
            "text": mrkdwn(
                "This records that private distributors were notified and starts the "
                "embargo. It cannot be undone."
            ),
        },
        input_block("planned", "Public disclosure", element, optional=False),
        _text("why", "Note", multiline=True, max_length=1000, placeholder="Who was notified"),
    ]
    return _modal(
        EMBARGO_CALLBACK, "Notify distributors", "Start embargo", incident.human_id, blocks
    )


def released_modal(incident: Incident) -> dict[str, Any]:
    blocks: Blocks = [
        _context(incident),
        {
            "type": "section",
            "text": mrkdwn(
                "This records that the fixed versions are published. It cannot be undone."
            ),
        },
        _text(
            "fixed_versions",
            "Fixed versions",
            incident.fixed_versions,
            max_length=500,
            optional=False,
            placeholder="e.g. 1.28.4, 1.29.1",
        ),
        _text("why", "Note", multiline=True, max_length=1000),
    ]
    return _modal(RELEASED_CALLBACK, "Released", "Mark released", incident.human_id, blocks)


def close_modal(incident: Incident) -> dict[str, Any]:
    options = [_option(RESOLUTION_LABELS[r], r.value) for r in Resolution]
    blocks: Blocks = [
        _context(incident),
        input_block(
            "resolution",
            "Resolution",
            {"type": "static_select", "options": options},
            optional=False,
        ),
        _text(
            "duplicate_of",
            "Duplicate of",
            max_length=32,
            placeholder="e.g. SEC-2026-0007",
            hint="Only for a duplicate: the incident it duplicates.",
        ),
        _text("why", "Why", multiline=True, max_length=1000),
    ]
    return _modal(CLOSE_CALLBACK, "Close incident", "Close", incident.human_id, blocks)


def package_block_id(slot: str, field: str) -> str:
    """Block IDs carry a slot (`<generation>x<index>`): a new generation after an add or
    a remove gives every input a new ID, so Slack shows the rebuilt values, not stale ones."""
    return f"pkg_{slot}_{field}"


def package_blocks(human_id: str, slot: str, number: int, draft: PackageInput) -> Blocks:
    ecosystem: dict[str, Any] = {
        "type": "static_select",
        "options": [_option(name, name) for name in ECOSYSTEMS],
    }
    if draft.ecosystem in ECOSYSTEMS:
        ecosystem["initial_option"] = _option(draft.ecosystem, draft.ecosystem)
    return [
        {"type": "section", "text": mrkdwn(f"*Affected package {number}*")},
        input_block(package_block_id(slot, "ecosystem"), "Ecosystem (OSV)", ecosystem),
        _text(package_block_id(slot, "name"), "Package name", draft.name, max_length=200),
        _text(
            package_block_id(slot, "ranges"),
            "Affected ranges",
            draft.ranges,
            multiline=True,
            max_length=1000,
            placeholder=">= 2.0.0, < 2.4.1",
            hint="One range a line, as GitHub writes them: `>= 2.0, < 2.4.1`, `< 1.9`, "
            "`<= 3.1`, `= 1.2.3`. Nothing is guessed: write each branch's first affected version.",
        ),
        _text(package_block_id(slot, "fixed"), "Fixed versions", draft.fixed, max_length=500),
        _text(
            package_block_id(slot, "links"),
            "Links to the fix",
            draft.links,
            multiline=True,
            max_length=1000,
            hint="Commits or pull requests, one a line.",
        ),
        {
            "type": "actions",
            "block_id": f"pkg_{slot}_actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": PACKAGE_REMOVE_ACTION,
                    "text": plain("Remove this package"),
                    "value": f"{human_id}|{slot}",
                }
            ],
        },
    ]


def advisory_modal(
    incident: Incident, drafts: list[PackageInput] | None = None, generation: int = 0
) -> dict[str, Any]:
    drafts = drafts if drafts else [PackageInput()]
    packages: Blocks = []
    for index, draft in enumerate(drafts[:MAX_PACKAGES]):
        packages += package_blocks(incident.human_id, f"{generation}x{index}", index + 1, draft)
    if len(drafts) < MAX_PACKAGES:
        packages.append(
            {
                "type": "actions",
                "block_id": f"packages_{generation}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": PACKAGE_ADD_ACTION,
                        "text": plain("Add a package"),
                        "value": incident.human_id,
                    }
                ],
            }
        )
    unread: Blocks = []
    if incident.advisory_note:
        note = ":warning: Not read into packages yet, kept as written: " + escape(
            incident.advisory_note
        )
        unread.append({"type": "context", "elements": [mrkdwn(clip(note, 2000))]})
    blocks: Blocks = [
        _context(incident),
        *unread,
        _text(
            "cve_id", "CVE ID", incident.cve_id or "", max_length=32, placeholder="CVE-2026-12345"
        ),
        *([] if incident.cve_id else [reserve_button_block(incident.human_id)]),
        _text(
            "advisory_summary",
            "Summary",
            incident.advisory_summary,
            max_length=500,
            placeholder="ACTOR may be able to DO SOMETHING",
        ),
        *packages,
        _text(
            "am_i_vulnerable",
            "Am I vulnerable?",
            incident.am_i_vulnerable,
            multiline=True,
            max_length=3000,
            hint="How a user tells: the vulnerable configuration, the commands that show it.",
        ),
        _text("mitigation", "Mitigation before upgrading", incident.mitigation, multiline=True),
        _text(
            "upgrade_steps",
            "Steps required after upgrading",
            incident.upgrade_steps,
            multiline=True,
            max_length=3000,
        ),
        _text("fix_impact", "Fix impact (side effects)", incident.fix_impact, multiline=True),
        _text("detection", "Detection", incident.detection, multiline=True),
        _text("advisory_details", "Additional details", incident.advisory_details, multiline=True),
        _text(
            "tracking_issue_url",
            "Public tracking issue",
            incident.tracking_issue_url,
            max_length=500,
            placeholder="https://github.com/org/repo/issues/123",
        ),
        _text(
            "cwe_ids",
            "CWE IDs",
            ", ".join(incident.cwe_ids or []),
            max_length=500,
            placeholder="CWE-787, CWE-674",
        ),
        _text(
            "credits",
            "Credits",
            incident.credits,
            multiline=True,
            max_length=1000,
            hint="One per line: `Name <contact> (TYPE)`, TYPE as OSV names it (FINDER, "
            "ANALYST, OTHER ...). The reporter, fix lead and fix team are credited already.",
        ),
    ]
    return _modal(ADVISORY_CALLBACK, "Advisory fields", "Save", incident.human_id, blocks)


def fixteam_modal(incident: Incident) -> dict[str, Any]:
    blocks: Blocks = [
        _context(incident),
        input_block("users", "Add to the fix team", {"type": "multi_users_select"}, optional=False),
        _text(
            "role",
            "Their role",
            max_length=300,
            placeholder="e.g. review the patch to the parser",
        ),
    ]
    return _modal(FIXTEAM_CALLBACK, "Fix team", "Add", incident.human_id, blocks)


# -- thread replies and notes ---------------------------------------------------------------


def _note(text: str, emoji: str) -> tuple[str, Blocks]:
    return clip(text, 3000), [{"type": "section", "text": mrkdwn(f"{emoji} {text}")}]


def update_posted(
    incident: Incident, actor: str, text: str, next_update_at: datetime | None
) -> tuple[str, Blocks]:
    body = f"*Update on {incident.human_id}* from <@{actor}>:\n{escape(text)}"
    if next_update_at:
        body += f"\n_Next update by {slack_date(next_update_at)}_"
    return _note(body, ":memo:")


def phase_changed(
    incident: Incident, old: str, new: str, actor: str, why: str = ""
) -> tuple[str, Blocks]:
    body = (
        f"*{incident.human_id}* moved from {PHASE_LABELS.get(old, old)} to "
        f"*{PHASE_LABELS.get(new, new)}* by <@{actor}>"
    )
    if new == Phase.EMBARGO.value and incident.disclosure_planned_at:
        planned = slack_date(incident.disclosure_planned_at)
        body += f". Distributors notified; public disclosure {planned}"
    if new == Phase.RELEASED.value and incident.fixed_versions:
        body += f". Fixed in {escape(incident.fixed_versions)}"
    if new == Phase.CLOSED.value and incident.resolution:
        label = RESOLUTION_LABELS.get(Resolution(incident.resolution), incident.resolution)
        body += f" as {label}" + (f" of {incident.duplicate_of}" if incident.duplicate_of else "")
    if why:
        body += f": {escape(why)}"
    emoji = ":white_check_mark:" if new == Phase.CLOSED.value else ":arrow_right:"
    return _note(body + ".", emoji)


def fix_ready(incident: Incident, actor: str) -> tuple[str, Blocks]:
    return _note(
        f"The fix for *{incident.human_id}* is ready (merged privately), says <@{actor}>.",
        ":wrench:",
    )


def made_public(incident: Incident, actor: str, why: str) -> tuple[str, Blocks]:
    text = f"*{incident.human_id}* is public now, says <@{actor}>"
    if why:
        text += f": {escape(why)}"
    return _note(text + ". The deadlines follow the policy for public issues.", ":loudspeaker:")


def advisory_edited(incident: Incident, actor: str, fields: list[str]) -> tuple[str, Blocks]:
    names = ", ".join(name.replace("_", " ") for name in fields)
    return _note(
        f"<@{actor}> edited the advisory fields of *{incident.human_id}*: {names}.", ":pencil2:"
    )


def exported(incident: Incident, actor: str, names: list[str]) -> tuple[str, Blocks]:
    return _note(
        f"<@{actor}> exported *{incident.human_id}*: {', '.join(names)} (in the incident channel).",
        ":package:",
    )


def fix_team_joined(incident: Incident, user: str, actor: str, role: str) -> tuple[str, Blocks]:
    text = f"<@{user}> joined the fix team of *{incident.human_id}* (added by <@{actor}>)."
    if role:
        text += f" Role: {escape(role)}"
    return clip(text, 3000), [
        {"type": "section", "text": mrkdwn(f":busts_in_silhouette: {text}")},
        {
            "type": "actions",
            "block_id": "fixteam",
            "elements": [
                {
                    "type": "button",
                    "action_id": RELEASE_MEMBER_ACTION,
                    "text": plain("Release from fix team"),
                    "value": f"{incident.human_id}|{user}",
                    "confirm": confirm(
                        "Release them?",
                        "They leave the incident channel and stop receiving its updates.",
                        "Release",
                    ),
                }
            ],
        },
    ]


def fix_team_released(incident: Incident, user: str, actor: str) -> tuple[str, Blocks]:
    return _note(
        f"<@{user}> was released from the fix team of *{incident.human_id}* by <@{actor}>.",
        ":wave:",
    )


def fix_team_welcome(incident: Incident, actor: str, role: str) -> tuple[str, Blocks]:
    """The DM a new fix-team member gets: their role and the embargo rules."""
    lines = [
        f"<@{actor}> added you to the fix team of *{incident.human_id}* "
        f"({escape(incident.title)}) in <#{incident.channel_id}>.",
        f"*Your role:* {escape(role) if role else 'help build and review the fix'}. "
        f"The fix lead is {user_mention(incident.lead_id)}.",
        "*Embargo rules*",
        "• Everything about this issue is confidential until the public disclosure: "
        "do not discuss it outside the incident channel, not even with colleagues.",
        "• Work on the fix only in private forks or private branches; no public pull "
        "requests, issues or commit messages that hint at the problem.",
        "• Do not tell customers, vendors or other projects; the fix lead handles all "
        "notifications to distributors.",
        "• If anything leaks, or you see the issue discussed in public, tell the fix lead "
        "in the incident channel at once.",
    ]
    text = "\n".join(lines)
    return clip(text, 3000), [{"type": "section", "text": mrkdwn(text)}]


def confirm(title: str, text: str, ok: str) -> dict[str, Any]:
    return {
        "title": plain(title, 100),
        "text": plain(text, 300),
        "confirm": plain(ok, 30),
        "deny": plain("Cancel", 30),
    }


def refused(problems: list[str]) -> str:
    return "\n".join(f":no_entry: {problem}" for problem in problems)
