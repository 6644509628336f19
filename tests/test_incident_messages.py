"""What `/disclose status` and the edited triage parent show: the real next deadline and
when (and by whom) the last update was posted."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.incident.models import Incident
from tests.harness import RunningBot, wait_until
from tests.slack_api import Message
from tests.vocabulary import command, opened


def next_deadline_field(blocks: list[dict] | None) -> str:
    for block in blocks or []:
        for field in block.get("fields", []):
            if field["text"].startswith("*Next deadline*\n"):
                return field["text"].removeprefix("*Next deadline*\n")
    raise AssertionError(f"no next deadline field in {blocks}")


def headline_next_deadline(bot: RunningBot, incident: Incident) -> str:
    return next_deadline_field(bot.slack.message(incident.channel_id, incident.headline_ts).blocks)


def test_status_shows_the_next_deadline_of_the_headline(bot: RunningBot) -> None:
    ws = bot.workspace
    incident = opened(bot)
    planned = headline_next_deadline(bot, incident)
    assert "Acknowledge the reporter" in planned and "<!date^" in planned

    command(bot, ws.bob, incident.channel_id, "status")
    answer = bot.slack.ephemerals_for(ws.bob)[-1]
    assert next_deadline_field(answer.blocks) == planned


def triage_parent_edits(bot: RunningBot, incident: Incident) -> list[dict]:
    """The blocks of every chat.update the bot sent for the incident's triage parent."""
    edits = []
    for call in bot.slack.calls_to("chat.update"):
        if call.ok and call.params.get("ts") == incident.triage_ts:
            blocks = call.params.get("blocks")
            edits.append(json.loads(blocks) if isinstance(blocks, str) else blocks)
    return edits


def test_the_triage_parent_shows_the_last_update_and_the_next_deadline(
    bot: RunningBot,
) -> None:
    ws = bot.workspace
    incident = opened(bot)
    bot.clock.advance(timedelta(hours=2))
    posted_at = bot.clock.now()
    assert "Update posted" in command(bot, ws.bob, incident.channel_id, "update Secret detail")

    def edited_with_update() -> list[dict] | None:
        edits = [e for e in triage_parent_edits(bot, incident) if f"<@{ws.bob}>" in str(e)]
        return edits[-1] if edits else None

    edit = json.dumps(wait_until(edited_with_update, what="the triage parent edited"))
    assert f"Last update <!date^{int(posted_at.timestamp())}^" in edit
    assert f"by <@{ws.bob}>" in edit
    next_deadline = headline_next_deadline(bot, bot.incident())
    assert "<!date^" in next_deadline
    assert f"Next deadline: {next_deadline}" in json.loads(edit)[-1]["elements"][0]["text"]
    assert "Secret detail" not in edit  # the update's text stays in the thread

    parent: Message = bot.slack.message(ws.triage, incident.triage_ts)
    assert json.dumps(parent.blocks) == edit
    assert len(bot.slack.messages(ws.triage)) == 1
