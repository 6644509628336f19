"""Answers that must never go missing, and limits that keep the bot reachable: over signed
HTTP against the running bot and the real waitress server."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from pathlib import Path

import pytest

from bot.slack.blocks.outage import WENT_WRONG
from bot.slack.listeners.commands import OUTSIDER_HELP
from tests.cvss_session import answer_to
from tests.harness import RunningBot, wait_until
from tests.intake_checks import REPORT
from tests.intake_signing import intake_headers, now, post
from tests.vocabulary import click_note, command, open_incident, set_lead

CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


def test_fixed_versions_longer_than_their_column_get_a_plain_refusal(bot: RunningBot) -> None:
    ws = bot.workspace
    incident = open_incident(bot)
    channel = incident.channel_id
    set_lead(bot, incident, ws.alice)
    command(bot, ws.alice, channel, "phase fixing")
    command(bot, ws.alice, channel, "phase embargo 2026-04-01")
    answer = command(bot, ws.alice, channel, "phase released " + "1.2.3, " * 100)
    assert "at most 500" in answer and "Nothing was changed" in answer
    assert bot.incident().phase == "embargo"


def test_a_listener_failing_after_its_ack_still_answers(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = bot.workspace
    incident = open_incident(bot)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("bot.slack.lifecycle.Lifecycle.update", broken)
    assert command(bot, ws.alice, incident.channel_id, "update Patch under review") == WENT_WRONG


def test_a_score_on_a_closed_incident_is_refused_with_the_reason(bot: RunningBot) -> None:
    ws = bot.workspace
    incident = open_incident(bot)
    command(bot, ws.alice, incident.channel_id, "close not a vulnerability misread docs")
    note = answer_to(bot, ws.bob, incident.channel_id, CRITICAL)
    before = len(bot.slack.ephemerals_for(ws.bob))
    click_note(bot, ws.bob, note, "cvss_record")
    refusal = wait_until(
        lambda: [e for e in bot.slack.ephemerals_for(ws.bob)[before:] if "is closed" in e.text],
        what="the refusal",
    )
    assert "reopen" in refusal[0].text
    assert bot.incident().cvss_vector is None


def test_help_for_people_off_the_team_agrees_with_the_readme(bot: RunningBot) -> None:
    ws = bot.workspace
    answer = command(bot, ws.dave, ws.general, "help")
    assert answer == OUTSIDER_HELP
    assert "report" in answer and "Only the security team" not in answer
    readme = Path("README.md").read_text(encoding="utf-8")
    assert "`/disclose help` lists the subcommands. Anyone may report" in readme


def test_a_full_background_pool_runs_the_work_in_the_caller(intake_bot: RunningBot) -> None:
    bot = intake_bot
    background = bot.services.background
    release = threading.Event()
    from bot.background import QUEUE_LIMIT

    for _ in range(QUEUE_LIMIT):
        background.defer(release.wait)
    try:
        body = json.dumps(REPORT).encode()
        reply = post(f"{bot.server.url}/intake/report", body, intake_headers(body, now(bot)))
        assert reply.status == 201
        wait_until(lambda: bot.incidents() and bot.incident().setup_complete, what="set-up")
        assert background.ran_in_caller >= 1
    finally:
        release.set()


def test_half_open_connections_do_not_keep_the_health_check_out(bot: RunningBot) -> None:
    """More connections than waitress accepts, each sending half a request head and then
    nothing: the sweep closes them and /healthz answers."""
    from bot.server import connection_limit

    port = bot.server.port
    held: list[socket.socket] = []
    try:
        for _ in range(connection_limit() + 100):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: bot\r\n")  # never the blank line
            held.append(sock)
        health = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        health.request("GET", "/healthz")
        response = health.getresponse()
        assert response.status == 200 and json.loads(response.read())["ok"] is True
    finally:
        for sock in held:
            sock.close()


def test_a_lone_surrogate_in_a_slack_form_opens_the_incident(bot: RunningBot) -> None:
    from tests.forms import disclose_values

    ws, slack = bot.workspace, bot.slack
    bot.driver.slash("/disclose", "", user_id=ws.alice, channel_id=ws.general)
    view = wait_until(lambda: slack.open_view_for(ws.alice), what="the form")
    values = disclose_values(title="Heap overflow \ud800 in the parser")
    answer = bot.driver.submit_view(view["id"], ws.alice, values=values)
    assert answer.status == 200 and not answer.problems
    (incident,) = bot.wait_for_setup()
    assert incident.title == "Heap overflow \ufffd in the parser"
