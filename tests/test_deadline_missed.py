"""A deadline whose due time passes unmet is a `deadline_missed` timeline event, recorded
once per deadline, and timeline.md shows it (then "met N late" if it is met later)."""

from __future__ import annotations

from datetime import timedelta

from bot.incident import service as incidents
from bot.incident.models import Incident
from bot.slack.reminder_delivery import Ticker
from bot.timeline.service import events_for
from tests.harness import START, RunningBot, wait_until
from tests.reminder_helpers import TUESDAY_9, deadlines, press, tick_at
from tests.vocabulary import command, opened


def misses(bot: RunningBot, incident_id: int) -> list[tuple[str, str]]:
    with bot.services.db.transaction() as session:
        return [
            (event.data["kind"], f"{event.at:%Y-%m-%d %H:%M}")
            for event in events_for(session, incident_id)
            if event.kind == "deadline_missed"
        ]


def exported_timeline(bot: RunningBot, incident: Incident) -> str:
    before = len(bot.slack.files)
    command(bot, bot.workspace.alice, incident.channel_id, "export")
    wait_until(lambda: len(bot.slack.files) - before == 4, what="all four exports")
    [timeline] = [f for f in bot.slack.files[before:] if f.filename == "timeline.md"]
    return timeline.content.decode()


def test_a_missed_deadline_is_recorded_once_then_shown_with_its_late_meeting(
    bot: RunningBot,
) -> None:
    incident = opened(bot)
    due = f"{TUESDAY_9:%Y-%m-%d %H:%M}"
    sent = tick_at(bot, Ticker(bot.services), TUESDAY_9)
    assert {(m.kind, m.key) for m in sent} == {("acknowledge", "due"), ("lead_assigned", "due")}
    assert sorted(misses(bot, incident.id)) == [("acknowledge", due), ("lead_assigned", due)]

    # A restarted (or second) replica sends the overdue reminders: no second miss.
    sent = tick_at(bot, Ticker(bot.services), TUESDAY_9 + timedelta(days=1))
    assert {m.key for m in sent} == {"overdue:1"}
    assert sorted(misses(bot, incident.id)) == [("acknowledge", due), ("lead_assigned", due)]

    ack = next(m for m in sent if m.kind == "acknowledge" and m.place == "triage")
    bot.clock.set(TUESDAY_9 + timedelta(days=1, hours=2))
    press(bot, bot.workspace.carol, ack, "reminder_done")
    assert deadlines(bot, incident.id)["acknowledge"].status == "met_late"
    assert len(misses(bot, incident.id)) == 2

    text = exported_timeline(bot, incident)
    missed = f"- missed: Acknowledge the reporter: not met by its due time ({due})"
    met = "- met: Acknowledge the reporter: met 1 day 2 hours late (2026-03-04 11:00)"
    assert missed in text and met in text
    assert text.index(missed) < text.index(met)
    assert f"- missed: Fix lead and fix team assembled: not met by its due time ({due})" in text
    assert "09:00 · bot · deadline_missed · Acknowledge the reporter" in text


def test_a_deadline_met_late_between_ticks_is_missed_then_met(bot: RunningBot) -> None:
    incident = opened(bot)
    ticker = Ticker(bot.services)
    tick_at(bot, ticker, TUESDAY_9 - timedelta(hours=1))
    # The lead arrives two hours after the deadline; no reminder went out at it.
    bot.clock.set(TUESDAY_9 + timedelta(hours=2))
    with bot.services.db.transaction() as session:
        row = session.get(Incident, incident.id)
        row.lead_id, row.updated_at = bot.workspace.bob, TUESDAY_9 + timedelta(hours=2)
    bot.services.hooks.changed(bot.services, incident.id, "lead")
    assert deadlines(bot, incident.id)["lead_assigned"].status == "met_late"
    due = f"{TUESDAY_9:%Y-%m-%d %H:%M}"
    assert ("lead_assigned", due) in misses(bot, incident.id)

    tick_at(bot, ticker, TUESDAY_9 + timedelta(days=1))
    assert sorted(misses(bot, incident.id)) == [("acknowledge", due), ("lead_assigned", due)]
    text = exported_timeline(bot, incident)
    missed = f"- missed: Fix lead and fix team assembled: not met by its due time ({due})"
    met = "- met: Fix lead and fix team assembled: met 2 hours late"
    assert missed in text and met in text and text.index(missed) < text.index(met)


def test_no_miss_once_the_incident_is_closed(bot: RunningBot) -> None:
    incident = opened(bot)
    due = f"{TUESDAY_9:%Y-%m-%d %H:%M}"
    ticker = Ticker(bot.services)
    tick_at(bot, ticker, TUESDAY_9)
    assert sorted(misses(bot, incident.id)) == [("acknowledge", due), ("lead_assigned", due)]
    # Closed behind the hooks' back: the score deadline's rows still say open and due.
    closed_at = TUESDAY_9 + timedelta(hours=1)
    with bot.services.db.transaction() as session:
        incidents.close_incident(
            session, incident.id, "wont-fix", actor=bot.workspace.alice, now=closed_at
        )
    assert tick_at(bot, ticker, START + timedelta(days=8)) == []
    assert sorted(misses(bot, incident.id)) == [("acknowledge", due), ("lead_assigned", due)]
    assert "- missed: CVSS score" not in exported_timeline(bot, incident)


def test_no_miss_for_a_deadline_dropped_before_it_was_due(bot: RunningBot) -> None:
    incident = opened(bot)
    with bot.services.db.transaction() as session:
        row = session.get(Incident, incident.id)
        row.lead_id, row.updated_at = bot.workspace.bob, START + timedelta(hours=1)
    bot.services.hooks.changed(bot.services, incident.id, "lead")
    command(bot, bot.workspace.alice, incident.channel_id, "phase fixing")
    assert deadlines(bot, incident.id)["acknowledge"].status == "dropped"
    tick_at(bot, Ticker(bot.services), START + timedelta(days=8))
    # Only the score deadline, which stayed in the plan, was missed.
    assert misses(bot, incident.id) == [("score_and_plan", "2026-03-09 09:00")]
    text = exported_timeline(bot, incident)
    assert "- missed: CVSS score and fix plan: not met by its due time" in text
    assert "- missed: Acknowledge" not in text
