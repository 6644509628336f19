"""What a committed change shows in Slack goes through the outbox: once, in order, through
Slack outages and rate limits, with one edit of the headline and topic per change."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from bot.incident import scores as incident_scores
from bot.incident.models import Incident
from bot.outbox.models import OutboxRow, OutboxState
from bot.outbox.service import emit
from bot.scoring.engine import score
from bot.slack import scores
from bot.slack.delivery import FAILURE_CAP, Delivery
from bot.slack.delivery_loop import DeliveryLoop
from bot.slack.reminder_delivery import Ticker
from tests.harness import RunningBot, wait_until
from tests.reminder_helpers import pending, post_count, reminder_posts
from tests.vocabulary import command, open_incident, set_lead

VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
SLACK_WRITES = ("chat.postMessage", "chat.update", "conversations.setTopic")


def rows(bot: RunningBot) -> list[OutboxRow]:
    with bot.services.db.transaction() as session:
        return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def settled(bot: RunningBot) -> bool:
    return all(row.state in (OutboxState.DONE, OutboxState.FAILED) for row in rows(bot))


def opened(bot: RunningBot) -> Incident:
    """An incident whose set-up, opening hooks (commander, lead offer) and their Slack
    side are all done."""
    open_incident(bot)
    wait_until(lambda: bot.incident().opened_hooks_done, what="the opening hooks")
    assert bot.services.background.wait()
    wait_until(lambda: settled(bot), what="the set-up's outbox rows")
    return bot.incident()


def triage_thread(bot: RunningBot, incident: Incident) -> list[str]:
    return [m.text for m in bot.slack.thread(bot.workspace.triage, incident.triage_ts)]


def channel_thread(bot: RunningBot, incident: Incident) -> list[str]:
    assert incident.channel_id and incident.headline_ts
    return [m.text for m in bot.slack.thread(incident.channel_id, incident.headline_ts)]


def count(texts: list[str], fragment: str) -> int:
    return sum(fragment in text for text in texts)


def test_one_phase_change_edits_the_headline_once_and_the_topic_once(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    incident = opened(bot)
    set_lead(bot, incident, ws.bob)
    before = len(slack.calls)

    command(bot, ws.alice, incident.channel_id, "phase fixing")
    wait_until(lambda: bot.incident().phase == "fixing" and settled(bot), what="the delivery")
    assert bot.services.background.wait()

    calls = slack.calls[before:]
    edits = [c for c in calls if c.method == "chat.update" and c.ok]
    assert [c.params["ts"] for c in edits].count(incident.headline_ts) == 1
    assert [c.params["ts"] for c in edits].count(incident.triage_ts) == 1
    topics = [c for c in calls if c.method == "conversations.setTopic" and c.ok]
    assert len(topics) == 1 and "Phase: Fixing" in slack.channel(incident.channel_id).topic
    assert count(triage_thread(bot, incident), "to *Fixing*") == 1
    assert count(channel_thread(bot, incident), "to *Fixing*") == 1


def test_an_outage_then_a_rate_limit_delays_every_change_and_loses_or_doubles_none(
    bot: RunningBot,
) -> None:
    """Slack answers 500 for a minute of the bot's clock, then 429 with Retry-After: each
    acknowledged update, phase change, score and reminder shows once after Slack recovers."""
    ws, slack, clock = bot.workspace, bot.slack, bot.clock
    incident = opened(bot)
    set_lead(bot, incident, ws.bob)
    for method in SLACK_WRITES:
        slack.fail(method, status=500, times=None)

    assert "Update posted" in command(bot, ws.bob, incident.channel_id, "update Patch in review")
    assert "now in fixing" in command(bot, ws.bob, incident.channel_id, "phase fixing")
    recorded = scores.record(
        bot.services, incident.id, score(VECTOR), ws.bob, incident_scores.VIA_COMMAND
    )
    scores.show(bot.services, recorded)
    assert bot.services.background.wait()
    assert len(rows(bot)) >= 3 and not settled(bot)

    delivery = Delivery(bot.services)
    outage_ends = clock.now() + timedelta(seconds=60)
    while clock.now() < outage_ends:
        clock.advance(timedelta(seconds=5))
        report = delivery.drain()
        assert report.delivered == 0 and report.failed == 0
    assert count(triage_thread(bot, incident), "Patch in review") == 0

    slack.clear_faults()
    slack.fail("chat.postMessage", error="ratelimited", retry_after=30, times=1)
    clock.advance(timedelta(minutes=1))
    limited = delivery.drain()
    assert limited.delivered == 0 and limited.put_back >= 3
    assert delivery.drain().delivered == 0  # back only after Slack's Retry-After
    clock.advance(timedelta(seconds=30))
    delivery.drain()
    assert settled(bot)
    assert all(row.state == OutboxState.DONE for row in rows(bot))

    current = bot.incident()
    for texts in (triage_thread(bot, current), channel_thread(bot, current)):
        assert count(texts, "Patch in review") == 1
        assert count(texts, "to *Fixing*") == 1
        assert count(texts, "9.8") == 1
        # In the order the changes were committed.
        order = [i for i, t in enumerate(texts) if "Patch in review" in t or "*Fixing*" in t]
        assert "Patch in review" in texts[order[0]] and "*Fixing*" in texts[order[1]]
    topic = slack.channel(current.channel_id).topic
    assert "Phase: Fixing" in topic and "Critical" in topic
    headline = slack.message(current.channel_id, current.headline_ts)
    assert "Fixing" in headline.text

    # A reminder falling due in the same kind of outage goes out once, after it.
    due = min(pending(bot, incident.id).values())
    clock.set(due)
    for method in SLACK_WRITES:
        slack.fail(method, status=500, times=None)
    ticker, before = Ticker(bot.services), post_count(bot)
    while clock.now() < due + timedelta(seconds=60):
        ticker.tick()
        clock.advance(timedelta(seconds=5))
    slack.clear_faults()
    slack.fail("chat.postMessage", error="ratelimited", retry_after=30, times=1)
    for _ in range(12):  # the reminder's own back-off, then Slack's Retry-After
        clock.advance(timedelta(seconds=30))
        ticker.tick()
    sent = Counter((p.reminder_id, p.place) for p in reminder_posts(bot, before))
    assert sent and set(sent.values()) == {1}
    assert {place for _, place in sent} >= {"triage", "channel"}


def test_a_post_slack_refuses_for_good_is_given_up_and_reported_in_the_triage_thread(
    bot: RunningBot,
) -> None:
    ws, slack, clock = bot.workspace, bot.slack, bot.clock
    incident = opened(bot)
    channel = incident.channel_id
    slack.fail(
        "chat.postMessage",
        error="is_archived",
        times=None,
        when=lambda params: params.get("channel") == channel,
    )
    command(bot, ws.alice, channel, "update Still looking")
    delivery = Delivery(bot.services)
    for _ in range(FAILURE_CAP + 2):
        clock.advance(timedelta(minutes=10))
        delivery.drain()
    slack.clear_faults()

    (row,) = [r for r in rows(bot) if r.kind == "update"]
    assert row.state == OutboxState.FAILED and row.attempts == FAILURE_CAP
    texts = triage_thread(bot, incident)
    assert count(texts, "Still looking") == 1  # the triage reply went out before the refusal
    assert count(texts, "could not be delivered") == 1
    assert count(channel_thread(bot, incident), "Still looking") == 0


def test_the_delivery_loop_sleeps_until_the_next_reminder_and_sends_it_then(
    bot: RunningBot,
) -> None:
    incident = opened(bot)
    due = min(pending(bot, incident.id).values())
    loop = DeliveryLoop(bot.services, poll=10**7)
    assert loop.once() == (due - bot.clock.now()).total_seconds()  # nothing due before then
    before = post_count(bot)
    bot.clock.set(due)
    loop.once()
    sent = reminder_posts(bot, before)
    assert sent and {p.place for p in sent} >= {"triage"}
    assert min(pending(bot, incident.id).values()) > due  # those due then are all sent


def test_a_change_this_version_cannot_read_is_given_up_and_reported(bot: RunningBot) -> None:
    incident = opened(bot)
    with bot.services.db.transaction() as session:
        emit(session, incident.id, "from_a_newer_bot", bot.clock.now(), what="?")
    delivery = Delivery(bot.services)
    for _ in range(FAILURE_CAP + 1):
        delivery.drain()
        bot.clock.advance(timedelta(minutes=10))
    (row,) = [r for r in rows(bot) if r.kind == "from_a_newer_bot"]
    assert row.state == OutboxState.FAILED
    said = triage_thread(bot, incident)
    assert count(said, "could not be delivered") == 1 and count(said, "cannot read") == 1
