"""A channel that stops being private gets nothing more, and the team hears of it at once.

Driven over signed HTTP against the local Slack: the channel is converted to public or
shared with another organisation (Slack Connect) as an admin would, Slack's events are
sent as Slack sends them, and everything the bot did afterwards is read back.
"""

from __future__ import annotations

from datetime import timedelta

from bot.slack.channel_guard import TRUST_SECONDS
from tests.harness import RunningBot, wait_until
from tests.vocabulary import command, dm_texts, open_incident, report, set_lead


def bot_posts(bot: RunningBot, channel: str) -> list[str]:
    slack = bot.slack
    found = []
    for message in slack.messages(channel):
        if message.user == slack.bot_user_id:
            found.append(message.text)
        found += [r.text for r in message.replies if r.user == slack.bot_user_id]
    return found


def triage_thread(bot: RunningBot, ts: str) -> list[str]:
    return [m.text for m in bot.slack.thread(bot.workspace.triage, ts)]


def calls_into(bot: RunningBot, channel: str, since: int) -> list[str]:
    places = {"channel", "channel_id"}
    return [
        call.method
        for call in bot.slack.calls[since:]
        if call.method != "conversations.info"
        and any(call.params.get(p) == channel for p in places)
        and call.method != "conversations.kick"
    ]


def test_a_channel_made_public_gets_nothing_more(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    incident = open_incident(bot)
    set_lead(bot, incident, ws.bob)
    bot.services.background.wait()  # the opening's own follow-ups are done
    slack.convert_to_public(incident.channel_id)
    # No event tells of a conversion: the guard's trust runs out and it asks again.
    bot.clock.advance(timedelta(seconds=TRUST_SECONDS + 1))
    before, posted = len(slack.calls), len(bot_posts(bot, incident.channel_id))

    answer = command(bot, ws.alice, incident.channel_id, "update Patch is ready")
    exported = command(bot, ws.alice, incident.channel_id, "export")
    bot.services.background.wait()

    assert calls_into(bot, incident.channel_id, before) == []
    assert len(bot_posts(bot, incident.channel_id)) == posted
    assert not [f for f in slack.files if f.channel == incident.channel_id]
    assert "no longer private" in exported
    thread = wait_until(
        lambda: [t for t in triage_thread(bot, incident.triage_ts) if "was made public" in t],
        what="the note in the triage thread",
    )
    assert incident.human_id in thread[0] and incident.title not in thread[0]
    dm = wait_until(
        lambda: [m.text for m in dm_texts(bot, ws.bob) if "public" in m.text],
        what="the lead's DM",
    )
    assert incident.title not in dm[0]
    assert "update" in answer.lower() or incident.human_id in answer
    # The next post is refused at once, without asking Slack again, and nobody is told twice.
    command(bot, ws.alice, incident.channel_id, "update Second thoughts")
    bot.services.background.wait()
    assert len([t for t in triage_thread(bot, incident.triage_ts) if "was made public" in t]) == 1


def test_a_channel_shared_with_another_organisation_is_caught_by_the_event(
    bot: RunningBot,
) -> None:
    ws, slack = bot.workspace, bot.slack
    incident = open_incident(bot)
    command(bot, ws.alice, incident.channel_id, "update Patch under review")  # trusted now
    bot.services.background.wait()
    slack.share_externally(incident.channel_id)
    event = {
        "type": "channel_shared",
        "connected_team_id": "E0OTHERORG",
        "channel": incident.channel_id,
    }
    assert bot.driver.event(event).status == 200
    # Told at once, inside the trust window, without waiting for the next post.
    note = wait_until(
        lambda: [t for t in triage_thread(bot, incident.triage_ts) if "shared with another" in t],
        what="the note in the triage thread",
    )
    assert incident.title not in note[0]
    before = len(slack.calls)
    command(bot, ws.alice, incident.channel_id, "update Fix merged")
    bot.services.background.wait()
    assert calls_into(bot, incident.channel_id, before) == []
    assert any("Fix merged" in t for t in triage_thread(bot, incident.triage_ts))


def test_a_shared_triage_channel_gets_no_incident(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    slack.share_externally(ws.triage)
    assert bot.driver.event({"type": "channel_shared", "channel": ws.triage}).status == 200
    report(bot, ws.alice, title="Key confusion in the token signer")
    wait_until(lambda: bot.incidents() and bot.incident().setup_error, what="the set-up to stop")
    bot.services.background.wait()
    assert "shared with another organisation" in (bot.incident().setup_error or "")
    assert not [m for m in slack.messages(ws.triage) if "Key confusion" in m.text]
    assert not [
        c for c in slack.calls_to("chat.postMessage") if c.params.get("channel") == ws.triage
    ]
    # There is no private place left to say it: each member is told by DM, once.
    for member in (ws.alice, ws.bob, ws.carol):
        told = [m for m in dm_texts(bot, member) if "triage channel was shared" in m.text]
        assert len(told) == 1, member


def test_every_post_asks_slack_not_to_unfurl(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    incident = open_incident(bot, title="Open redirect via https://reporter.example/track")
    command(bot, ws.alice, incident.channel_id, "update see https://reporter.example/x")
    bot.services.background.wait()
    posts = slack.calls_to("chat.postMessage")
    offers = [c for c in posts if "lead" in str(c.params.get("text", "")).lower()]
    assert offers, "no lead offer was posted"
    for call in posts:
        for flag in ("unfurl_links", "unfurl_media"):
            assert str(call.params.get(flag)).lower() in ("false", "0"), (flag, call.params)


def test_a_new_channel_id_from_a_slack_connect_share_blocks_both(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    incident = open_incident(bot)
    bot.services.background.wait()
    # As Slack's event reference shows it: sent when a private channel is shared externally.
    event = {
        "type": "channel_id_changed",
        "old_channel_id": incident.channel_id,
        "new_channel_id": "C0NEWSHARED1",
    }
    assert bot.driver.event(event).status == 200
    wait_until(
        lambda: [t for t in triage_thread(bot, incident.triage_ts) if "shared with another" in t],
        what="the note in the triage thread",
    )
    before = len(slack.calls)
    command(bot, ws.alice, incident.channel_id, "update Still embargoed")
    bot.services.background.wait()
    assert calls_into(bot, incident.channel_id, before) == []
    guard = bot.services.gateway.guard
    assert guard is not None and guard.is_blocked("C0NEWSHARED1")
