"""People who change after set-up: a member who leaves the team, someone who joins an
incident channel uninvited, and a fix-team command that names more than one person.
Driven over signed HTTP (commands, Slack's events, button clicks) against the local Slack."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from bot.bootstrap import build_services, identify
from bot.clock import ManualClock
from bot.database import Database
from bot.incident import service as incidents
from bot.incident.models import Incident
from bot.slack.blocks.embargo import JOIN_ADD_ACTION, JOIN_REMOVE_ACTION
from tests import harness
from tests.harness import START, RunningBot, Workspace, wait_until
from tests.slack_api import FakeSlack
from tests.slack_api.model import Message
from tests.vocabulary import command, dm_texts, open_incident, set_lead


@pytest.fixture
def group_bot(db: Database, slack: FakeSlack, workspace: Workspace) -> Iterator[RunningBot]:
    """Alice is on SECURITY_TEAM; Bob and Carol are on the team through its user group."""
    group = slack.add_usergroup("security", [workspace.bob, workspace.carol])
    settings = harness.test_settings(slack, workspace, db.url).model_copy(
        update={"security_team": [workspace.alice], "security_team_group": group}
    )
    services = build_services(settings, clock=ManualClock(START), db=db)
    identify(services)
    running = RunningBot(services, slack, workspace)
    yield running
    running.stop()


def triage_thread(bot: RunningBot, incident: Incident) -> list[str]:
    return [m.text for m in bot.slack.thread(bot.workspace.triage, incident.triage_ts)]


def set_commander(bot: RunningBot, incident: Incident, user: str) -> None:
    with bot.services.db.transaction() as session:
        session.get(Incident, incident.id).commander_id = user


def test_a_member_who_leaves_the_team_loses_the_incident_channels(group_bot: RunningBot) -> None:
    bot, ws, slack = group_bot, group_bot.workspace, group_bot.slack
    incident = open_incident(bot)
    set_lead(bot, incident, ws.bob)
    set_commander(bot, incident, ws.alice)
    command(bot, ws.alice, incident.channel_id, f"fixteam add <@{ws.carol}> patch review")
    assert {ws.bob, ws.carol} <= set(slack.channel(incident.channel_id).members)
    group = bot.services.roster.group
    assert group is not None

    slack.set_usergroup_users(group, [])  # an admin takes Bob and Carol off the team
    event = {
        "type": "subteam_members_changed",
        "subteam_id": group,
        "team_id": slack.team_id,
        "removed_users": [ws.bob, ws.carol],
        "removed_users_count": 2,
        "added_users": [],
        "added_users_count": 0,
    }
    assert bot.driver.event(event).status == 200

    wait_until(
        lambda: ws.bob not in slack.channel(incident.channel_id).members, what="Bob's removal"
    )
    notes = wait_until(
        lambda: (
            [t for t in triage_thread(bot, incident) if "left the security team" in t]
            if len([t for t in triage_thread(bot, incident) if "left the security team" in t]) >= 2
            else None
        ),
        what="the notes in the triage thread",
    )
    bob_note = next(t for t in notes if f"<@{ws.bob}>" in t)
    assert "removed" in bob_note and f"now go to <@{ws.alice}>" in bob_note
    carol_note = next(t for t in notes if f"<@{ws.carol}>" in t)
    assert "fix team" in carol_note
    assert ws.carol in slack.channel(incident.channel_id).members  # the fix team's own rules
    with bot.services.db.transaction() as session:
        assert session.get(Incident, incident.id).lead_id == ws.alice
    # And the commands are gone with the membership.
    answer = command(bot, ws.bob, incident.channel_id, "update I am still here")
    assert "Only the security team" in answer


def joined(bot: RunningBot, incident: Incident, user: str, inviter: str) -> None:
    bot.slack.add_member(incident.channel_id, user)
    event = {
        "type": "member_joined_channel",
        "user": user,
        "channel": incident.channel_id,
        "channel_type": "G",
        "team": bot.slack.team_id,
        "inviter": inviter,
    }
    assert bot.driver.event(event).status == 200


def lead_dm_about(bot: RunningBot, lead: str, user: str) -> Message:
    found: list[Message] = wait_until(
        lambda: [m for m in dm_texts(bot, lead) if f"<@{user}> joined" in m.text],
        what="the lead's DM about the join",
    )
    return found[-1]


@pytest.mark.parametrize("choice", ["remove", "add to fix team"])
def test_someone_off_the_team_joining_is_told_to_the_lead(bot: RunningBot, choice: str) -> None:
    ws, slack = bot.workspace, bot.slack
    incident = open_incident(bot)
    set_lead(bot, incident, ws.bob)
    joined(bot, incident, ws.dave, inviter=ws.carol)

    message = lead_dm_about(bot, ws.bob, ws.dave)
    assert incident.title not in message.text
    action = JOIN_REMOVE_ACTION if choice == "remove" else JOIN_ADD_ACTION
    # Someone off the team cannot press it.
    refused = bot.driver.block_action(ws.dave, action, message=message)
    assert refused.status == 200
    assert ws.dave in slack.channel(incident.channel_id).members
    response = bot.driver.block_action(ws.bob, action, message=message)
    assert response.status == 200 and not response.problems
    bot.services.background.wait()
    if choice == "remove":
        wait_until(lambda: ws.dave not in slack.channel(incident.channel_id).members, what="kick")
    else:

        def on_fix_team() -> bool:
            with bot.services.db.transaction() as session:
                team = incidents.fix_team(session, incident.id)
                return any(m.user_id == ws.dave for m in team)

        wait_until(on_fix_team, what="Dave on the fix team")
        assert ws.dave in slack.channel(incident.channel_id).members


def test_team_members_and_the_bots_own_invitations_raise_nothing(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    incident = open_incident(bot)
    set_lead(bot, incident, ws.bob)
    joined(bot, incident, ws.carol, inviter=ws.alice)  # on the team
    joined(bot, incident, ws.dave, inviter=slack.bot_user_id)  # the bot's fix-team invitation
    bot.services.background.wait()
    assert not [m for m in dm_texts(bot, ws.bob) if " joined the channel" in m.text]


def test_fix_team_by_mention_adds_only_the_first_person(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    mallory = slack.add_user("mallory", real_name="Mallory Outsider")
    incident = open_incident(bot)
    answer = command(
        bot,
        ws.alice,
        incident.channel_id,
        f"fixteam add <@{ws.dave}> review the patch, ask <@{mallory}> if stuck",
    )
    bot.services.background.wait()
    members = slack.channel(incident.channel_id).members
    assert ws.dave in members and mallory not in members
    assert slack.dm_channel(mallory) is None
    assert f"<@{mallory}>" in answer and "their own" in answer


def test_reminders_of_a_member_who_left_go_to_the_commander(group_bot: RunningBot) -> None:
    from datetime import timedelta

    from bot.slack.reminder_delivery import run_tick
    from tests.intake_checks import wait_for_planned_deadlines

    bot, ws, slack = group_bot, group_bot.workspace, group_bot.slack
    incident = open_incident(bot)
    set_lead(bot, incident, ws.bob)
    set_commander(bot, incident, ws.alice)
    wait_for_planned_deadlines(bot, incident.id)
    bot.services.background.wait()
    group = bot.services.roster.group
    assert group is not None
    slack.set_usergroup_users(group, [ws.carol])
    event = {"type": "subteam_members_changed", "subteam_id": group, "removed_users": [ws.bob]}
    assert bot.driver.event(event).status == 200
    wait_until(lambda: not bot.services.roster.is_member(ws.bob), what="the roster to change")
    bot.services.background.wait()
    told_bob = len(dm_texts(bot, ws.bob))

    bot.clock.advance(timedelta(days=60))  # every deadline and its reminders fall due
    report = run_tick(bot.services)

    assert report.sent > 0
    assert len(dm_texts(bot, ws.bob)) == told_bob
    assert [m for m in dm_texts(bot, ws.alice) if incident.human_id in m.text]


def test_a_member_dropped_from_security_team_loses_access_at_the_restart(
    bot: RunningBot, db: Database, slack: FakeSlack, workspace: Workspace
) -> None:
    ws = workspace
    incident = open_incident(bot)
    bot.services.background.wait()
    assert ws.bob in slack.channel(incident.channel_id).members
    bot.stop()

    # The next start reads SECURITY_TEAM without Bob.
    settings = harness.test_settings(slack, ws, db.url).model_copy(
        update={"security_team": [ws.alice, ws.carol, ws.erin]}
    )
    services = build_services(settings, clock=ManualClock(START), db=db)
    identify(services)
    restarted = RunningBot(services, slack, ws)
    try:
        assert ws.bob not in slack.channel(incident.channel_id).members
        notes = [t for t in triage_thread(restarted, incident) if f"<@{ws.bob}> left" in t]
        assert len(notes) == 1 and "removed" in notes[0]
    finally:
        restarted.stop()


def test_a_retried_join_event_tells_the_lead_once(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    incident = open_incident(bot)
    set_lead(bot, incident, ws.bob)
    slack.add_member(incident.channel_id, ws.dave)
    event = {"type": "member_joined_channel", "user": ws.dave, "channel": incident.channel_id}
    event_id = "Ev" + uuid.uuid4().hex[:10].upper()
    first = bot.driver.event(event, event_id=event_id)
    lead_dm_about(bot, ws.bob, ws.dave)
    retried = bot.driver.event(event, retry_num=1, event_id=event_id)
    assert first.status == retried.status == 200
    bot.services.background.wait()
    assert len([m for m in dm_texts(bot, ws.bob) if f"<@{ws.dave}> joined" in m.text]) == 1
