"""Delivery under stress: two workers on one database, a worker killed mid-batch, rate
limits and failing posts. Reminders are counted by the marker each post carries."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.bootstrap import build_services
from bot.clock import ManualClock
from bot.database import Database
from bot.reminder.models import ReminderRow
from bot.services import Services
from bot.slack.reminder_delivery import FAILURE_CAP, MARKER, Ticker
from bot.timeline.models import TimelineEvent
from tests import harness
from tests.harness import BOT_TOKEN, Workspace, wait_until
from tests.reminder_seed import seed_reminders
from tests.slack_api import FakeSlack

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


class Crash(BaseException):
    """The process dies here (BaseException: nothing in the bot catches it)."""


def services_for(db_url: str, slack: FakeSlack, workspace: Workspace, now: datetime) -> Services:
    """A bot's services with an engine of its own, as another process would have."""
    settings = harness.test_settings(slack, workspace, db_url)
    return build_services(settings, clock=ManualClock(now), db=Database(db_url))


def parents(slack: FakeSlack, channel: str, count: int) -> list[str]:
    return [slack.add_message(channel, "U0SEED", f"incident {n}") for n in range(count)]


def posts_per_reminder(slack: FakeSlack) -> Counter[tuple[int, str]]:
    found: Counter[tuple[int, str]] = Counter()
    for call in slack.calls_to("chat.postMessage"):
        metadata = call.params.get("metadata") or {}
        if call.ok and metadata.get("event_type") == MARKER:
            payload = metadata["event_payload"]
            found[payload["reminder_id"], payload["place"]] += 1
    return found


def states(db: Database) -> Counter[str]:
    with db.transaction() as session:
        rows = session.execute(select(ReminderRow.state, func.count()).group_by(ReminderRow.state))
        return Counter(dict(rows.all()))


@pytest.fixture
def many(db: Database, slack: FakeSlack, workspace: Workspace) -> Iterator[list[int]]:
    ids = seed_reminders(
        db,
        incidents=100,
        per_incident=5,
        due_at=NOW - timedelta(minutes=1),
        triage_ts=parents(slack, workspace.triage, 100),
        lead_id=workspace.bob,
    )
    yield ids


def test_two_workers_send_each_of_500_reminders_exactly_once(
    db: Database, slack: FakeSlack, workspace: Workspace, many: list[int]
) -> None:
    workers = [services_for(db.url, slack, workspace, NOW) for _ in range(2)]
    reports = []
    errors: list[BaseException] = []

    def run(services: Services) -> None:
        try:
            reports.append(Ticker(services, batch=25).tick())
        except BaseException as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(services,)) for services in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for services in workers:
        services.db.dispose()
    assert not errors
    counts = posts_per_reminder(slack)
    assert set(counts) == {(rid, place) for rid in many for place in ("triage", "dm")}
    assert set(counts.values()) == {1}
    assert states(db) == {"sent": 500}
    assert sum(report.sent for report in reports) == 500
    with db.transaction() as session:
        events = session.scalar(select(func.count()).where(TimelineEvent.kind == "reminder_sent"))
    assert events == 500


def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_at_most_one_dm(
    db: Database, slack: FakeSlack, workspace: Workspace
) -> None:
    lease = 2.0
    now = datetime.now(UTC)
    ids = seed_reminders(
        db,
        incidents=20,
        per_incident=3,
        due_at=now - timedelta(minutes=1),
        triage_ts=parents(slack, workspace.triage, 20),
        lead_id=workspace.bob,
    )
    slack.delay("chat.postMessage", 0.05)
    env = dict(
        os.environ,
        DATABASE_URL=db.url,
        SLACK_API_URL=slack.base_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        TRIAGE_CHANNEL=workspace.triage,
        SECURITY_TEAM=",".join(workspace.roster),
        LEASE_SECONDS=str(lease),
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.reminder_worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until(lambda: sum(posts_per_reminder(slack).values()) >= 31, timeout=30, what="posts")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    slack.delay("chat.postMessage", 0)
    cut_short = states(db)
    assert 1 <= cut_short["sending"] <= 10  # the claimed batch, one of them mid-post
    assert 0 < cut_short["sent"] < 60

    # Another worker, once the lease has run out, finishes the batch.
    later = datetime.now(UTC) + timedelta(seconds=lease + 1)
    services = services_for(db.url, slack, workspace, later)
    try:
        Ticker(services).tick()
    finally:
        services.db.dispose()
    assert states(db) == {"sent": 60}
    counts = posts_per_reminder(slack)
    assert set(counts) == {(rid, place) for rid in ids for place in ("triage", "dm")}
    # A thread post made just before the kill is found by its marker, not posted again;
    # only a DM in flight can go out twice.
    assert all(counts[rid, "triage"] == 1 for rid in ids)
    assert sum(counts.values()) - len(counts) <= 1


def test_rate_limit_delays_only_that_reminder(
    db: Database, slack: FakeSlack, workspace: Workspace
) -> None:
    ids = seed_reminders(
        db,
        incidents=3,
        per_incident=1,
        due_at=NOW - timedelta(minutes=1),
        triage_ts=parents(slack, workspace.triage, 3),
    )
    slack.fail("chat.postMessage", "ratelimited", retry_after=30, times=1)
    services = services_for(db.url, slack, workspace, NOW)
    try:
        ticker = Ticker(services)
        report = ticker.tick()
        assert (report.sent, report.retried) == (2, 1)
        with db.transaction() as session:
            held = session.scalars(select(ReminderRow).where(ReminderRow.state == "pending")).one()
            assert held.next_attempt_at == NOW + timedelta(seconds=30)
            assert held.attempts == 0  # a rate limit is not a failure
        services.clock.set(NOW + timedelta(seconds=29))
        assert ticker.tick().sent == 0
        services.clock.set(NOW + timedelta(seconds=30))
        assert ticker.tick().sent == 1
    finally:
        services.db.dispose()
    assert set(posts_per_reminder(slack)) == {(rid, "triage") for rid in ids}


def test_failing_posts_back_off_then_are_reported_in_the_triage_thread(
    db: Database, slack: FakeSlack, workspace: Workspace
) -> None:
    (triage_ts,) = parents(slack, workspace.triage, 1)
    (rid,) = seed_reminders(
        db, incidents=1, per_incident=1, due_at=NOW, triage_ts=[triage_ts], lead_id=workspace.erin
    )
    # The thread post works; the DM to a deactivated account on the roster fails every time
    # (someone off the roster gets no reminder DM at all).
    services = services_for(db.url, slack, workspace, NOW)
    waits = []
    try:
        ticker = Ticker(services)
        for _ in range(FAILURE_CAP):
            ticker.tick()
            with db.transaction() as session:
                row = session.get(ReminderRow, rid)
            if row.state == "failed":
                break
            waits.append(row.next_attempt_at - services.clock.now())
            services.clock.set(row.next_attempt_at)
    finally:
        services.db.dispose()
    assert waits == [timedelta(seconds=30 * 2**n) for n in range(FAILURE_CAP - 1)]
    assert (row.state, row.attempts, row.delivered) == ("failed", FAILURE_CAP, "triage")
    assert posts_per_reminder(slack) == {(rid, "triage"): 1}  # the thread post is not repeated
    report = slack.thread(workspace.triage, triage_ts)[-1]
    assert "could not be delivered after 5 attempts" in report.text or any(
        "could not be delivered after 5 attempts" in b["text"]["text"] for b in report.blocks
    )


def test_after_a_crash_between_post_and_record_the_thread_post_is_found_not_repeated(
    db: Database, slack: FakeSlack, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    (triage_ts,) = parents(slack, workspace.triage, 1)
    (rid,) = seed_reminders(
        db, incidents=1, per_incident=1, due_at=NOW, triage_ts=[triage_ts], lead_id=workspace.bob
    )
    services = services_for(db.url, slack, workspace, NOW)

    def crash(*args: object) -> None:
        raise Crash  # the process dies after Slack took the post, before it was recorded

    try:
        with monkeypatch.context() as patch:
            patch.setattr("bot.reminder.claim.mark_delivered", crash)
            with pytest.raises(Crash):
                Ticker(services).tick()
        assert states(db) == {"sending": 1}
        services.clock.set(NOW + timedelta(seconds=59))
        assert Ticker(services).tick().sent == 0  # the lease still holds
        services.clock.set(NOW + timedelta(seconds=61))
        assert Ticker(services).tick().sent == 1
    finally:
        services.db.dispose()
    assert posts_per_reminder(slack) == {(rid, "triage"): 1, (rid, "dm"): 1}
    with db.transaction() as session:
        assert session.get(ReminderRow, rid).lease_expiries == 1


def test_a_reminder_whose_sending_is_cut_twice_is_given_up_and_said_in_triage(
    db: Database, slack: FakeSlack, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    (triage_ts,) = parents(slack, workspace.triage, 1)
    (rid,) = seed_reminders(
        db, incidents=1, per_incident=1, due_at=NOW, triage_ts=[triage_ts], lead_id=workspace.bob
    )
    services = services_for(db.url, slack, workspace, NOW)

    def crash(*args: object) -> None:
        raise Crash  # the process dies while sending, before anything is recorded

    try:
        with monkeypatch.context() as patch:
            patch.setattr("bot.slack.reminder_delivery.Ticker._deliver", crash)
            with pytest.raises(Crash):
                Ticker(services).tick()
            services.clock.set(NOW + timedelta(seconds=61))
            with pytest.raises(Crash):
                Ticker(services).tick()
        services.clock.set(NOW + timedelta(seconds=122))
        report = Ticker(services).tick()
    finally:
        services.db.dispose()
    assert (report.sent, report.failed) == (0, 1)
    with db.transaction() as session:
        row = session.get(ReminderRow, rid)
    assert (row.state, row.lease_expiries) == ("failed", 2)
    (said,) = [m for m in slack.thread(workspace.triage, triage_ts) if m.ts != triage_ts]
    assert "could not be delivered" in said.text or any(
        "sending was interrupted twice" in block["text"]["text"] for block in said.blocks
    )
