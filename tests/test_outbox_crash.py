"""Killed with SIGKILL between a commit and its Slack post, or between the post and the
row's completion, the bot shows each change exactly once after a restart; the set-up's
headline and triage notice too. Two worker processes on one PostgreSQL deliver each row
once, each incident's rows in order. The bot runs as `python -m bot run` / `worker`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.database import Database
from bot.incident.models import Incident
from bot.outbox.models import OutboxRow, OutboxState
from bot.outbox.service import emit
from bot.slack import changes
from tests.crash.process import ROOT, BotProcess, bot_env, incidents, quiet
from tests.forms import disclose_values
from tests.harness import SIGNING_SECRET, Workspace, wait_until
from tests.slack_api import FakeSlack, SlackDriver

LEASE = "2"  # seconds, for set-ups and outbox lanes alike: a restart takes over quickly


def env_for(db: Database, slack: FakeSlack, ws: Workspace) -> dict[str, str]:
    return {**bot_env(db, slack, ws), "SETUP_LEASE_SECONDS": LEASE, "DELIVERY_LEASE_SECONDS": LEASE}


def rows(db: Database) -> list[OutboxRow]:
    with db.transaction() as session:
        return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def all_done(db: Database) -> bool:
    found = rows(db)
    return bool(found) and all(row.state == OutboxState.DONE for row in found)


def open_through_slack(bot: BotProcess, slack: FakeSlack, ws: Workspace) -> SlackDriver:
    driver = SlackDriver(f"{bot.url}/slack/events", SIGNING_SECRET, slack)
    assert driver.slash("/disclose", "", user_id=ws.alice, channel_id=ws.general).status == 200
    view = wait_until(lambda: slack.open_view_for(ws.alice), what="the /disclose modal")
    assert driver.submit_view(view["id"], ws.alice, values=disclose_values()).status == 200
    return driver


def ready(db: Database) -> Incident:
    def found() -> Incident | None:
        done = [i for i in incidents(db) if i.setup_complete and i.opened_hooks_done]
        return done[0] if done and all_done(db) else None

    return wait_until(found, timeout=30, what="a finished set-up and its outbox rows")


@pytest.fixture
def bots() -> Iterator[list[BotProcess]]:
    started: list[BotProcess] = []
    yield started
    for bot in started:
        bot.stop()


@pytest.mark.parametrize("after_effect", [False, True], ids=["before the post", "after the post"])
def test_an_update_killed_mid_delivery_shows_once_after_a_restart(
    after_effect: bool,
    db: Database,
    slack: FakeSlack,
    workspace: Workspace,
    bots: list[BotProcess],
    tmp_path: Path,
) -> None:
    ws = workspace
    env = env_for(db, slack, ws)
    first = BotProcess(env, tmp_path / "first.log")
    bots.append(first)
    driver = open_through_slack(first, slack, ws)
    incident = ready(db)

    # The update is committed and acknowledged; the process dies at its post to the triage
    # thread: before Slack took it, or after Slack took it but before the row recorded it.
    held = slack.hold(
        "chat.postMessage",
        after_effect=after_effect,
        when=lambda params: params.get("thread_ts") == incident.triage_ts,
    )
    answer = driver.slash(
        "/disclose", "update Kill test", user_id=ws.alice, channel_id=incident.channel_id or ""
    )
    assert answer.status == 200
    assert held.wait_arrived(timeout=30), "the update's post never arrived"
    first.kill()
    held.cancel()
    (row,) = [r for r in rows(db) if r.kind == changes.UPDATE]
    assert row.state == OutboxState.SENDING  # acknowledged, committed, not yet shown

    second = BotProcess(env, tmp_path / "second.log")
    bots.append(second)
    wait_until(lambda: all_done(db), timeout=30, what="the update delivered after the restart")
    quiet(slack)

    def said(channel: str, thread: str | None) -> int:
        return sum("Kill test" in m.text for m in slack.thread(channel, thread or ""))

    assert said(ws.triage, incident.triage_ts) == 1
    assert said(incident.channel_id or "", incident.headline_ts) == 1


SETUP_POSTS: dict[str, Callable[[Workspace], Callable[[dict[str, Any]], bool]]] = {
    "headline": lambda ws: (
        lambda p: (
            p.get("channel") not in (ws.triage, None)
            and str(p.get("channel")).startswith("C")
            and not p.get("thread_ts")
        )
    ),
    "triage notice": lambda ws: lambda p: p.get("channel") == ws.triage and not p.get("thread_ts"),
}


@pytest.mark.parametrize("post", SETUP_POSTS, ids=SETUP_POSTS.keys())
def test_a_setup_killed_after_its_post_shows_it_once(
    post: str,
    db: Database,
    slack: FakeSlack,
    workspace: Workspace,
    bots: list[BotProcess],
    tmp_path: Path,
) -> None:
    ws = workspace
    env = env_for(db, slack, ws)
    held = slack.hold("chat.postMessage", after_effect=True, when=SETUP_POSTS[post](ws))
    first = BotProcess(env, tmp_path / "first.log")
    bots.append(first)
    open_through_slack(first, slack, ws)
    assert held.wait_arrived(timeout=30), f"the {post} never arrived"
    first.kill()
    held.cancel()

    second = BotProcess(env, tmp_path / "second.log")
    bots.append(second)
    incident = ready(db)
    quiet(slack)
    assert incident.channel_id and incident.headline_ts and incident.triage_ts
    tops = [m for m in slack.messages(incident.channel_id) if "interrupted" not in m.text]
    assert [m.ts for m in tops] == [incident.headline_ts]
    assert [m.ts for m in slack.messages(ws.triage)] == [incident.triage_ts]


def test_two_worker_processes_deliver_each_row_once_in_order(
    db: Database, slack: FakeSlack, workspace: Workspace, bots: list[BotProcess], tmp_path: Path
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("several workers share rows through PostgreSQL's row locks")
    ws = workspace
    env = env_for(db, slack, ws)
    web = BotProcess({**env, "DELIVER_IN_WEB": "false"}, tmp_path / "web.log")
    bots.append(web)
    # Set-ups need delivery for their hooks' rows only; open three incidents.
    for _ in range(3):
        open_through_slack(web, slack, ws)
    wait_until(lambda: len([i for i in incidents(db) if i.setup_complete]) == 3, timeout=60)
    opened = incidents(db)
    with db.transaction() as session:
        for number in range(15):
            for incident in opened:
                emit(
                    session,
                    incident.id,
                    changes.UPDATE,
                    incident.created_at,
                    actor=ws.alice,
                    text=f"note {number:02d}",
                )
    slack.delay("chat.postMessage", 0.01)  # long enough for the two to interleave
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "worker"],
            cwd=tmp_path,
            env={**env, "PYTHONPATH": str(ROOT)},
            stdout=(tmp_path / f"worker{n}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for n in range(2)
    ]
    try:
        wait_until(lambda: all_done(db), timeout=90, what="every row delivered")
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=10)
        slack.delay("chat.postMessage", 0)
    for incident in incidents(db):
        notes = [m.text for m in slack.thread(ws.triage, incident.triage_ts or "")]
        numbered = [t for t in notes if "note " in t]
        expected = [f"note {n:02d}" for n in range(15)]
        assert [next(e for e in expected if e in t) for t in numbered] == expected
    logs = [(tmp_path / f"worker{n}.log").read_text() for n in range(2)]
    assert all("delivering to Slack" in log for log in logs)
