"""Twice is once: double clicks, duplicated submissions and event retries change nothing.

The whole disclosure (the demo's acts) runs twice on fresh workspaces: once as people
do it, once with every button press and every modal submission delivered twice, as a
double click or an impatient second press does. Both runs must leave the same story:
the same timeline events, audit actions, messages, thread replies and files.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import select

from bot.audit.models import AuditEntry
from bot.database import Database
from bot.timeline.models import TimelineEvent
from tests.crash.scenario import play_full_scenario
from tests.harness import RunningBot, wait_until
from tests.vocabulary import fresh_bot

DOUBLED = ("block_actions", "view_submission")


def story(bot: RunningBot) -> dict[str, Counter[str]]:
    slack, ws = bot.slack, bot.workspace
    with bot.services.db.transaction() as session:
        kinds = Counter(session.scalars(select(TimelineEvent.kind)))
        actions = Counter(session.scalars(select(AuditEntry.action)))
    posted: Counter[str] = Counter()
    for channel in slack.workspace.channels.values():
        kind = "dm" if channel.is_im else ("triage" if channel.id == ws.triage else channel.kind)
        for message in channel.by_ts.values():
            if message.user == slack.bot_user_id:
                posted[f"{kind} {'reply' if message.is_reply else 'message'}"] += 1
    files = Counter(file.filename for file in slack.files)
    incidents = Counter(f"{i.human_id} {i.phase}" for i in bot.incidents())
    return {
        "timeline": kinds,
        "audit": actions,
        "posted": posted,
        "files": files,
        "incidents": incidents,
    }


def double_interactions(bot: RunningBot) -> Callable[[], int]:
    """Send every button press and view submission twice; returns how many were doubled."""
    connection = bot.driver._bot
    send = connection.send
    doubled = 0

    def twice(body: bytes, content_type: str, extra: dict[str, str] | None) -> Any:
        nonlocal doubled
        first = send(body, content_type, extra)
        payload = parse_qs(body.decode()).get("payload")
        if payload and json.loads(payload[0]).get("type") in DOUBLED:
            send(body, content_type, extra)
            doubled += 1
        return first

    connection.send = twice  # type: ignore[method-assign]
    return lambda: doubled


def test_every_interaction_twice_tells_the_same_story(bot: RunningBot, db: Database) -> None:
    play_full_scenario(bot)
    once = story(bot)
    bot.stop()

    again = fresh_bot(Database(db.url), bot.slack)
    try:
        count = double_interactions(again)
        play_full_scenario(again)
        twice = story(again)
    finally:
        again.stop()
    print(f"doubled {count()} interactions; compared {', '.join(once)}")
    assert count() >= 10
    for part in once:
        assert twice[part] == once[part], f"{part}: once {once[part]}, twice {twice[part]}"


def test_event_retries_capture_a_message_once(bot: RunningBot) -> None:
    from tests.vocabulary import report

    ws, slack = bot.workspace, bot.slack
    report(bot, ws.alice)
    (incident,) = bot.wait_for_setup()
    ts = slack.add_message(incident.channel_id, ws.bob, "Repro: send 4 GiB of spaces")
    event = {
        "type": "reaction_added",
        "user": ws.bob,
        "reaction": "pushpin",
        "item": {"type": "message", "channel": incident.channel_id, "ts": ts},
        "item_user": ws.bob,
    }

    def captured() -> int:
        with bot.services.db.transaction() as session:
            rows = session.scalars(select(TimelineEvent).where(TimelineEvent.source_ts == ts))
            return len(list(rows))

    assert bot.driver.event(event, event_id="EvPIN1").status == 200
    wait_until(captured, what="the capture")
    for retry in (1, 2, 3):
        answer = bot.driver.event(event, retry_num=retry, event_id="EvPIN1")
        assert answer.status == 200
    bot.services.background.wait()
    assert captured() == 1
