"""Shared helpers for the reminder tests: a bot on a chosen calendar, what reminders it sent."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.bootstrap import build_services, identify
from bot.clock import ManualClock
from bot.database import Database
from bot.reminder.models import DeadlineRow, ReminderRow
from bot.slack.reminder_delivery import MARKER, Ticker
from tests.harness import START, RunningBot, Workspace, test_settings, wait_until
from tests.slack_api import FakeSlack

BUTTONS = [
    "reminder_done",
    "reminder_snooze_1h",
    "reminder_snooze_4h",
    "reminder_snooze_1d",
    "reminder_reschedule",
]

TUESDAY_9 = START + timedelta(days=1)  # acknowledge (1 business day) and lead (24 h) due


def utc(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def start_bot(
    db: Database, slack: FakeSlack, workspace: Workspace, start: datetime, **settings: Any
) -> RunningBot:
    base = test_settings(slack, workspace, db.url)
    services = build_services(base.model_copy(update=settings), clock=ManualClock(start), db=db)
    identify(services)
    return RunningBot(services, slack, workspace)


def running(bot: RunningBot) -> Iterator[RunningBot]:
    try:
        yield bot
    finally:
        bot.stop()


@dataclass(frozen=True)
class Sent:
    """One reminder message as Slack received it."""

    reminder_id: int
    place: str  # triage, channel or dm
    channel: str
    thread_ts: str | None
    text: str  # the mrkdwn of the section block
    fallback: str
    actions: list[str]
    kind: str
    key: str


def reminder_posts(bot: RunningBot, since: int = 0) -> list[Sent]:
    """Every reminder chat.postMessage that succeeded, from call number `since` on."""
    found = []
    calls = bot.slack.calls_to("chat.postMessage")[since:]
    for call in calls:
        metadata = call.params.get("metadata")
        if isinstance(metadata, str):
            import json

            metadata = json.loads(metadata)
        if not call.ok or not metadata or metadata.get("event_type") != MARKER:
            continue
        payload = metadata["event_payload"]
        blocks = call.params["blocks"]
        if isinstance(blocks, str):
            import json

            blocks = json.loads(blocks)
        with bot.services.db.transaction() as session:
            reminder = session.get(ReminderRow, payload["reminder_id"])
            deadline = session.get(DeadlineRow, reminder.deadline_id)
            kind, key = deadline.kind, reminder.key
        found.append(
            Sent(
                reminder_id=payload["reminder_id"],
                place=payload["place"],
                channel=call.params["channel"],
                thread_ts=call.params.get("thread_ts"),
                text=blocks[0]["text"]["text"],
                fallback=call.params["text"],
                actions=[e["action_id"] for e in blocks[1]["elements"]],
                kind=kind,
                key=key,
            )
        )
    return found


def post_count(bot: RunningBot) -> int:
    return len(bot.slack.calls_to("chat.postMessage"))


def deadlines(bot: RunningBot, incident_id: int) -> dict[str, DeadlineRow]:
    with bot.services.db.transaction() as session:
        rows = session.scalars(select(DeadlineRow).where(DeadlineRow.incident_id == incident_id))
        return {row.kind: row for row in rows}


def reminders(bot: RunningBot, incident_id: int) -> dict[tuple[str, str], ReminderRow]:
    with bot.services.db.transaction() as session:
        query = select(ReminderRow, DeadlineRow.kind).join(
            DeadlineRow, DeadlineRow.id == ReminderRow.deadline_id
        )
        rows = session.execute(query.where(ReminderRow.incident_id == incident_id))
        return {(kind, row.key): row for row, kind in rows}


def pending(bot: RunningBot, incident_id: int) -> dict[tuple[str, str], datetime]:
    return {
        key: row.due_at
        for key, row in reminders(bot, incident_id).items()
        if row.state == "pending"
    }


def tick_at(bot: RunningBot, ticker: Ticker, moment: datetime) -> list[Sent]:
    """Move the clock, run one tick, and return the reminder messages it posted."""
    bot.clock.set(moment)
    before = post_count(bot)
    ticker.tick()
    return reminder_posts(bot, before)


def press(bot: RunningBot, user: str, message: Sent, action_id: str, answered: bool = True) -> None:
    channel = bot.slack.dm_channel(message.channel) if message.place == "dm" else message.channel
    stored = [
        m
        for m in (
            bot.slack.thread(channel, message.thread_ts)
            if message.thread_ts
            else bot.slack.messages(channel)
        )
        if (m.metadata or {}).get("event_payload", {}).get("reminder_id") == message.reminder_id
    ]
    before = len(bot.slack.ephemerals_for(user))
    response = bot.driver.block_action(user, action_id, message=stored[-1])
    assert response.status == 200 and not response.problems
    if answered:
        wait_until(
            lambda: bot.slack.ephemerals_for(user)[before:], what=f"an answer to {action_id}"
        )
