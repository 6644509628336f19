"""`python -m bot` as a deploy runs it: it refuses to start with the fix named, waits out a
database that does not answer, and stops on SIGTERM or SIGINT without losing work."""

from __future__ import annotations

import logging
import signal
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.database import Database
from bot.incident.models import Incident
from tests.bot_process import BotProcess, free_port, process_env
from tests.databases import POSTGRES_URL
from tests.db_outage import CuttableProxy
from tests.forms import disclose_values
from tests.harness import SIGNING_SECRET, Workspace, wait_until
from tests.slack_api import FakeSlack, SlackDriver


@pytest.fixture
def processes() -> Iterator[list[BotProcess]]:
    started: list[BotProcess] = []
    yield started
    for process in started:
        process.stop()


def start(processes: list[BotProcess], env: dict[str, str], log: Path) -> BotProcess:
    process = BotProcess(env, log)
    processes.append(process)
    return process


def incidents(db: Database) -> list[Incident]:
    with db.transaction() as session:
        return list(session.scalars(select(Incident).order_by(Incident.id)))


def report(bot: BotProcess, slack: FakeSlack, user: str, channel: str) -> None:
    driver = SlackDriver(f"{bot.url}/slack/events", SIGNING_SECRET, slack)
    assert driver.slash("/disclose", "", user_id=user, channel_id=channel).status == 200
    view = wait_until(lambda: slack.open_view_for(user), what="the /disclose modal")
    assert driver.submit_view(view["id"], user, values=disclose_values()).status == 200


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_lets_the_set_up_in_progress_finish_and_exits_0(
    signum: int,
    db: Database,
    slack: FakeSlack,
    workspace: Workspace,
    processes: list[BotProcess],
    tmp_path: Path,
) -> None:
    ws = workspace
    # Reminder ticks every 0.1 s: the scheduler runs jobs all along, and must not say so.
    env = {**process_env(db.url, slack, ws), "REMINDER_TICK_SECONDS": "0.1"}
    bot = start(processes, env, tmp_path / "bot.log")
    bot.wait_serving()
    held = slack.hold("conversations.create")
    report(bot, slack, ws.alice, ws.general)
    assert held.wait_arrived(timeout=30), "the set-up never reached Slack"

    bot.signal(signum)
    wait_until(lambda: bot.health() is None, timeout=10, what="the port to stop accepting")
    held.release()  # the set-up the bot had accepted goes on
    assert bot.exit_code() == 0

    (incident,) = incidents(db)
    assert incident.setup_complete and incident.opener_told and incident.setup_lease_until is None
    output = bot.output()
    name = signal.Signals(signum).name
    assert output.count(f"stopped on {name}") == 1, output
    assert f"stopped on {name}: work in progress finished" in output
    assert "Traceback" not in output
    # A quiet start and run: no Bolt notice about the token, no line per job run.
    assert "`token`" not in output and "Running job" not in output, output
    assert "WARNING" not in output, output


def test_work_that_outlasts_the_bound_is_left_to_its_lease_and_the_exit_is_0(
    db: Database,
    slack: FakeSlack,
    workspace: Workspace,
    processes: list[BotProcess],
    tmp_path: Path,
) -> None:
    ws = workspace
    env = {**process_env(db.url, slack, ws), "STOP_WITHIN_SECONDS": "2"}
    bot = start(processes, env, tmp_path / "bot.log")
    bot.wait_serving()
    held = slack.hold("conversations.create")
    try:
        report(bot, slack, ws.alice, ws.general)
        assert held.wait_arrived(timeout=30)
        bot.signal(signal.SIGTERM)
        assert bot.exit_code() == 0  # the held call is never answered
    finally:
        held.cancel()
    output = bot.output()
    assert "still running: listeners" in output or "still running: background work" in output
    assert "stopped on SIGTERM after 2.0 s" in output
    assert "their leases let the next start finish them" in output
    (incident,) = incidents(db)
    assert not incident.setup_complete and incident.setup_lease_until is not None


def test_socket_mode_runs_without_a_signing_secret_and_stops_on_sigterm(
    db: Database,
    slack: FakeSlack,
    workspace: Workspace,
    processes: list[BotProcess],
    tmp_path: Path,
) -> None:
    env = process_env(db.url, slack, workspace)
    del env["SLACK_SIGNING_SECRET"]
    env["SLACK_APP_TOKEN"] = slack.app_token
    connected_before = len(slack.socket_mode._links)
    bot = start(processes, env, tmp_path / "bot.log")
    slack.socket_mode.wait_connected(connections=connected_before + 1)
    bot.wait_serving()  # /healthz on PORT
    bot.signal(signal.SIGTERM)
    assert bot.exit_code() == 0
    output = bot.output()
    assert "stopped on SIGTERM: work in progress finished" in output
    assert "SLACK_SIGNING_SECRET" not in output and "Traceback" not in output


def test_a_database_that_does_not_answer_at_start_is_one_line_and_healthz_503_until_back(
    db: Database,
    slack: FakeSlack,
    workspace: Workspace,
    processes: list[BotProcess],
    tmp_path: Path,
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("an embedded SQLite file has no server that could be down")
    port = free_port()  # nothing listens there yet: connections are refused
    server = urllib.parse.urlsplit(POSTGRES_URL)
    proxy_url = db.url.replace(f"@{server.hostname}:{server.port}/", f"@127.0.0.1:{port}/", 1)
    assert proxy_url != db.url
    env = {**process_env(proxy_url, slack, workspace), "REMINDER_TICK_SECONDS": "1"}
    bot = start(processes, env, tmp_path / "bot.log")
    bot.wait_serving(503)
    bot.wait_logged("the database does not answer")

    proxy = CuttableProxy(server.hostname or "127.0.0.1", server.port or 5432, port=port)
    try:
        bot.wait_serving(200)
        bot.wait_logged("the database answers again")
        bot.wait_logged("start-up reconcile done")
    finally:
        proxy.stop()
    output = bot.output()
    assert output.count("the database does not answer") == 1, output
    assert "Connection refused" in output or "connection refused" in output
    assert "Traceback" not in output
    bot.signal(signal.SIGTERM)
    assert bot.exit_code() == 0


def test_a_failing_job_is_logged_once_with_its_name_and_reason(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    from bot.database.outage import OutageLog
    from bot.jobs import GuardedJob

    broken = {"on": True}

    def sweep() -> None:
        if broken["on"]:
            raise KeyError("policy")

    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(GuardedJob("re-plan deadlines", sweep, OutageLog()), "interval", seconds=60)
    (job,) = scheduler.get_jobs()
    assert "<locals>" not in job.name
    with caplog.at_level(logging.INFO, logger="bot.jobs"):
        for _ in range(3):
            job.func()
        broken["on"] = False
        job.func()
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.jobs"]
    assert lines == [
        "job 're-plan deadlines' failed, it runs again at its next interval: KeyError: 'policy'",
        "job 're-plan deadlines' works again",
    ]


def test_the_worker_stops_on_sigterm_with_one_line_and_exit_0(
    db: Database,
    slack: FakeSlack,
    workspace: Workspace,
    processes: list[BotProcess],
    tmp_path: Path,
) -> None:
    worker = BotProcess(process_env(db.url, slack, workspace), tmp_path / "worker.log", "worker")
    processes.append(worker)
    worker.wait_logged("worker delivering to Slack and running scheduled jobs")
    worker.signal(signal.SIGTERM)
    assert worker.exit_code() == 0
    assert worker.output().count("stopped on SIGTERM: work in progress finished") == 1
