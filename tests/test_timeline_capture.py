"""Messages added to the timeline with 📌 or the message shortcut, then edited and deleted."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.timeline.models import TimelineEvent
from tests.harness import RunningBot, wait_until
from tests.vocabulary import open_incident


def captured(bot: RunningBot) -> list[TimelineEvent]:
    with bot.services.db.transaction() as session:
        query = select(TimelineEvent).where(TimelineEvent.source_ts.is_not(None))
        return list(session.scalars(query.order_by(TimelineEvent.id)))


def pin(bot: RunningBot, user: str, channel: str, ts: str) -> None:
    event = {
        "type": "reaction_added",
        "user": user,
        "reaction": "pushpin",
        "item": {"type": "message", "channel": channel, "ts": ts},
        "item_user": user,
    }
    assert bot.driver.event(event).status == 200


def test_reaction_and_shortcut_keep_time_and_author_and_follow_edits(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    incident = open_incident(bot)
    channel = incident.channel_id
    first = slack.add_message(channel, ws.bob, "Reproduced on 1.28.3")
    reply = slack.add_message(channel, ws.carol, "Also on 1.29.0", thread_ts=first)

    pin(bot, ws.alice, channel, first)
    pin(bot, ws.alice, channel, first)  # a second pin adds nothing
    row = wait_until(lambda: captured(bot), what="the pinned message")[0]
    assert row.actor == ws.bob and row.source_author == ws.bob
    assert row.at == datetime.fromtimestamp(float(first), tz=UTC)
    assert row.text == "Reproduced on 1.28.3" and row.data["added_by"] == ws.alice

    message = slack.message(channel, reply)
    response = bot.driver.message_action("timeline_add", ws.bob, message, channel_id=channel)
    assert response.status == 200
    note = wait_until(lambda: slack.ephemerals_for(ws.bob), what="the shortcut's answer")[-1]
    assert f"{incident.human_id} timeline" in note.text
    rows = wait_until(lambda: len(captured(bot)) == 2 and captured(bot))
    assert rows[1].source_author == ws.carol and rows[1].source_ts == reply

    edited = {
        "type": "message",
        "subtype": "message_changed",
        "channel": channel,
        "message": {"type": "message", "user": ws.bob, "text": "Reproduced on 1.28.2", "ts": first},
        "previous_message": {
            "type": "message",
            "user": ws.bob,
            "text": "Reproduced on 1.28.3",
            "ts": first,
        },
    }
    bot.driver.event(edited)
    wait_until(lambda: captured(bot)[0].text == "Reproduced on 1.28.2", what="the edit")
    assert captured(bot)[0].data["original_text"] == "Reproduced on 1.28.3"
    assert captured(bot)[0].source_edited_at == bot.clock.now()

    deleted = {
        "type": "message",
        "subtype": "message_deleted",
        "channel": channel,
        "deleted_ts": reply,
        "previous_message": {
            "type": "message",
            "user": ws.carol,
            "text": "Also on 1.29.0",
            "ts": reply,
        },
    }
    bot.driver.event(deleted)
    wait_until(lambda: captured(bot)[1].source_deleted_at is not None, what="the deletion mark")
    assert captured(bot)[1].text == "Also on 1.29.0"  # kept, and marked

    from bot.exports.files import export_files, load_context

    with bot.services.db.transaction() as session:
        files = dict(export_files(load_context(session, incident.id, bot.clock.now())))
    assert "Reproduced on 1.28.2" in files["timeline.md"]
    assert "deleted in Slack" in files["timeline.md"]


def test_only_the_team_and_only_incident_messages(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    incident = open_incident(bot)
    elsewhere = slack.add_message(ws.general, ws.dave, "lunch?")
    inside = slack.add_message(incident.channel_id, ws.bob, "a finding")

    pin(bot, ws.dave, incident.channel_id, inside)  # not on the roster: only a reaction
    pin(bot, ws.alice, ws.general, elsewhere)  # not an incident's message
    bot.driver.message_action("timeline_add", ws.dave, slack.message(incident.channel_id, inside))
    bot.driver.message_action("timeline_add", ws.alice, slack.message(ws.general, elsewhere))
    refusal = wait_until(lambda: slack.ephemerals_for(ws.dave), what="the refusal")[-1]
    assert refusal.text.startswith("Only the security team")
    answer = wait_until(lambda: slack.ephemerals_for(ws.alice), what="the answer")[-1]
    assert "not in an incident channel" in answer.text

    # The triage thread belongs to the incident too.
    in_thread = slack.add_message(
        ws.triage, ws.carol, "Upstream knows", thread_ts=incident.triage_ts
    )
    pin(bot, ws.alice, ws.triage, in_thread)
    row = wait_until(lambda: captured(bot), what="the triage-thread message")[0]
    assert row.source_channel == ws.triage and row.incident_id == incident.id
    assert len(captured(bot)) == 1
