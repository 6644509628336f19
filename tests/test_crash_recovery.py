"""`/disclose` survives a SIGKILL: the bot runs as `python -m bot run` in a subprocess, the
local Slack server holds one call so the process dies at an exact point, and a fresh
process finishes the set-up without a second channel and tells the team what it repaired."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.audit.models import AuditEntry
from bot.database import Database
from bot.slack.setup import IncidentSetup
from bot.timeline.models import TimelineEvent
from tests.crash.process import LEASE, BotProcess, bot_env, incidents, quiet
from tests.forms import disclose_values
from tests.harness import SIGNING_SECRET, RunningBot, Workspace, wait_until
from tests.slack_api import FakeSlack, Message, SlackDriver
from tests.vocabulary import open_form

SETUP_WRITES = {
    "conversations.create",
    "conversations.invite",
    "chat.postMessage",
    "pins.add",
    "conversations.setTopic",
}


@dataclass(frozen=True)
class KillPoint:
    method: str
    after_effect: bool  # Slack did the work before the process died


KILL_POINTS = {
    # Slack created the channel; the process dies before the database records its id.
    "channel created, not committed": KillPoint("conversations.create", after_effect=True),
    # The channel id is committed; the process dies before anyone is invited.
    "channel committed, no invites": KillPoint("conversations.invite", after_effect=False),
}


def history(db: Database) -> tuple[int, int]:
    with db.transaction() as session:
        return (
            session.scalar(select(func.count()).select_from(TimelineEvent)) or 0,
            session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        )


def setup_writes(slack: FakeSlack) -> list[tuple[str, str]]:
    calls = slack.calls
    return [(c.method, str(c.params.get("channel"))) for c in calls if c.method in SETUP_WRITES]


def is_repair(message: Message) -> bool:
    return "interrupted while setting up" in message.text


@pytest.fixture
def bots() -> Iterator[list[BotProcess]]:
    started: list[BotProcess] = []
    yield started
    for bot in started:
        bot.stop()


@pytest.mark.parametrize("point", KILL_POINTS.values(), ids=KILL_POINTS.keys())
def test_a_bot_killed_during_disclose_finishes_the_setup_once_on_restart(
    point: KillPoint,
    db: Database,
    slack: FakeSlack,
    workspace: Workspace,
    bots: list[BotProcess],
    tmp_path: Path,
) -> None:
    ws = workspace
    env = bot_env(db, slack, ws)

    # 1. A report through /disclose, as Slack sends it; the set-up stops at the held call.
    held = slack.hold(point.method, after_effect=point.after_effect)
    first = BotProcess(env, tmp_path / "first.log")
    bots.append(first)
    driver = SlackDriver(f"{first.url}/slack/events", SIGNING_SECRET, slack)
    assert driver.slash("/disclose", "", user_id=ws.alice, channel_id=ws.general).status == 200
    view = wait_until(lambda: slack.open_view_for(ws.alice), what="the /disclose modal")
    assert driver.submit_view(view["id"], ws.alice, values=disclose_values()).status == 200
    assert held.wait_arrived(timeout=30), f"{point.method} never arrived"
    first.kill()
    held.cancel()

    (incident,) = incidents(db)
    name = incident.channel_name
    assert name and name.startswith("sec-2026-0001-")
    created = slack.channel_by_name(name)
    assert created is not None  # in Slack either way
    if point.after_effect:
        assert incident.channel_id is None  # an orphan: the database never heard of it
    else:
        assert incident.channel_id == created.id and not incident.members_invited
        assert set(created.members) == {slack.bot_user_id}
    assert incident.setup_lease_until is not None  # the dead run's lease is still there

    # 2. A fresh process repairs it at start-up, once the dead run's lease ran out.
    restarted_at = time.monotonic()
    second = BotProcess(env, tmp_path / "second.log")
    bots.append(second)
    wait_until(
        lambda: [i for i in incidents(db) if i.opener_told and i.setup_lease_until is None],
        timeout=LEASE + 20,
        what="the repaired set-up",
    )
    recovery = time.monotonic() - restarted_at
    wait_until(lambda: second.reconciled(), timeout=10, what="the start-up reconcile")
    quiet(slack)
    print(f"{point.method}: set-up repaired {recovery:.1f}s after the restart")
    assert recovery < LEASE + 10

    (incident,) = incidents(db)
    assert incident.setup_complete and incident.opener_told and incident.setup_error is None
    channels = [c for c in slack.workspace.channels.values() if c.name.startswith("sec-2026-0001")]
    assert [c.id for c in channels] == [created.id] == [incident.channel_id]  # no second one
    assert created.is_private and not created.is_archived
    assert {ws.alice, ws.bob, ws.carol, slack.bot_user_id} <= set(created.members)
    assert ws.dave not in created.members
    expected_creates = 2 if point.after_effect else 1  # the adoption's refused retry
    assert len(slack.calls_to("conversations.create")) == expected_creates

    top = slack.messages(created.id)
    headlines = [m for m in top if not is_repair(m)]
    assert [m.ts for m in headlines] == [incident.headline_ts]
    assert headlines[0].pinned
    assert [m.ts for m in top if m.pinned] == [incident.headline_ts]
    assert len(slack.calls_to("pins.add")) == 1
    assert "Phase: Triage" in created.topic

    (notice,) = slack.messages(ws.triage)
    assert notice.ts == incident.triage_ts

    # 3. The team is told what was repaired, once, only in private places.
    (in_channel,) = [m for m in top if is_repair(m)]
    in_triage = [m for m in slack.thread(ws.triage, notice.ts) if is_repair(m)]
    to_opener = [m for m in slack.messages(slack.dm_channel(ws.alice) or "") if is_repair(m)]
    assert len(in_triage) == 1 and len(to_opener) == 1
    said = in_channel.text
    assert "Finished after the interruption: invitations, headline, pin, topic" in said
    assert (f"<#{created.id}>, created before the interruption, was adopted" in said) == (
        point.after_effect
    )
    assert in_triage[0].text == said and said.split(": ", 1)[1] in to_opener[0].text
    assert slack.messages(ws.general) == []
    with db.transaction() as session:
        kinds = session.scalars(select(TimelineEvent.kind).order_by(TimelineEvent.id)).all()
    assert kinds.count("setup_resumed") == 1 and kinds.count("setup_repaired") == 1
    assert ("channel_adopted" in kinds) == point.after_effect
    assert ("channel_created" in kinds) != point.after_effect

    # 4. Another restart finds nothing to do and tells nobody again.
    second.stop()
    writes, recorded = setup_writes(slack), history(db)
    third = BotProcess(env, tmp_path / "third.log")
    bots.append(third)
    wait_until(lambda: third.reconciled(), timeout=10, what="the second start-up reconcile")
    quiet(slack)
    assert setup_writes(slack) == writes
    assert history(db) == recorded
    assert incidents(db)[0].setup_lease_until is None


def test_a_run_that_lost_its_lease_stops_without_recording_anything(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """A run stuck in one call past its lease finds it taken over and stops there."""
    ws, slack = bot.workspace, bot.slack
    held = slack.hold("conversations.invite")
    view_id = open_form(bot, ws.alice)
    bot.driver.submit_view(view_id, ws.alice, values=disclose_values())
    assert held.wait_arrived()
    (incident,) = bot.incidents()

    bot.clock.advance(bot.services.settings.setup_lease_seconds + 1)
    assert IncidentSetup(bot.services).run(incident.id).complete  # takes over, finishes
    held.release()  # the stuck run's invitation goes through; then it sees the lost lease
    assert bot.services.background.wait()
    assert "taken over by another run" in caplog.text

    (incident,) = bot.incidents()
    assert incident.setup_complete and incident.setup_lease_until is None
    top = slack.messages(incident.channel_id)
    assert [m.ts for m in top if not is_repair(m)] == [incident.headline_ts]
    assert len(slack.messages(ws.triage)) == 1
    with bot.services.db.transaction() as session:
        kinds = session.scalars(select(TimelineEvent.kind)).all()
    assert kinds.count("members_invited") == 1 and kinds.count("setup_resumed") == 1
