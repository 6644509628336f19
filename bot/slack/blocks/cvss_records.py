"""Block Kit for recorded CVSS scores: the history, proposals and the lead's pick."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.scoring.engine import ScoreResult, severity_emoji
from bot.scoring.models import ScoreRecord
from bot.slack.blocks.cvss import ACTION_COMPARE, score_post_blocks
from bot.slack.blocks.text import clip, mrkdwn, plain, slack_date

Blocks = list[dict[str, Any]]
HISTORY_SHOWN = 40  # the newest ones; a message holds at most 50 blocks
VIA_LABELS = {"modal": "", "command": " · from `/cvss`", "pick": " · picked as final"}

USAGE = (
    "*`/cvss`* in an incident channel opens the scoring form.\n"
    "*`/cvss <vector>`* scores a vector (in an incident channel, you may then record it).\n"
    "*`/cvss compare`* shows where the team's vectors disagree; the fix lead picks one.\n"
    "*`/cvss history`* lists every score recorded on the incident."
)
NOTHING_TO_COMPARE = "Nobody has scored this incident yet: `/cvss` opens the form."


def history_text(human_id: str, count: int) -> str:
    return f"CVSS score history of {human_id}: {count} recorded"


def history_blocks(human_id: str, records: list[ScoreRecord]) -> Blocks:
    if not records:
        return [{"type": "section", "text": mrkdwn(f"{human_id} has no recorded score yet.")}]
    blocks: Blocks = [{"type": "header", "text": plain(f"CVSS scores of {human_id}", 150)}]
    shown = records[-HISTORY_SHOWN:]
    if len(records) > len(shown):
        older = len(records) - len(shown)
        blocks.append({"type": "context", "elements": [mrkdwn(f"{older} older scores not shown")]})
    for row in shown:
        name = row.nomenclature or f"CVSS {row.version}"
        status = "" if row.is_final else " · _proposal_"
        text = (
            f"{severity_emoji(row.severity)} *{row.score:.1f} {row.severity}* ({name}) "
            f"by <@{row.user_id}> {slack_date(row.at)}{VIA_LABELS.get(row.via, '')}{status}\n"
            f"`{row.vector}`"
        )
        blocks.append({"type": "section", "text": mrkdwn(text)})
    return blocks


def picked_blocks(result: ScoreResult, user_id: str, when: datetime, value: str) -> Blocks:
    """The lead's pick, for the thread: a note over the usual score post."""
    note = {"type": "context", "elements": [mrkdwn(f"<@{user_id}> picked the final vector.")]}
    return [note, *score_post_blocks(result, user_id, when, value)]


def proposal_text(result: ScoreResult) -> str:
    return f"CVSS score proposed: {result.score:.1f} {result.severity} ({result.clean_vector})"


def proposal_blocks(result: ScoreResult, user_id: str, decider: str | None, value: str) -> Blocks:
    """A member's score after the lead decided: kept for comparison, the score unchanged."""
    who = f"<@{decider}>" if decider else "the fix lead"
    text = (
        f"{result.emoji} <@{user_id}> proposes *{result.score:.1f} {result.severity}* "
        f"`{result.clean_vector}`.\nThe incident's score stays as {who} decided; "
        "compare the team's vectors to pick another."
    )
    return [
        {"type": "section", "text": mrkdwn(clip(text, 3000))},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": plain("Compare scores", 75),
                    "action_id": ACTION_COMPARE,
                    "value": value,
                }
            ],
        },
    ]


def recorded_answer(result: ScoreResult, human_id: str, is_final: bool) -> str:
    """The ephemeral answer to whoever recorded a score."""
    if is_final:
        return f"Recorded {result.score:.1f} {result.severity} on {human_id}."
    return (
        f"Your vector ({result.score:.1f} {result.severity}) is kept for comparison; the fix "
        f"lead decides {human_id}'s score."
    )
