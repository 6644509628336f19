"""The roster from SECURITY_TEAM and a Slack user group, as people see it, on both backends."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from bot.bootstrap import build_services, identify
from bot.clock import ManualClock
from bot.database import Database
from bot.incident.models import Incident
from bot.jobs import add_jobs
from bot.lead.models import OfferKind
from bot.roster.service import REFRESH_EVERY
from bot.slack.lead_offers import expire_offers
from bot.slack.middleware import NOT_ON_ROSTER
from bot.timeline.models import TimelineEvent
from tests import harness
from tests.harness import START, RunningBot, Workspace, wait_until
from tests.slack_api import FakeSlack
from tests.vocabulary import dm_offers, offers, reported_with_offer


@dataclass
class Team:
    group: str  # the security team's user group
    ci: str  # another app's bot user, put in the group by mistake
    frank: str  # joins the group later


@pytest.fixture
def team(slack: FakeSlack, workspace: Workspace) -> Team:
    ws = workspace
    ci = slack.add_user("ci-bot", real_name="CI Bot", is_bot=True)
    frank = slack.add_user("frank", real_name="Frank Li")
    # Erin is deactivated: Slack leaves her out of the group's member list.
    group = slack.add_usergroup("security-team", [ci, ws.carol, ws.alice, ws.erin, ws.bob])
    return Team(group, ci, frank)


@pytest.fixture
def bot(db: Database, slack: FakeSlack, workspace: Workspace, team: Team) -> Iterator[RunningBot]:
    """The bot with SECURITY_TEAM=erin,alice and SECURITY_TEAM_GROUP=the team's group."""
    settings = harness.test_settings(slack, workspace, db.url).model_copy(
        update={
            "security_team": [workspace.erin, workspace.alice],
            "security_team_group": team.group,
        }
    )
    services = build_services(settings, clock=ManualClock(START), db=db)
    identify(services)
    running = RunningBot(services, slack, workspace)
    yield running
    running.stop()


def command(bot: RunningBot, user: str, text: str, channel: str | None = None) -> str:
    slack = bot.slack
    before = len(slack.ephemerals_for(user))
    bot.driver.slash("/disclose", text, user_id=user, channel_id=channel or bot.workspace.general)
    notes = wait_until(lambda: slack.ephemerals_for(user)[before:], what=f"a reply to {user}")
    return notes[-1].text


def listed(bot: RunningBot, user: str) -> list[str]:
    """The members `/disclose leads` shows, in roster order."""
    return re.findall(r"^<@(\w+)>:", command(bot, user, "leads"), re.MULTILINE)


def offered_in_turn(bot: RunningBot, incident: Incident) -> list[str]:
    """Let every offer lapse until the whole team is asked; whom the rotation asked."""
    for _ in range(10):
        if any(o.kind == OfferKind.TEAM.value for o in offers(bot, incident.id)):
            break
        bot.clock.advance(timedelta(days=1))
        expire_offers(bot.services)
    kinds = [o.kind for o in offers(bot, incident.id)]
    assert kinds[-1] == OfferKind.TEAM.value, kinds
    return [o.candidate_id for o in offers(bot, incident.id) if o.kind == OfferKind.ROTATION.value]


def run_roster_job(bot: RunningBot) -> None:
    job = add_jobs(BackgroundScheduler(timezone="UTC"), bot.services).get_job("roster")
    assert job is not None
    job.func()


def test_the_ids_and_the_group_make_one_roster_from_start_up(bot: RunningBot) -> None:
    ws = bot.workspace
    # The configured IDs first, then the group's members; everyone once, and only people.
    assert listed(bot, ws.bob) == [ws.alice, ws.carol, ws.bob]
    assert listed(bot, ws.alice) == [ws.alice, ws.carol, ws.bob]
    assert command(bot, ws.dave, "leads") == NOT_ON_ROSTER


def test_bots_and_deactivated_members_are_never_offered_the_lead_nor_on_call(
    bot: RunningBot, team: Team
) -> None:
    ws = bot.workspace
    incident = reported_with_offer(bot)
    # The incident channel is embargoed: another app's bot must not be let in.
    members = bot.slack.channel(incident.channel_id or "").members
    assert team.ci not in members and ws.erin not in members
    assert {ws.alice, ws.carol, ws.bob} <= set(members)
    assert incident.commander_id in (ws.alice, ws.carol, ws.bob)
    assert offered_in_turn(bot, incident) == [ws.alice, ws.carol, ws.bob]
    assert dm_offers(bot, team.ci) == [] and dm_offers(bot, ws.erin) == []

    schedule = command(bot, ws.carol, "oncall")
    on_call = re.findall(r"<@(\w+)>", schedule)
    assert len(on_call) == 5 and set(on_call) == {ws.alice, ws.carol, ws.bob}

    for someone in (team.ci, ws.erin):
        answer = command(bot, ws.alice, f"lead <@{someone}>", incident.channel_id)
        assert "must be an active member" in answer
    assert not [o for o in offers(bot, incident.id) if o.kind == OfferKind.HANDOFF.value]


def test_a_member_added_to_the_group_appears_after_the_refresh_interval(
    bot: RunningBot, team: Team
) -> None:
    ws, slack = bot.workspace, bot.slack
    slack.set_usergroup_users(team.group, [team.ci, ws.carol, ws.alice, ws.bob, team.frank])
    assert command(bot, team.frank, "leads") == NOT_ON_ROSTER

    bot.clock.advance(REFRESH_EVERY - timedelta(seconds=1))
    reported_with_offer(bot)  # a new incident re-reads the roster, but only once it is stale
    assert command(bot, team.frank, "leads") == NOT_ON_ROSTER

    bot.clock.advance(timedelta(seconds=1))
    reported_with_offer(bot, "Second issue")
    assert listed(bot, team.frank) == [ws.alice, ws.carol, ws.bob, team.frank]

    # The periodic job re-reads it too: Bob has left the team.
    slack.set_usergroup_users(team.group, [ws.carol, team.frank])
    run_roster_job(bot)
    assert command(bot, ws.bob, "leads") == NOT_ON_ROSTER
    assert listed(bot, team.frank) == [ws.alice, ws.carol, team.frank]


def invite_note(bot: RunningBot, incident: Incident) -> str:
    with bot.services.db.transaction() as session:
        query = select(TimelineEvent.text).where(
            TimelineEvent.incident_id == incident.id, TimelineEvent.kind == "members_invited"
        )
        return session.scalar(query) or ""


def test_a_member_deactivated_since_the_last_read_is_reported_then_left_out(
    bot: RunningBot,
) -> None:
    ws, slack = bot.workspace, bot.slack
    slack.deactivate(ws.carol)
    first = reported_with_offer(bot)  # within the interval the roster still counts Carol in
    assert f"<@{ws.carol}> (cant_invite)" in invite_note(bot, first)
    assert first.setup_complete

    bot.clock.advance(REFRESH_EVERY)
    second = reported_with_offer(bot, "Second issue")
    assert ws.carol not in invite_note(bot, second)
    assert ws.carol not in bot.slack.channel(second.channel_id or "").members
    assert listed(bot, ws.alice) == [ws.alice, ws.bob]


def _scope_removed(slack: FakeSlack) -> Callable[[], None]:
    scopes = set(slack.scopes)
    slack.scopes.discard("usergroups:read")  # the app was reinstalled without it
    return lambda: setattr(slack, "scopes", scopes)


def _slack_down(slack: FakeSlack) -> Callable[[], None]:
    slack.fail("usergroups.users.list", status=503, times=None)
    return slack.clear_faults


@pytest.mark.parametrize("outage", [_scope_removed, _slack_down], ids=["missing_scope", "503"])
def test_a_user_group_error_keeps_the_last_known_roster_and_the_incident_goes_on(
    bot: RunningBot, team: Team, outage: Callable[[FakeSlack], Callable[[], None]]
) -> None:
    ws, slack = bot.workspace, bot.slack
    assert "You are away until" in command(bot, ws.alice, "away 2026-03-20")
    undo = outage(slack)
    try:
        # Unseen while the group cannot be read: Frank joins, and Carol's account is closed.
        slack.set_usergroup_users(team.group, [team.ci, ws.carol, ws.bob, team.frank])
        slack.deactivate(ws.carol)
        bot.clock.advance(REFRESH_EVERY)
        incident = reported_with_offer(bot)
        assert [o.candidate_id for o in offers(bot, incident.id)] == [ws.bob]
        assert incident.commander_id == ws.bob
        assert listed(bot, ws.bob) == [ws.alice, ws.bob]
        assert command(bot, team.frank, "leads") == NOT_ON_ROSTER
    finally:
        undo()

    # Slack answers again: the next incident re-reads the group at once, not an interval later.
    reported_with_offer(bot, "Second issue")
    assert listed(bot, team.frank) == [ws.alice, ws.bob, team.frank]
