"""Every way of setting the planned public disclosure date warns about a Friday, weekend or
holiday and offers the policy's preferred time, without refusing the date."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.harness import RunningBot, wait_until
from tests.reminder_helpers import deadlines
from tests.slack_api import Ephemeral, Message
from tests.vocabulary import command, fixing_incident, open_modal, submit, texts

USE_TIME = "reminder_use_time"


def utc(day: int, hour: int = 16) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def last_answer(bot: RunningBot, user: str, channel: str, text: str) -> Ephemeral:
    command(bot, user, channel, text)
    return bot.slack.ephemerals_for(user)[-1]


def offered_buttons(message: Ephemeral | Message) -> list[dict]:
    return [
        element
        for block in message.blocks or []
        for element in block.get("elements", [])
        if block["type"] == "actions" and element.get("action_id") == USE_TIME
    ]


def use_offered_time(bot: RunningBot, user: str, message: Ephemeral | Message) -> str:
    before = len(bot.slack.ephemerals_for(user))
    response = bot.driver.block_action(user, USE_TIME, message=message)
    assert response.status == 200 and not response.problems
    answers = wait_until(lambda: bot.slack.ephemerals_for(user)[before:], what="the new date")
    return answers[-1].text


def test_phase_embargo_on_a_friday_warns_and_offers_the_preferred_time(bot: RunningBot) -> None:
    ws = bot.workspace
    incident = fixing_incident(bot)
    channel = incident.channel_id

    # 2026-03-20 is a Friday: the date is kept, the embargo starts, and it is warned about.
    answer = last_answer(bot, ws.alice, channel, "phase embargo 2026-03-20")
    assert "is now in embargo" in answer.text and "falls on a Friday" in answer.text
    assert "is now in embargo" in texts(answer.blocks) and "falls on a Friday" in texts(
        answer.blocks
    )
    assert bot.incident().phase == "embargo"
    assert bot.incident().disclosure_planned_at == utc(20)
    assert deadlines(bot, incident.id)["public_disclosure"].due_at == utc(20)
    [offer] = offered_buttons(answer)
    assert offer["text"]["text"] == "Use Mon 23 Mar 16:00 UTC instead"

    # The button moves the date, and the deadlines tied to it are planned again.
    reply = use_offered_time(bot, ws.alice, answer)
    assert "Friday" not in reply
    assert bot.incident().disclosure_planned_at == utc(23)
    planned = deadlines(bot, incident.id)
    assert planned["public_disclosure"].due_at == utc(23)
    assert planned["final_notice"].due_at == utc(22)
    listed = command(bot, ws.alice, channel, "deadlines")
    assert "Deadlines of" in listed
    rows = texts(bot.slack.ephemerals_for(ws.alice)[-1].blocks)
    assert f"<!date^{int(utc(23).timestamp())}^" in rows
    assert f"<!date^{int(utc(20).timestamp())}^" not in rows


def test_a_weekday_at_the_preferred_time_gives_no_warning(bot: RunningBot) -> None:
    ws = bot.workspace
    wednesday = fixing_incident(bot)
    answer = last_answer(bot, ws.alice, wednesday.channel_id, "phase embargo 2026-03-18")
    assert answer.text == f"{wednesday.human_id} is now in embargo."
    assert not offered_buttons(answer) and "Note that" not in texts(answer.blocks)
    assert bot.incident(wednesday.human_id).disclosure_planned_at == utc(18)

    # A weekday at another hour is warned about the hour alone.
    thursday = fixing_incident(bot, count=2)
    answer = last_answer(bot, ws.alice, thursday.channel_id, "phase embargo 2026-03-19 10:00")
    assert "is at 10:00 UTC" in answer.text and "falls on" not in answer.text
    [offer] = offered_buttons(answer)
    assert offer["text"]["text"] == "Use Thu 19 Mar 16:00 UTC instead"
    assert bot.incident(thursday.human_id).disclosure_planned_at == utc(19, 10)


def test_the_notify_distributors_modal_warns_about_a_weekend_by_dm(bot: RunningBot) -> None:
    ws = bot.workspace
    incident = fixing_incident(bot)
    view = open_modal(bot, ws.bob, incident, "lifecycle_embargo", "lifecycle_embargo_submit")
    saturday = utc(21)
    assert not submit(bot, ws.bob, view, {"planned": {"value": int(saturday.timestamp())}})

    def warning() -> Message | None:
        channel = bot.slack.dm_channel(ws.bob)
        dms = bot.slack.messages(channel) if channel else []
        return next((m for m in dms if offered_buttons(m)), None)

    message = wait_until(warning, what="the disclosure date warning")
    assert "falls on a Saturday" in message.text
    assert bot.incident().phase == "embargo"
    assert bot.incident().disclosure_planned_at == saturday

    use_offered_time(bot, ws.bob, message)
    assert bot.incident().disclosure_planned_at == utc(23)
    assert deadlines(bot, incident.id)["public_disclosure"].due_at == utc(23)
