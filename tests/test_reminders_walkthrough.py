"""A whole Kubernetes-preset embargo through the running bot, its tick called by hand.

The team works in New York on the US holiday calendar (HOLIDAYS_COUNTRY=US). The report
arrives on Thursday 2 July 2026 at 15:00 EDT, the day before Independence Day (observed,
Friday 3 July) and its weekend; public disclosure is first set on a Friday (warned), then
on Tuesday 21 July at 16:00 UTC. Every reminder's time, place, text and buttons is checked.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.database import Database
from bot.incident.models import Incident
from bot.lead import service as leads
from bot.lead.models import LeadOffer
from bot.slack import lead_offers
from bot.slack.reminder_delivery import Ticker
from tests.harness import RunningBot, Workspace
from tests.reminder_helpers import (
    BUTTONS,
    Sent,
    deadlines,
    pending,
    press,
    reminder_posts,
    running,
    start_bot,
    tick_at,
    utc,
)
from tests.slack_api import FakeSlack
from tests.vocabulary import command, open_incident

REPORTED = utc(7, 2, 19)


@pytest.fixture
def ny_bot(db: Database, slack: FakeSlack, workspace: Workspace) -> Iterator[RunningBot]:
    bot = start_bot(
        db, slack, workspace, REPORTED, team_timezone="America/New_York", holidays_country="US"
    )
    yield from running(bot)


def places(sent: list[Sent]) -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = {}
    for message in sent:
        found.setdefault((message.kind, message.key), set()).add(message.place)
    return found


def accept_lead(bot: RunningBot, incident: Incident) -> str:
    services = bot.services
    with services.db.transaction() as session:
        offer = session.query(LeadOffer).filter_by(incident_id=incident.id).one()
        result = leads.accept(session, offer.id, offer.candidate_id, services.clock.now())
    lead_offers.deliver(services, result)
    return result.lead_id


def test_a_whole_embargo(ny_bot: RunningBot) -> None:
    bot, ws = ny_bot, ny_bot.workspace
    ticker = Ticker(bot.services)
    open_incident(bot)
    bot.services.background.wait()  # the opened hooks: commander, lead offer, first plan
    incident = bot.incident()
    commander = incident.commander_id
    triage, channel = ws.triage, incident.channel_id

    def check(sent: list[Sent], expected: dict[tuple[str, str], set[str]]) -> None:
        assert places(sent) == expected
        for message in sent:
            assert message.actions == BUTTONS
            assert incident.human_id in message.text and incident.human_id in message.fallback
            where = {"triage": triage, "channel": channel}
            if message.place in where:
                assert message.channel == where[message.place]
                assert (
                    message.thread_ts
                    == {
                        "triage": incident.triage_ts,
                        "channel": incident.headline_ts,
                    }[message.place]
                )

    planned = deadlines(bot, incident.id)
    assert {kind: row.due_at for kind, row in planned.items()} == {
        "lead_assigned": utc(7, 3, 19),
        "acknowledge": utc(7, 6, 19),
        "score_and_plan": utc(7, 9, 19),
        "fix_released": utc(7, 23, 19),
    }
    # The holiday and the weekend: nothing goes out (non-critical nudges wait for Monday).
    for moment in (utc(7, 3, 19), utc(7, 4, 15), utc(7, 5, 23)):
        assert tick_at(bot, ticker, moment) == []

    # Monday 08:00 EDT: the lead deadline (missed over the holiday) and a day's notice to
    # acknowledge the reporter, which is the commander's step (so a DM to them too).
    sent = tick_at(bot, ticker, utc(7, 6, 12))
    check(
        sent,
        {
            ("lead_assigned", "due"): {"triage", "channel"},
            ("acknowledge", "before:P1D"): {"triage", "channel", "dm"},
        },
    )
    by_key = {(m.kind, m.place): m for m in sent}
    assert "Fix lead and fix team assembled is overdue by 2 days 17 hours" in (
        by_key["lead_assigned", "triage"].text
    )
    assert "Owner: the security team" in by_key["lead_assigned", "triage"].text
    ack = by_key["acknowledge", "dm"]
    assert ack.channel == commander and ack.thread_ts is None
    assert "Acknowledge the reporter is due <!date^" in ack.text and "in 7 hours" in ack.text
    assert f"<#{channel}>" in ack.text  # a DM says where the incident lives
    assert tick_at(bot, ticker, utc(7, 6, 12, 1)) == []  # each once

    # The commander acknowledges the reporter: only that deadline's reminders stop.
    others = {k: v for k, v in pending(bot, incident.id).items() if k[0] != "acknowledge"}
    press(bot, ws.alice, ack, "reminder_done")
    assert deadlines(bot, incident.id)["acknowledge"].status == "met_on_time"
    assert pending(bot, incident.id) == others

    bot.clock.set(utc(7, 6, 14))
    lead = accept_lead(bot, incident)
    row = deadlines(bot, incident.id)["lead_assigned"]
    assert (row.status, row.lateness_seconds) == ("met_late", (2 * 24 + 19) * 3600)
    assert not [k for k in pending(bot, incident.id) if k[0] == "lead_assigned"]
    command(bot, ws.alice, channel, "phase fixing")

    # Score High and a first update: the stale-update nudge (7 days for High) starts.
    bot.clock.set(utc(7, 8, 15))
    with bot.services.db.transaction() as session:
        row_incident = session.get(Incident, incident.id)
        row_incident.cvss_score, row_incident.severity = 8.1, "High"
        row_incident.updated_at = utc(7, 8, 15)
    bot.services.hooks.changed(bot.services, incident.id, "score")
    command(bot, ws.alice, channel, "update Fix under review")
    planned = deadlines(bot, incident.id)
    assert planned["score_and_plan"].status == "met_on_time"
    assert planned["stale_update"].due_at == utc(7, 15, 15)

    # A Friday disclosure date is allowed but warned about, with a better time offered.
    bot.clock.set(utc(7, 10, 18))
    answer = command(bot, ws.alice, channel, "deadline disclosure 2026-07-24")
    assert "falls on a Friday" in answer
    assert deadlines(bot, incident.id)["public_disclosure"].due_at == utc(7, 24, 16)
    answer = command(bot, ws.alice, channel, "deadline disclosure 2026-07-21 16:00")
    assert "Friday" not in answer
    planned = deadlines(bot, incident.id)
    assert planned["distributor_notice"].due_at == utc(7, 14, 16)
    assert planned["final_notice"].due_at == utc(7, 20, 16)
    assert planned["fix_released"].due_at == utc(7, 21, 16)

    # Monday: a day's notice for the distributor list, to the fix lead.
    sent = tick_at(bot, ticker, utc(7, 13, 16))
    check(sent, {("distributor_notice", "before:P1D"): {"triage", "channel", "dm"}})
    assert {m.channel for m in sent if m.place == "dm"} == {lead}
    command(bot, ws.alice, channel, "phase embargo 2026-07-21 16:00")
    assert deadlines(bot, incident.id)["distributor_notice"].status == "met_on_time"

    # The stale-update nudge goes to the commander; an update resets it.
    sent = tick_at(bot, ticker, utc(7, 15, 15))
    check(sent, {("stale_update", "due"): {"triage", "channel", "dm"}})
    command(bot, ws.alice, channel, "update Distributors confirmed")

    # Sunday: the final notice is critical, so its day-ahead reminder ignores the weekend.
    sent = tick_at(bot, ticker, utc(7, 19, 16))
    check(sent, {("final_notice", "before:P1D"): {"triage", "channel", "dm"}})
    final = next(m for m in sent if m.place == "triage")
    press(bot, ws.bob, final, "reminder_done")
    sent = tick_at(bot, ticker, utc(7, 20, 16))
    check(
        sent,
        {
            ("fix_released", "before:P1D"): {"triage", "channel", "dm"},
            ("public_disclosure", "before:P1D"): {"triage", "channel", "dm"},
        },
    )
    bot.clock.set(utc(7, 21, 15, 50))
    command(bot, ws.alice, channel, "phase released 1.2.3")
    bot.clock.set(utc(7, 21, 16))
    command(bot, ws.alice, channel, "phase disclosed")
    # Released and disclosed just before their due time: no "due" reminder for either.
    assert tick_at(bot, ticker, utc(7, 21, 16)) == []
    planned = deadlines(bot, incident.id)
    assert planned["fix_released"].status == "met_on_time"
    assert planned["public_disclosure"].status == "met_on_time"
    assert planned["retrospective"].due_at == utc(7, 24, 15, 50)

    sent = tick_at(bot, ticker, utc(7, 23, 15, 50))
    check(sent, {("retrospective", "before:P1D"): {"triage", "channel", "dm"}})
    press(bot, ws.bob, sent[0], "reminder_done")
    command(bot, ws.alice, channel, "close fixed")
    assert pending(bot, incident.id) == {}
    assert tick_at(bot, ticker, utc(8, 30)) == []
    assert {kind: row.status for kind, row in deadlines(bot, incident.id).items()} == {
        "acknowledge": "met_on_time",
        "lead_assigned": "met_late",
        "score_and_plan": "met_on_time",
        "distributor_notice": "met_on_time",
        "final_notice": "met_on_time",
        "fix_released": "met_on_time",
        "public_disclosure": "met_on_time",
        "retrospective": "met_on_time",
        "stale_update": "dropped",
    }
    reply = command(bot, ws.alice, channel, "deadlines")
    assert "Deadlines of" in reply
    all_sent = reminder_posts(bot)
    assert len({m.reminder_id for m in all_sent}) == 8
