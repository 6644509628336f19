"""App Home: a member's open incidents, this week's deadlines, on-call and status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.lead import rotation
from bot.slack.blocks.home import AWAY_UNTIL, BACK
from bot.slack.listeners import home
from tests.harness import RunningBot, wait_until
from tests.vocabulary import command, open_home, open_incident, set_lead, texts


def test_home_lists_my_incidents_deadlines_and_team(bot: RunningBot, monkeypatch) -> None:
    ws = bot.workspace
    incident = open_incident(bot, title="Token leak in logs")
    set_lead(bot, incident, ws.bob)
    command(bot, ws.bob, incident.channel_id, "phase fixing")
    planned = (bot.clock.now() + timedelta(days=3)).strftime("%Y-%m-%d")
    command(bot, ws.bob, incident.channel_id, f"phase embargo {planned}")
    monkeypatch.setattr(home.providers, "on_call", lambda services: ws.carol)
    monkeypatch.setattr(home.providers, "away", lambda services, user: "Away until Friday")

    body = texts(open_home(bot, ws.bob)["blocks"])
    assert "Your open incidents" in body and incident.human_id in body
    assert "Token leak in logs" in body and "Embargo" in body and f"<@{ws.bob}>" in body
    assert "public disclosure" in body  # due this week
    assert f"<@{ws.carol}>" in body and "Away until Friday" in body

    carol = texts(open_home(bot, ws.carol)["blocks"])
    assert incident.human_id in carol  # the whole team sees every open incident


def test_home_shows_outsiders_nothing_of_any_incident(bot: RunningBot) -> None:
    incident = open_incident(bot)
    body = texts(open_home(bot, bot.workspace.dave)["blocks"])
    assert incident.human_id not in body and "/disclose" in body


def test_members_go_away_and_come_back_from_the_home_tab(bot: RunningBot) -> None:
    ws = bot.workspace
    view = open_home(bot, ws.bob)
    assert "Available" in texts(view["blocks"])

    # 2026-03-02 is a Monday; Bob is away until the end of Friday, in the team's time zone.
    bot.driver.block_action(ws.bob, AWAY_UNTIL, value="2026-03-06", view_id=view["id"])
    view = wait_until(
        lambda: (
            "Away until 07 March 2026" in texts(bot.slack.home_for(ws.bob)["blocks"])
            and bot.slack.home_for(ws.bob)
        ),
        what="Bob away on his home tab",
    )
    assert BACK in texts(view["blocks"]) and AWAY_UNTIL not in texts(view["blocks"])
    with bot.services.db.transaction() as session:
        away = rotation.away_until(session, [ws.bob], bot.clock.now())
    assert away[ws.bob] == datetime(2026, 3, 7, tzinfo=UTC)

    bot.driver.block_action(ws.bob, BACK, view_id=view["id"])
    wait_until(lambda: "Available" in texts(bot.slack.home_for(ws.bob)["blocks"]), what="back")
    with bot.services.db.transaction() as session:
        assert rotation.away_until(session, [ws.bob], bot.clock.now()) == {}


def test_a_day_already_over_is_refused_on_the_home_tab(bot: RunningBot) -> None:
    ws = bot.workspace
    view = open_home(bot, ws.bob)
    bot.driver.block_action(ws.bob, AWAY_UNTIL, value="2026-03-01", view_id=view["id"])
    view = wait_until(
        lambda: (
            "already over" in texts(bot.slack.home_for(ws.bob)["blocks"])
            and bot.slack.home_for(ws.bob)
        ),
        what="the refusal",
    )
    assert "Available" in texts(view["blocks"])
    with bot.services.db.transaction() as session:
        assert rotation.away_until(session, [ws.bob], bot.clock.now()) == {}
