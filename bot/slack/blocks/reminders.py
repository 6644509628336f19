"""Reminder messages, the deadline list and the reschedule modal: pure Block Kit builders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.reminder.claim import Claim
from bot.reminder.models import DeadlineRow, DeadlineState
from bot.reminder.plan import SNOOZE_PREFIX, describe_seconds
from bot.slack.blocks.text import clip, escape, mrkdwn, plain, slack_date

Blocks = list[dict[str, Any]]

DONE_ACTION = "reminder_done"
SNOOZE_ACTIONS = {"reminder_snooze_1h": 3600, "reminder_snooze_4h": 4 * 3600}
SNOOZE_ACTIONS["reminder_snooze_1d"] = 24 * 3600
RESCHEDULE_ACTION = "reminder_reschedule"
USE_TIME_ACTION = "reminder_use_time"
RESCHEDULE_CALLBACK = "reminder_reschedule_submit"
VALUE = "value"
OWNER_WORDS = {"fix_lead": "the fix lead", "commander": "the incident commander"}


def owner_text(owner: str, user: str | None) -> str:
    if owner == "team":
        return "the security team"
    role = OWNER_WORDS.get(owner, owner)
    return f"<@{user}> ({role})" if user else f"{role} (nobody yet)"


def owner_of(claim: Claim) -> str | None:
    """The person a reminder is DM'd to: the step's owner, the commander on escalation."""
    if claim.key == "escalation":
        return claim.commander_id
    return {"fix_lead": claim.lead_id, "commander": claim.commander_id}.get(claim.owner)


def headline(claim: Claim, now: datetime) -> str:
    """One line: which incident, which step, how soon or how late."""
    who = f"*{claim.human_id}* · {escape(claim.label)}"
    when = slack_date(claim.due_at)
    ahead = (claim.due_at - now).total_seconds()
    if claim.key == "escalation":
        late = describe_seconds(-ahead)
        boss = f"<@{claim.commander_id}>" if claim.commander_id else "Commander"
        return (
            f":rotating_light: Escalation: {who} is overdue by {late} (due {when}). "
            f"{boss}, please step in."
        )
    if ahead > 0:
        return f":alarm_clock: {who} is due {when}, in {describe_seconds(ahead)}."
    if ahead > 0 - _grace(claim):
        return f":alarm_clock: {who} is due now ({when})."
    prefix = "Snoozed reminder: " if claim.key.startswith(SNOOZE_PREFIX) else ""
    return f":warning: {prefix}{who} is overdue by {describe_seconds(-ahead)} (due {when})."


def _grace(claim: Claim) -> float:
    """How late a reminder may go out and still say "due now" (not for overdue repeats)."""
    return 60.0 if claim.key == "due" or claim.key.startswith("before:") else 0.0


def fallback(claim: Claim, now: datetime) -> str:
    """Notification text: no mentions, no dates that need Slack's formatting."""
    ahead = (claim.due_at - now).total_seconds()
    state = f"due in {describe_seconds(ahead)}" if ahead > 0 else "due now"
    if ahead <= 0 - _grace(claim):
        state = f"overdue by {describe_seconds(-ahead)}"
    prefix = "Escalation: " if claim.key == "escalation" else "Reminder: "
    return clip(f"{prefix}{claim.human_id} · {claim.label} is {state}", 300)


def buttons(deadline_id: int, reminder_id: int) -> dict[str, Any]:
    value = f"{deadline_id}|{reminder_id}"

    def button(action_id: str, text: str, style: str | None = None) -> dict[str, Any]:
        element = {"type": "button", "action_id": action_id, "text": plain(text), "value": value}
        if style:
            element["style"] = style
        return element

    return {
        "type": "actions",
        "block_id": f"reminder:{reminder_id}",
        "elements": [
            button(DONE_ACTION, "Done", "primary"),
            button("reminder_snooze_1h", "Snooze 1h"),
            button("reminder_snooze_4h", "Snooze 4h"),
            button("reminder_snooze_1d", "Snooze 1 day"),
            button(RESCHEDULE_ACTION, "Reschedule"),
        ],
    }


def reminder_blocks(claim: Claim, now: datetime, place: str) -> Blocks:
    lines = [headline(claim, now), f"Owner: {owner_text(claim.owner, owner_of_step(claim))}"]
    if place == "dm":
        where = f"<#{claim.channel_id}>" if claim.channel_id else "its channel"
        lines.append(f"_{escape(clip(claim.title, 150))}_ · {where}")
    return [
        {"type": "section", "text": mrkdwn("\n".join(lines))},
        buttons(claim.deadline_id, claim.reminder_id),
    ]


def owner_of_step(claim: Claim) -> str | None:
    return {"fix_lead": claim.lead_id, "commander": claim.commander_id}.get(claim.owner)


def delivery_failed(claim: Claim, why: str) -> tuple[str, Blocks]:
    text = (
        f":x: A reminder for *{claim.human_id}* · {escape(claim.label)} could not be delivered "
        f"{escape(why)}. It was due {slack_date(claim.due_at)}."
    )
    return clip(f"Reminder for {claim.human_id} not delivered", 300), [
        {"type": "section", "text": mrkdwn(text)}
    ]


# -- /disclose deadlines -------------------------------------------------------------------

STATE_WORDS = {
    DeadlineState.OPEN.value: "open",
    DeadlineState.MET_ON_TIME.value: "met on time",
    DeadlineState.MET_LATE.value: "met late",
    DeadlineState.DROPPED.value: "no longer applies",
}


def deadline_line(row: DeadlineRow, now: datetime, next_reminder: datetime | None) -> str:
    when = slack_date(row.due_at)
    if row.status == DeadlineState.OPEN.value:
        ahead = (row.due_at - now).total_seconds()
        state = (
            f"due {when}, in {describe_seconds(ahead)}"
            if ahead > 0
            else f"*overdue* by {describe_seconds(-ahead)} (due {when})"
        )
        if row.snoozed_until and row.snoozed_until > now:
            state += f" · snoozed until {slack_date(row.snoozed_until)}"
        elif next_reminder:
            state += f" · next reminder {slack_date(next_reminder)}"
    elif row.status == DeadlineState.MET_LATE.value:
        state = f"met late by {describe_seconds(row.lateness_seconds or 0)} (due {when})"
    elif row.status == DeadlineState.MET_ON_TIME.value:
        state = f"met on time (due {when})"
    else:
        state = f"no longer applies (was due {when})"
    return f"• *{escape(row.label)}* (`{row.kind}`): {state}"


def deadlines_list(
    human_id: str, rows: Sequence[tuple[DeadlineRow, datetime | None]], now: datetime
) -> tuple[str, Blocks]:
    if not rows:
        return f"{human_id} has no deadlines planned.", []
    lines = [deadline_line(row, now, upcoming) for row, upcoming in rows]
    text = f"*Deadlines of {human_id}*\n" + "\n".join(lines)
    hint = "`/disclose deadline <name> YYYY-MM-DD [HH:MM]` sets one (UTC)."
    return f"Deadlines of {human_id}", [
        {"type": "section", "text": mrkdwn(text)},
        {"type": "context", "elements": [mrkdwn(hint)]},
    ]


def disclosure_warning(
    human_id: str, planned: datetime, warnings: Sequence[str], suggestion: datetime | None
) -> tuple[str, Blocks]:
    text = (
        f"Public disclosure of {human_id} set for {slack_date(planned)}. Note that it "
        + "; it ".join(warnings)
        + "."
    )
    blocks: Blocks = [{"type": "section", "text": mrkdwn(text)}]
    if suggestion is not None:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": USE_TIME_ACTION,
                        "text": plain(f"Use {suggestion:%a %d %b %H:%M} UTC instead"),
                        "value": f"{human_id}|{int(suggestion.timestamp())}",
                    }
                ],
            }
        )
    return clip(text, 3000), blocks


def reschedule_modal(row: DeadlineRow, human_id: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": RESCHEDULE_CALLBACK,
        "private_metadata": str(row.id),
        "title": plain("Reschedule", 24),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "blocks": [
            {
                "type": "section",
                "text": mrkdwn(
                    f"*{human_id}* · {escape(row.label)}, now due {slack_date(row.due_at)}"
                ),
            },
            {
                "type": "input",
                "block_id": "due",
                "label": plain("New due time"),
                "element": {
                    "type": "datetimepicker",
                    "action_id": VALUE,
                    "initial_date_time": int(row.due_at.timestamp()),
                },
            },
        ],
    }
