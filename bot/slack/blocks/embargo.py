"""Messages about the embargo's edges: channels that stop being private, people who change,
reports kept for a look. Pure functions; user text never appears in them."""

from __future__ import annotations

from typing import Any

from bot.incident.models import Incident
from bot.slack.blocks.text import mrkdwn, plain

Blocks = list[dict[str, Any]]
JOIN_ADD_ACTION = "embargo_join_add_fixteam"
JOIN_REMOVE_ACTION = "embargo_join_remove"
EXPOSURE_WORDS = {
    "public": "was made public",
    "shared": "was shared with another organisation (Slack Connect)",
    "archived": "was archived",
}


def report_needs_a_look(source: str, raw_id: int) -> str:
    where = "GitHub advisory" if source == "github" else "report"
    return (
        f":warning: A validly signed {where} arrived but could not be opened as an incident. "
        f"It is kept unread in the database (`intake_raw` row {raw_id}); nothing of it was "
        "posted or logged. Please look at it and open the incident by hand."
    )


def channel_exposed(incident: Incident, channel_id: str, reason: str) -> str:
    """For the triage thread and the lead's DM: names the channel, never the title."""
    what = EXPOSURE_WORDS.get(reason, "is no longer private")
    return (
        f":rotating_light: The channel of {incident.human_id} (<#{channel_id}>) {what}. "
        "The bot has stopped posting there: no updates, headline edits, topic or exports go "
        "to it any more. Move the incident to a new private channel."
    )


def triage_exposed(reason: str) -> str:
    what = EXPOSURE_WORDS.get(reason, "is no longer private")
    return (
        f":rotating_light: The triage channel {what}; the bot no longer posts incident "
        "notices there. Point TRIAGE_CHANNEL at a private channel that is not shared."
    )


def member_removed(incident: Incident, user: str, kicked: bool, reminders_to: str | None) -> str:
    done = [f"<@{user}> left the security team."]
    if kicked:
        done.append(f"The bot removed <@{user}> from this incident's channel.")
    else:
        done.append(f"<@{user}> stays in the channel as a member of the fix team.")
    if reminders_to:
        done.append(f"Their reminders for {incident.human_id} now go to <@{reminders_to}>.")
    return " ".join(done)


def stranger_joined(incident: Incident, user: str) -> tuple[str, Blocks]:
    text = (
        f"<@{user}> joined the channel of {incident.human_id}, and is neither on the security "
        "team nor on the fix team. Add them to the fix team, or remove them from the channel."
    )
    value = f"{incident.human_id}|{user}"
    blocks: Blocks = [
        {"type": "section", "text": mrkdwn(f":eyes: {text}")},
        {
            "type": "actions",
            "block_id": "embargo_join",
            "elements": [
                {
                    "type": "button",
                    "action_id": JOIN_ADD_ACTION,
                    "text": plain("Add to fix team", 75),
                    "value": value,
                },
                {
                    "type": "button",
                    "action_id": JOIN_REMOVE_ACTION,
                    "style": "danger",
                    "text": plain("Remove from channel", 75),
                    "value": value,
                },
            ],
        },
    ]
    return text, blocks


def stranger_settled(incident: Incident, user: str, actor: str, added: bool) -> str:
    if added:
        return f"<@{actor}> added <@{user}> to the fix team of {incident.human_id}."
    return f"<@{actor}> removed <@{user}> from the channel of {incident.human_id}."
