"""Embargoed detail stays inside the incident, and secrets stay out of the logs.

One whole disclosure (the demo's acts: report, lead offer, CVSS modal, every phase,
exports, a report from outside the team) plus a report over the intake endpoint runs
with public channels present. Then everything the bot sent anywhere is read back:
each incident's title, description, reporter and vector may appear only in its private
channel, the private triage channel, and what its members alone see (DMs, ephemerals,
modals, App Home). The logs of the same run, at DEBUG for every logger, hold none of
the configured secrets.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from bot.bootstrap import build_services, identify
from bot.clock import ManualClock
from bot.database import Database
from tests import harness
from tests.crash.leaks import details, find_leaks
from tests.crash.scenario import play_full_scenario
from tests.harness import START, RunningBot, Workspace, wait_until
from tests.intake_signing import GITHUB_SECRET, INTAKE_SECRET, intake_headers, intake_settings, post
from tests.slack_api import FakeSlack

INTAKE_REPORT = {
    "title": "Token forgery in the webhook verifier",
    "description": "Signatures are compared with a short-circuiting equality.",
    "reporter_name": "Quentin Quiet",
    "reporter_contact": "quentin@example.net",
    "source": "email",
    "cvss_vector": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:L/A:N",
}


@pytest.fixture
def secure_bot(db: Database, slack: FakeSlack, workspace: Workspace) -> Iterator[RunningBot]:
    """The test bot with every secret configured: both intake endpoints are on."""
    settings = intake_settings(harness.test_settings(slack, workspace, db.url))
    services = build_services(settings, clock=ManualClock(START), db=db)
    identify(services)
    running = RunningBot(services, slack, workspace)
    yield running
    running.services.background.wait()
    running.stop()


def report_over_intake(bot: RunningBot) -> None:
    body = json.dumps(INTAKE_REPORT).encode()
    headers = intake_headers(body, int(bot.clock.now().timestamp()))
    reply = post(f"{bot.server.url}/intake/report", body, headers)
    assert reply.status == 201, reply.body
    wait_until(lambda: all(i.setup_complete for i in bot.incidents()), what="intake set-up")


def test_a_whole_disclosure_leaks_nothing_and_logs_no_secret(
    secure_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot, ws, slack = secure_bot, secure_bot.workspace, secure_bot.slack
    random = slack.add_channel("random", is_private=False, members=[ws.alice, ws.dave])
    caplog.set_level(logging.DEBUG)
    for name in ("slack_sdk", "slack_bolt", "bot", "waitress", "apscheduler"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        play_full_scenario(bot)
        report_over_intake(bot)
        bot.services.background.wait()
    finally:
        for name in ("slack_sdk", "slack_bolt"):
            logging.getLogger(name).setLevel(logging.NOTSET)

    incidents = bot.incidents()
    assert len(incidents) >= 3  # the demo's acts, which may grow, and the intake report
    for incident in incidents:
        assert incident.channel_id and slack.channel(incident.channel_id).is_private
        assert len(details(incident)) >= 4, f"{incident.human_id} has too little to look for"
    assert not slack.channel(ws.triage).members or slack.channel(ws.triage).is_private
    created = slack.calls_to("conversations.create")
    assert created and all(str(c.params.get("is_private")).lower() == "true" for c in created)

    leaks, read = find_leaks(slack, incidents, ws.triage)
    print(f"read {read} things the bot sent, for {len(incidents)} incidents; leaks: {leaks}")
    assert not leaks, "\n".join(
        f"{leak.incident} {leak.detail} in {leak.source} at {leak.place}" for leak in leaks
    )
    for public in (ws.general, random):
        assert slack.channel(public).is_private is False
        assert not [m for m in slack.messages(public) if m.user == slack.bot_user_id]

    secrets = {
        "bot token": harness.BOT_TOKEN,
        "signing secret": harness.SIGNING_SECRET,
        "intake secret": INTAKE_SECRET,
        "GitHub webhook secret": GITHUB_SECRET,
    }
    logged = [record.getMessage() + (record.exc_text or "") for record in caplog.records]
    assert len(logged) > 50, "the run logged too little for this check to mean anything"
    print(f"read {len(logged)} log records at DEBUG")
    for name, secret in secrets.items():
        found = [line for line in logged if secret in line]
        assert not found, f"the {name} is in the logs: {found[0][:300]}"
