"""Snooze, reschedule, done, a phase change and closing each stop or move exactly the right
reminders; no reminder ever goes out for a closed incident or a met deadline."""

from __future__ import annotations

from datetime import timedelta

from bot.incident import service as incidents
from bot.incident.models import Incident
from bot.slack.reminder_delivery import Ticker
from tests.harness import START, RunningBot, wait_until
from tests.reminder_helpers import TUESDAY_9, deadlines, pending, press, reminders, tick_at
from tests.vocabulary import command, opened

TUESDAY_8 = START + timedelta(hours=23)  # the 1-hour reminders of the Tuesday deadlines


def without(table: dict, kind: str) -> dict:
    return {key: value for key, value in table.items() if key[0] != kind}


def test_the_plan_of_a_new_incident(bot: RunningBot) -> None:
    incident = opened(bot)
    assert {kind: row.due_at for kind, row in deadlines(bot, incident.id).items()} == {
        "acknowledge": TUESDAY_9,
        "lead_assigned": TUESDAY_9,
        "score_and_plan": START + timedelta(days=7),
        "fix_released": START + timedelta(days=21),
    }
    plan = pending(bot, incident.id)
    # The day-ahead reminders would fall on the report itself: dropped.
    assert plan[("acknowledge", "before:PT1H")] == TUESDAY_8
    assert ("acknowledge", "before:P1D") not in plan
    # Overdue Wednesday to Friday; the escalation falls on Saturday and waits for Monday 08:00.
    assert plan[("lead_assigned", "overdue:3")] == TUESDAY_9 + timedelta(days=3)
    assert plan[("lead_assigned", "escalation")] == START + timedelta(days=7, hours=-1)
    command(bot, bot.workspace.alice, incident.channel_id, "deadlines")
    listing = str(bot.slack.ephemerals_for(bot.workspace.alice)[-1].blocks)
    assert "*Acknowledge the reporter* (`acknowledge`): due <!date^" in listing
    assert "next reminder" in listing
    headline = bot.slack.message(incident.channel_id, incident.headline_ts)
    assert "<!date^" in str(headline.blocks) and "Next deadline" in str(headline.blocks)


def test_snooze_holds_only_that_deadline(bot: RunningBot) -> None:
    incident = opened(bot)
    ticker = Ticker(bot.services)
    sent = tick_at(bot, ticker, TUESDAY_8)
    assert {(m.kind, m.key) for m in sent} == {
        ("acknowledge", "before:PT1H"),
        ("lead_assigned", "before:PT1H"),
    }
    before = pending(bot, incident.id)
    ack = next(m for m in sent if m.kind == "acknowledge" and m.place == "triage")
    press(bot, bot.workspace.alice, ack, "reminder_snooze_4h")
    after = pending(bot, incident.id)
    assert without(after, "acknowledge") == without(before, "acknowledge")
    snooze_key = ("acknowledge", "snooze:20260303T120000")
    assert after[snooze_key] == TUESDAY_8 + timedelta(hours=4)
    assert ("acknowledge", "due") not in after  # held by the snooze
    assert {(m.kind, m.key) for m in tick_at(bot, ticker, TUESDAY_9)} == {("lead_assigned", "due")}
    sent = tick_at(bot, ticker, TUESDAY_8 + timedelta(hours=4))
    assert {(m.kind, m.key) for m in sent} == {snooze_key}
    assert "Snoozed reminder" in sent[0].text and "overdue by 3 hours" in sent[0].text


def test_reschedule_moves_only_that_deadline(bot: RunningBot) -> None:
    incident = opened(bot)
    ticker = Ticker(bot.services)
    sent = tick_at(bot, ticker, TUESDAY_8)
    before = pending(bot, incident.id)
    lead = next(m for m in sent if m.kind == "lead_assigned" and m.place == "channel")
    press(bot, bot.workspace.bob, lead, "reminder_reschedule", answered=False)
    view = wait_until(lambda: bot.slack.open_view_for(bot.workspace.bob), what="the modal")
    new_due = TUESDAY_9 + timedelta(days=2)
    response = bot.driver.submit_view(
        view["id"], bot.workspace.bob, values={"due": {"value": int(new_due.timestamp())}}
    )
    assert response.status == 200 and not response.view_errors
    wait_until(lambda: deadlines(bot, incident.id)["lead_assigned"].due_at == new_due)
    after = pending(bot, incident.id)
    assert without(after, "lead_assigned") == without(before, "lead_assigned")
    # The 1-hour reminder (already sent for the old time) comes again for the new one.
    assert after[("lead_assigned", "before:PT1H")] == new_due - timedelta(hours=1)
    assert after[("lead_assigned", "due")] == new_due


def test_done_stops_only_that_deadline_and_records_lateness(bot: RunningBot) -> None:
    incident = opened(bot)
    ticker = Ticker(bot.services)
    tick_at(bot, ticker, TUESDAY_9)
    sent = tick_at(bot, ticker, TUESDAY_9 + timedelta(days=1))
    before = pending(bot, incident.id)
    ack = next(m for m in sent if m.kind == "acknowledge" and m.place == "triage")
    bot.clock.set(TUESDAY_9 + timedelta(days=1, hours=2))
    press(bot, bot.workspace.carol, ack, "reminder_done")
    row = deadlines(bot, incident.id)["acknowledge"]
    assert (row.status, row.lateness_seconds) == ("met_late", 26 * 3600)
    assert not [key for key in pending(bot, incident.id) if key[0] == "acknowledge"]
    assert without(pending(bot, incident.id), "acknowledge") == without(before, "acknowledge")
    thread = bot.slack.thread(bot.workspace.triage, incident.triage_ts)
    assert any("marked done by" in message.text for message in thread)
    # A second press changes nothing and says why.
    press(bot, bot.workspace.carol, ack, "reminder_done")
    assert "is met" in bot.slack.ephemerals_for(bot.workspace.carol)[-1].text


def test_phase_change_drops_what_no_longer_applies(bot: RunningBot) -> None:
    incident = opened(bot)
    with bot.services.db.transaction() as session:
        row = session.get(Incident, incident.id)
        row.lead_id, row.updated_at = bot.workspace.bob, START + timedelta(hours=1)
    bot.services.hooks.changed(bot.services, incident.id, "lead")
    assert deadlines(bot, incident.id)["lead_assigned"].status == "met_on_time"
    before = pending(bot, incident.id)
    command(bot, bot.workspace.alice, incident.channel_id, "phase fixing")
    assert bot.incident().phase == "fixing"
    # Moving on without recording the acknowledgement: that step is left out, not nagged.
    assert deadlines(bot, incident.id)["acknowledge"].status == "dropped"
    after = pending(bot, incident.id)
    assert not [key for key in after if key[0] == "acknowledge"]
    assert after == without(before, "acknowledge")
    assert {
        row.cancel_reason
        for (kind, _), row in reminders(bot, incident.id).items()
        if kind == "acknowledge"
    } == {"dropped"}


def test_close_stops_every_reminder(bot: RunningBot) -> None:
    incident = opened(bot)
    command(bot, bot.workspace.alice, incident.channel_id, "close not-a-vulnerability")
    assert pending(bot, incident.id) == {}
    assert tick_at(bot, Ticker(bot.services), START + timedelta(days=30)) == []


def test_no_reminder_for_an_incident_closed_a_moment_before_the_tick(bot: RunningBot) -> None:
    incident = opened(bot)
    bot.clock.set(TUESDAY_9)
    # Closed behind the hooks' back: the deadline rows still say open and due.
    with bot.services.db.transaction() as session:
        incidents.close_incident(
            session, incident.id, "wont-fix", actor=bot.workspace.alice, now=TUESDAY_9
        )
    assert tick_at(bot, Ticker(bot.services), TUESDAY_9) == []
    reasons = {row.cancel_reason for row in reminders(bot, incident.id).values()}
    assert "closed" in reasons


def test_no_reminder_for_a_deadline_met_a_moment_before_the_tick(bot: RunningBot) -> None:
    incident = opened(bot)
    with bot.services.db.transaction() as session:
        row = session.get(Incident, incident.id)
        row.lead_id, row.updated_at = bot.workspace.bob, TUESDAY_9  # no hook ran
    sent = tick_at(bot, Ticker(bot.services), TUESDAY_9)
    assert {(m.kind, m.key) for m in sent} == {("acknowledge", "due")}
    assert deadlines(bot, incident.id)["lead_assigned"].status == "met_on_time"


def test_only_the_team_may_press_the_buttons(bot: RunningBot) -> None:
    incident = opened(bot)
    sent = tick_at(bot, Ticker(bot.services), TUESDAY_8)
    before = pending(bot, incident.id)
    ack = next(m for m in sent if m.kind == "acknowledge" and m.place == "channel")
    press(bot, bot.workspace.dave, ack, "reminder_done")
    assert "Only the security team" in bot.slack.ephemerals_for(bot.workspace.dave)[-1].text
    assert pending(bot, incident.id) == before


def test_replanning_the_same_facts_changes_nothing(bot: RunningBot) -> None:
    from bot.reminder.service import replan_incident

    incident = opened(bot)
    services = bot.services
    before = {key: (row.due_at, row.state) for key, row in reminders(bot, incident.id).items()}
    with services.db.transaction() as session:
        result = replan_incident(
            session, incident.id, services.policy, services.calendar, services.clock.now()
        )
    assert not result.changed and result.reminders_cancelled == 0
    after = {key: (row.due_at, row.state) for key, row in reminders(bot, incident.id).items()}
    assert after == before


def test_an_invalid_policy_stops_start_up_with_file_key_and_reason(tmp_path) -> None:
    import pytest

    from bot.bootstrap import load_policy_and_calendar
    from bot.config import ConfigError, Settings

    path = tmp_path / "policy.toml"
    path.write_text('[deadlines]\nacknowlege = "P1D"\n')
    settings = Settings(_env_file=None, policy_file=path)  # type: ignore[call-arg]
    with pytest.raises(ConfigError, match=r"policy.toml: deadlines.acknowlege: unknown key"):
        load_policy_and_calendar(settings)
    bad_country = Settings(_env_file=None, holidays_country="XX")  # type: ignore[call-arg]
    with pytest.raises(ConfigError, match="HOLIDAYS_COUNTRY"):
        load_policy_and_calendar(bad_country)
