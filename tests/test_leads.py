"""Lead offers end to end: signed clicks in, what people see in Slack out, on both backends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import select

from bot.bootstrap import build_services, identify, reconcile
from bot.clock import ManualClock
from bot.database import Database
from bot.lead.models import RotationCounter
from bot.slack.lead_offers import expire_offers
from bot.slack.middleware import NOT_ON_ROSTER
from bot.timeline.models import TimelineEvent
from tests import harness
from tests.harness import START, RunningBot, wait_until
from tests.slack_api import Message
from tests.vocabulary import (
    click_message,
    dm_offers,
    headline_thread,
    lead_events,
    offer_messages,
    offers,
    reported_with_offer,
    seen,
)

WINDOW = timedelta(hours=4)  # the policy's offer window: 4 business hours (09:00-17:00 UTC)


def action_ids(message: Message) -> set[str]:
    return {
        element.get("action_id")
        for block in message.blocks or []
        if block.get("type") == "actions"
        for element in block["elements"]
    }


def last_ephemeral(bot: RunningBot, user: str, after: int = 0) -> str:
    notes = wait_until(lambda: bot.slack.ephemerals_for(user)[after:], what=f"a reply to {user}")
    return notes[-1].text


def answer_to(bot: RunningBot, user: str, text: str, *, channel: str) -> str:
    """Run `/disclose <text>` as the user in the channel; the ephemeral answer they see."""
    before = len(bot.slack.ephemerals_for(user))
    bot.driver.slash("/disclose", text, user_id=user, channel_id=channel)
    return last_ephemeral(bot, user, before)


@pytest.fixture
def second_bot(bot: RunningBot) -> Iterator[RunningBot]:
    """Another bot process on the same database, as after a restart."""
    settings = harness.test_settings(bot.slack, bot.workspace, bot.services.db.url)
    services = build_services(
        settings, clock=ManualClock(START), db=Database(settings.database_url)
    )
    identify(services)
    other = RunningBot(services, bot.slack, bot.workspace)
    yield other
    other.stop()


def test_offer_goes_to_the_channel_and_the_candidate_and_accept_makes_the_lead(
    bot: RunningBot,
) -> None:
    ws, slack = bot.workspace, bot.slack
    incident = reported_with_offer(bot)
    assert incident.commander_id in (ws.alice, ws.bob, ws.carol)
    (in_channel,) = offer_messages(headline_thread(bot, incident))
    assert action_ids(in_channel) == {"lead_accept", "lead_pass", "lead_volunteer"}
    assert ws.alice in in_channel.text  # first in the rotation (Erin is deactivated)
    (dm,) = dm_offers(bot, ws.alice)
    assert action_ids(dm) == {"lead_accept", "lead_pass"}
    assert dm_offers(bot, ws.erin) == []
    stale = seen(in_channel)

    click_message(bot, ws.alice, "lead_accept", dm)
    assert "fix lead now" in last_ephemeral(bot, ws.alice)
    assert bot.incident().lead_id == ws.alice
    wait_until(lambda: not action_ids(slack.message(dm.channel, dm.ts)), what="DM edited")
    for message in (in_channel, dm):
        edited = slack.message(message.channel, message.ts)
        assert not action_ids(edited) and "accepted" in edited.text
    headline = slack.message(incident.channel_id, incident.headline_ts)
    assert ws.alice in json.dumps(headline.blocks)
    assert ws.alice in slack.channel(incident.channel_id).topic
    triage = slack.thread(ws.triage, incident.triage_ts)
    assert any("accepted the fix-lead role" in m.text for m in triage)

    before = len(slack.ephemerals_for(ws.bob))
    click_message(bot, ws.bob, "lead_volunteer", stale)
    assert "already leads this" in last_ephemeral(bot, ws.bob, before)
    assert bot.incident().lead_id == ws.alice
    assert len(lead_events(bot, incident.id)) == 1


def test_a_failure_after_set_up_is_retried_and_the_offer_is_made_once(bot: RunningBot) -> None:
    """The set-up finished, then a feature that starts with the incident failed (as a crash
    there would): the reconciler runs the features again, and nobody gets a second offer."""
    ws = bot.workspace
    failures = iter([RuntimeError("the process died here")])

    def fails_once(services: object, incident_id: int) -> None:
        error = next(failures, None)
        if error:
            raise error

    bot.services.hooks.incident_opened.append(fails_once)
    incident = reported_with_offer(bot)
    assert bot.services.background.wait()  # the set-up's own run of the hooks has ended
    assert not bot.incident().opened_hooks_done
    assert reconcile(bot.services) == 1
    assert bot.incident().opened_hooks_done
    assert reconcile(bot.services) == 0
    assert len(offers(bot, incident.id)) == 1
    assert len(dm_offers(bot, ws.alice)) == 1
    assert len(offer_messages(headline_thread(bot, incident))) == 1


def test_pass_asks_for_a_reason_and_moves_to_the_next_member(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    incident = reported_with_offer(bot)
    (dm,) = dm_offers(bot, ws.alice)
    click_message(bot, ws.alice, "lead_pass", dm)
    modal = wait_until(lambda: slack.open_view_for(ws.alice), what="the pass form")
    assert modal["callback_id"] == "lead_pass_submit"
    reason = "On leave <!channel>"
    answer = bot.driver.submit_view(modal["id"], ws.alice, values={"reason": {"value": reason}})
    assert answer.status == 200 and not answer.view_errors
    wait_until(lambda: dm_offers(bot, ws.bob), what="the offer to Bob")
    passed = slack.message(dm.channel, dm.ts)
    assert not action_ids(passed) and "passed" in passed.text
    posted = wait_until(
        lambda: (
            (t := json.dumps([m.text for m in slack.thread(ws.triage, incident.triage_ts)]))
            and "On leave" in t
            and t
        ),
        what="the pass in the triage thread",
    )
    assert "&lt;!channel&gt;" in posted and "<!channel>" not in posted
    assert bot.incident().lead_id is None
    (bob_offer,) = dm_offers(bot, ws.bob)
    click_message(bot, ws.bob, "lead_accept", bob_offer)
    wait_until(lambda: bot.incident().lead_id == ws.bob, what="Bob as lead")

    # Alice passed, so she keeps her place: the next incident is offered to her first.
    second = reported_with_offer(bot, "Second issue")
    assert [o.candidate_id for o in offers(bot, second.id)] == [ws.alice]


def test_two_volunteers_and_an_accept_at_once_make_exactly_one_lead(bot: RunningBot) -> None:
    ws = bot.workspace
    for round_ in range(3):
        incident = reported_with_offer(bot, f"Race {round_}")
        in_channel = seen(offer_messages(headline_thread(bot, incident))[0])
        candidate = offers(bot, incident.id)[0].candidate_id
        dm = seen(dm_offers(bot, candidate)[-1])
        others = [user for user in (ws.alice, ws.bob, ws.carol) if user != candidate]
        clicks = [
            (others[0], "lead_volunteer", in_channel),
            (others[1], "lead_volunteer", in_channel),
            (candidate, "lead_accept", dm),
        ]
        before = {user: len(bot.slack.ephemerals_for(user)) for user, _, _ in clicks}
        with ThreadPoolExecutor(max_workers=3) as pool:
            list(pool.map(lambda c: click_message(bot, *c), clicks))
        lead = wait_until(lambda i=incident: bot.incident(i.human_id).lead_id, what="a lead")
        wait_until(
            lambda b=before: all(len(bot.slack.ephemerals_for(u)) > n for u, n in b.items()),
            what="an answer to every click",
        )
        assert len(lead_events(bot, incident.id)) == 1
        losers = [user for user, _, _ in clicks if user != lead]
        for user in losers:
            assert "already leads this" in bot.slack.ephemerals_for(user)[-1].text
    with bot.services.db.transaction() as session:
        assert session.scalar(select(RotationCounter.turns)) == 3


def test_offers_time_out_across_a_restart_and_are_sent_once(
    bot: RunningBot, second_bot: RunningBot
) -> None:
    ws, slack = bot.workspace, bot.slack
    incident = reported_with_offer(bot)
    assert len(dm_offers(bot, ws.alice)) == 1

    bot.clock.advance(WINDOW - timedelta(seconds=1))
    assert expire_offers(bot.services) == 0
    # The first process is gone; a new one starts on the same database after the window.
    second_bot.clock.set(START + WINDOW)
    assert expire_offers(second_bot.services) == 1
    assert expire_offers(second_bot.services) == 0
    bot.clock.set(START + WINDOW)
    assert expire_offers(bot.services) == 0  # a replica that wakes late finds nothing to do
    (alice_dm,) = dm_offers(bot, ws.alice)
    assert not action_ids(slack.message(alice_dm.channel, alice_dm.ts))
    assert len(dm_offers(bot, ws.bob)) == 1

    second_bot.clock.set(START + 2 * WINDOW)
    assert expire_offers(second_bot.services) == 1
    assert len(dm_offers(bot, ws.carol)) == 1
    # Carol's offer came at closing time (17:00): its four hours are working hours, so it
    # is still open that night and lapses at 13:00 the next day.
    second_bot.clock.set(START + 3 * WINDOW)
    assert expire_offers(second_bot.services) == 0
    next_day_1pm = START + timedelta(days=1, hours=4)
    second_bot.clock.set(next_day_1pm - timedelta(seconds=1))
    assert expire_offers(second_bot.services) == 0
    second_bot.clock.set(next_day_1pm)
    assert expire_offers(second_bot.services) == 1
    assert expire_offers(second_bot.services) == 0

    # Everyone in the rotation had a turn: the whole team is asked in the triage thread.
    asks = offer_messages(slack.thread(ws.triage, incident.triage_ts))
    assert len(asks) == 1 and action_ids(asks[0]) == {"lead_volunteer"}
    assert f"<@{incident.commander_id}>" in json.dumps(asks[0].blocks)
    assert len(offer_messages(headline_thread(bot, incident))) == 3
    for user in (ws.alice, ws.bob, ws.carol):
        assert len(dm_offers(bot, user)) == 1

    click_message(second_bot, ws.carol, "lead_volunteer", asks[0])
    wait_until(lambda: bot.incident().lead_id == ws.carol, what="Carol as lead")
    wait_until(lambda: not action_ids(slack.message(ws.triage, asks[0].ts)), what="ask closed")


def test_people_off_the_roster_are_refused_without_detail(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    incident = reported_with_offer(bot, "Secret thing in libfoo")
    in_channel = seen(offer_messages(headline_thread(bot, incident))[0])
    for count, action_id in enumerate(("lead_accept", "lead_pass", "lead_volunteer"), 1):
        click_message(bot, ws.dave, action_id, in_channel)
        wait_until(lambda n=count: len(slack.ephemerals_for(ws.dave)) == n, what="a refusal")
    for note in slack.ephemerals_for(ws.dave):
        assert note.text == NOT_ON_ROSTER
        assert incident.human_id not in note.text and "libfoo" not in note.text
    assert slack.open_view_for(ws.dave) is None
    assert bot.incident().lead_id is None
    assert [o.status for o in offers(bot, incident.id)] == ["pending"]


def test_handoff_waits_for_the_new_lead_and_a_decline_changes_nothing(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    incident = reported_with_offer(bot)
    click_message(bot, ws.alice, "lead_accept", dm_offers(bot, ws.alice)[0])
    assert "fix lead now" in last_ephemeral(bot, ws.alice)

    command = partial(answer_to, bot, channel=incident.channel_id)

    assert "No offer is pending" not in command(ws.bob, "lead")
    answer = command(ws.alice, f"lead <@{ws.bob}|bob>")
    assert "once they accept" in answer
    (handoff,) = dm_offers(bot, ws.bob)
    assert bot.incident().lead_id == ws.alice
    assert f"Pending handoff to <@{ws.bob}>" in command(ws.carol, "lead")

    click_message(bot, ws.bob, "lead_pass", handoff)
    modal = wait_until(lambda: slack.open_view_for(ws.bob), what="the pass form")
    bot.driver.submit_view(modal["id"], ws.bob, values={"reason": {"value": ""}})
    wait_until(lambda: not action_ids(slack.message(handoff.channel, handoff.ts)), what="edit")
    assert bot.incident().lead_id == ws.alice

    command(ws.alice, "lead @carol")
    (to_carol,) = dm_offers(bot, ws.carol)
    click_message(bot, ws.carol, "lead_accept", to_carol)
    wait_until(lambda: bot.incident().lead_id == ws.carol, what="Carol as lead")
    wait_until(
        lambda: any("took over as fix lead" in m.text for m in headline_thread(bot, incident)),
        what="the handoff in the thread",
    )
    headline = slack.message(incident.channel_id, incident.headline_ts)
    assert ws.carol in json.dumps(headline.blocks)

    table = command(ws.bob, "leads")
    assert f"<@{ws.carol}>: 1 led · 1 open · 0 passed" in table
    assert f"<@{ws.bob}>: 0 led · 0 open · 1 passed" in table


def test_away_members_are_skipped_and_oncall_can_be_swapped(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack

    def command(user: str, text: str) -> str:
        before = len(slack.ephemerals_for(user))
        bot.driver.slash("/disclose", text, user_id=user, channel_id=ws.general)
        return last_ephemeral(bot, user, before)

    assert "You are away until" in command(ws.alice, "away 2026-03-04")
    assert "Give the last day" in command(ws.alice, "away someday")
    incident = reported_with_offer(bot)
    assert [o.candidate_id for o in offers(bot, incident.id)] == [ws.bob]
    assert "leads" in command(ws.bob, "leads") and "away until" in command(ws.bob, "leads")
    command(ws.alice, "back")
    second = reported_with_offer(bot, "Second")
    assert [o.candidate_id for o in offers(bot, second.id)] == [ws.alice]

    schedule = command(ws.carol, "oncall")
    assert schedule.count("\n") == 5 and "This week" in schedule
    assert "is on call for the week of" in command(ws.carol, f"oncall swap <@{ws.carol}> next")
    after = command(ws.carol, "oncall").splitlines()
    assert f"<@{ws.carol}>" in after[2] and "swapped" in after[2]
    assert "active member" in command(ws.carol, f"oncall swap <@{ws.dave}> next")
    assert command(ws.dave, "oncall") == NOT_ON_ROSTER


def test_a_handoff_to_someone_away_is_refused_and_changes_nothing(bot: RunningBot) -> None:
    ws = bot.workspace
    incident = reported_with_offer(bot)
    click_message(bot, ws.alice, "lead_accept", dm_offers(bot, ws.alice)[0])
    assert "fix lead now" in last_ephemeral(bot, ws.alice)

    command = partial(answer_to, bot, channel=incident.channel_id)

    def lead_timeline() -> list[str]:
        with bot.services.db.transaction() as session:
            kinds = session.scalars(select(TimelineEvent.kind).order_by(TimelineEvent.id))
            return [kind for kind in kinds if kind.startswith("lead_")]

    command(ws.bob, "away 2026-03-04")
    before = lead_timeline()
    answer = command(ws.alice, f"lead <@{ws.bob}|bob>")
    back = datetime(2026, 3, 5, tzinfo=UTC)  # the day after his last day away (team zone UTC)
    assert answer.startswith(f"<@{ws.bob}> is away until <!date^{int(back.timestamp())}^")
    assert f"nothing changed: <@{ws.alice}> stays lead" in answer
    assert dm_offers(bot, ws.bob) == []
    assert bot.incident().lead_id == ws.alice
    assert [o.kind for o in offers(bot, incident.id)] == ["rotation"]
    assert "Pending handoff" not in command(ws.carol, "lead")
    assert lead_timeline() == before

    command(ws.bob, "back")
    assert "once they accept" in command(ws.alice, f"lead <@{ws.bob}|bob>")
    assert len(dm_offers(bot, ws.bob)) == 1
