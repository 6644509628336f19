"""The App Home tab: a member's open incidents, this week's deadlines, on-call and status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.incident.models import Incident
from bot.slack.blocks.incident import phase_label, severity_text
from bot.slack.blocks.text import escape, mrkdwn, plain, slack_date, user_mention

Blocks = list[dict[str, Any]]
MAX_LISTED = 15  # per section; a home tab holds at most 100 blocks
AWAY_UNTIL = "home_away_until"  # a datepicker: the last day away
BACK = "home_back"


@dataclass(frozen=True)
class DueItem:
    """One deadline to show: which incident, what is due, and when."""

    human_id: str
    channel_id: str | None
    what: str
    due_at: datetime


@dataclass(frozen=True)
class HomeRow:
    incident: Incident
    next_deadline: str | None


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain(text, 150)}


def _incident_line(row: HomeRow) -> dict[str, Any]:
    incident = row.incident
    channel = f"<#{incident.channel_id}>" if incident.channel_id else "_channel pending_"
    text = (
        f"*{incident.human_id}* {escape(incident.title)} · {channel}\n"
        f"{phase_label(incident)} · {severity_text(incident)} · "
        f"lead {user_mention(incident.lead_id, 'none yet')} · "
        f"next deadline: {row.next_deadline or '_none planned_'}"
    )
    if incident.is_public:
        text = ":rotating_light: *Public* · " + text
    return {"type": "section", "text": mrkdwn(text)}


def _listed(rows: Sequence[HomeRow], empty: str) -> Blocks:
    if not rows:
        return [{"type": "context", "elements": [mrkdwn(empty)]}]
    blocks = [_incident_line(row) for row in rows[:MAX_LISTED]]
    if len(rows) > MAX_LISTED:
        more = f"…and {len(rows) - MAX_LISTED} more."
        blocks.append({"type": "context", "elements": [mrkdwn(more)]})
    return blocks


def home_view(
    user_id: str,
    mine: Sequence[HomeRow],
    others: Sequence[HomeRow],
    due: Sequence[DueItem],
    on_call: str | None,
    away: str | None,
    updated_at: datetime,
    notice: str | None = None,
    insights: Blocks | None = None,
) -> dict[str, Any]:
    due_lines = [
        f"• {slack_date(item.due_at)} · *{item.human_id}* {escape(item.what)}"
        + (f" · <#{item.channel_id}>" if item.channel_id else "")
        for item in sorted(due, key=lambda item: item.due_at)[:MAX_LISTED]
    ]
    blocks: Blocks = [
        _header("Your open incidents"),
        *_listed(mine, "You lead, command or work on no open incident."),
        {"type": "divider"},
        _header("Deadlines this week"),
        {
            "type": "section",
            "text": mrkdwn("\n".join(due_lines) if due_lines else "_Nothing due this week._"),
        },
        {"type": "divider"},
        _header("Team"),
        {
            "type": "section",
            "fields": [
                mrkdwn(f"*On call*\n{user_mention(on_call, 'not set up')}"),
                mrkdwn(f"*Your status*\n{escape(away) if away else 'Available'}"),
            ],
        },
        _status_toggle(away is not None),
        *(insights or []),
    ]
    if notice:
        blocks.insert(0, {"type": "section", "text": mrkdwn(f":warning: {escape(notice)}")})
    if others:
        blocks += [
            {"type": "divider"},
            _header("Other open incidents"),
            *_listed(others, ""),
        ]
    blocks.append({"type": "context", "elements": [mrkdwn(f"Updated {slack_date(updated_at)}")]})
    return {"type": "home", "blocks": blocks}


def _status_toggle(away: bool) -> dict[str, Any]:
    """Away members get a button to come back; the others a date picker to go away."""
    if away:
        element: dict[str, Any] = {
            "type": "button",
            "action_id": BACK,
            "text": plain("I'm back"),
            "value": "back",
        }
    else:
        element = {
            "type": "datepicker",
            "action_id": AWAY_UNTIL,
            "placeholder": plain("Away until (last day)"),
        }
    return {"type": "actions", "block_id": "home_status", "elements": [element]}


def outsider_view() -> dict[str, Any]:
    text = (
        "This bot runs the security team's private vulnerability disclosures. "
        "To report a vulnerability, run `/disclose` in any channel and fill in the form."
    )
    return {"type": "home", "blocks": [{"type": "section", "text": mrkdwn(text)}]}
