"""Benchmark, run by hand: the reminder tick with 100,000 pending deadlines.

    python -m bench.reminder_tick [--deadlines 100000] [--due 1000] [--backends sqlite postgresql]

Per backend (a fresh migrated database; PostgreSQL at TEST_POSTGRES_URL or 127.0.0.1):
- idle: one tick when nothing is due, p50/p99 over 200 ticks (target: under 10 ms);
- due: one tick that sends `--due` reminders (each a thread reply on the local Slack server);
- lateness: reminders due at random moments over 10 minutes, ticks every 15 s (the default)
  on a clock that skips the idle waits; lateness is sent_at minus due time, p50/p99
  (target: p99 under the tick interval plus one second);
- the same with the delivery loop, which sleeps until the next due time (target: p99 under
  1 s), and the cost of its idle look (outbox and reminders, nothing due).
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, update

from bot.bootstrap import build_services, identify
from bot.database import Database
from bot.incident.models import Incident
from bot.reminder.models import DeadlineRow, ReminderRow
from bot.slack.delivery_loop import DeliveryLoop
from bot.slack.reminder_delivery import Ticker
from tests.databases import drop_postgres_schema, migrated_url
from tests.harness import BOT_TOKEN, seed_workspace, test_settings
from tests.slack_api import FakeSlack

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TICK = 15.0
KINDS = ("acknowledge", "lead_assigned", "score_and_plan", "fix_ready", "fix_released")


class SkippingClock:
    """Real time that can jump ahead: ticks cost what they cost, idle waits cost nothing."""

    def __init__(self, start: datetime) -> None:
        self.base, self.real = start, time.perf_counter()

    def now(self) -> datetime:
        return self.base + timedelta(seconds=time.perf_counter() - self.real)

    def jump_to(self, moment: datetime) -> None:
        if moment > self.now():
            self.base, self.real = moment, time.perf_counter()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def seed(db: Database, count: int, triage_ts: str) -> None:
    """`count` open deadlines with one pending reminder each, due 1 to 60 days ahead."""
    per_incident = len(KINDS)
    chunk = 5000
    incident_rows, deadline_rows, reminder_rows = [], [], []
    for number in range(count // per_incident):
        incident_rows.append(
            dict(
                id=number + 1,
                human_id=f"SEC-2026-{number + 1:06d}",
                title="Seeded",
                description="",
                reporter_name="",
                reporter_contact="",
                source="other",
                external_ref="",
                component="",
                affected_versions="",
                is_public=False,
                phase="fixing",
                opened_by="U0SEED",
                reported_at=START,
                created_at=START,
                updated_at=START,
                triage_ts=triage_ts,
                members_invited=True,
                headline_pinned=True,
                topic_set=True,
                opener_told=True,
                advisory_summary="",
                advisory_details="",
                fixed_versions="",
                mitigation="",
                detection="",
                credits="",
                package_ecosystem="",
                package_name="",
            )
        )
        for index, kind in enumerate(KINDS):
            deadline_id = number * per_incident + index + 1
            due = START + timedelta(days=1 + (deadline_id % 60), seconds=deadline_id % 3600)
            deadline_rows.append(
                dict(
                    id=deadline_id,
                    incident_id=number + 1,
                    kind=kind,
                    label=f"Step {kind}",
                    owner="team",
                    critical=False,
                    due_at=due,
                    status="open",
                    planned_from=START,
                )
            )
            reminder_rows.append(
                dict(
                    id=deadline_id,
                    deadline_id=deadline_id,
                    incident_id=number + 1,
                    key="due",
                    seq=0,
                    due_at=due,
                    planned_for=due,
                    state="pending",
                    attempts=0,
                    next_attempt_at=due,
                    lease_expiries=0,
                    delivered="",
                )
            )
    with db.engine.begin() as connection:
        for table, rows in (
            (Incident.__table__, incident_rows),
            (DeadlineRow.__table__, deadline_rows),
            (ReminderRow.__table__, reminder_rows),
        ):
            for start in range(0, len(rows), chunk):
                connection.execute(table.insert(), rows[start : start + chunk])
        if db.dialect == "postgresql":
            for table in ("incident", "deadline", "reminder"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            connection.exec_driver_sql("ANALYZE")


def make_due(db: Database, count: int, moments: list[datetime]) -> None:
    with db.transaction() as session:
        ids = list(session.scalars(select(ReminderRow.id).order_by(ReminderRow.id).limit(count)))
        for reminder_id, moment in zip(ids, moments, strict=True):
            session.execute(
                update(ReminderRow)
                .where(ReminderRow.id == reminder_id)
                .values(due_at=moment, next_attempt_at=moment)
            )


def reschedule(db: Database, base: datetime, window: float) -> list[int]:
    """Settle every reminder, then give 300 of them random due times in the window."""
    moments = sorted(base + timedelta(seconds=random.uniform(0, window)) for _ in range(300))
    with db.transaction() as session:
        session.execute(update(ReminderRow).values(state="sent", next_attempt_at=None))
    with db.transaction() as session:
        ids = list(
            session.scalars(select(ReminderRow.id).order_by(ReminderRow.id.desc()).limit(300))
        )
        for reminder_id, moment in zip(ids, moments, strict=True):
            session.execute(
                update(ReminderRow)
                .where(ReminderRow.id == reminder_id)
                .values(state="pending", due_at=moment, next_attempt_at=moment, sent_at=None)
            )
    return ids


def run_backend(backend: str, count: int, due: int) -> None:
    slack = FakeSlack(bot_token=BOT_TOKEN).start()
    workspace = seed_workspace(slack)
    triage_ts = slack.add_message(workspace.triage, workspace.alice, "incidents")
    url, schema = migrated_url(backend, Path(tempfile.mkdtemp(prefix="reminder-bench-")))
    try:
        clock = SkippingClock(START)
        services = build_services(test_settings(slack, workspace, url), clock=clock)
        identify(services)
        started = time.perf_counter()
        seed(services.db, count, triage_ts)
        print(
            f"{backend}: seeded {count:,} pending deadlines in {time.perf_counter() - started:.1f}s"
        )
        ticker = Ticker(services)

        idle = []
        for _ in range(200):
            began = time.perf_counter()
            ticker.tick()
            idle.append((time.perf_counter() - began) * 1000)
        print(
            f"{backend}: idle tick p50 {percentile(idle, 0.5):.2f} ms, "
            f"p99 {percentile(idle, 0.99):.2f} ms (target < 10 ms)"
        )

        make_due(services.db, due, [clock.now() - timedelta(seconds=1)] * due)
        began = time.perf_counter()
        report = ticker.tick()
        spent = time.perf_counter() - began
        print(
            f"{backend}: tick with {due:,} due: {spent:.2f}s, {report.sent:,} sent "
            f"({report.sent / spent:.0f}/s)"
        )

        window = 600.0
        base = clock.now()
        moments = sorted(base + timedelta(seconds=random.uniform(0, window)) for _ in range(300))
        with services.db.transaction() as session:
            session.execute(update(ReminderRow).values(state="sent", next_attempt_at=None))
        # Give the next 300 reminders these due times (all other rows are settled now).
        with services.db.transaction() as session:
            ids = list(
                session.scalars(select(ReminderRow.id).order_by(ReminderRow.id.desc()).limit(300))
            )
            for reminder_id, moment in zip(ids, moments, strict=True):
                session.execute(
                    update(ReminderRow)
                    .where(ReminderRow.id == reminder_id)
                    .values(state="pending", due_at=moment, next_attempt_at=moment)
                )
        lateness: list[float] = []
        next_tick = base
        while next_tick <= base + timedelta(seconds=window + 2 * TICK):
            clock.jump_to(next_tick)
            lateness += ticker.tick().lateness
            next_tick += timedelta(seconds=TICK)
        print(
            f"{backend}: lateness at a {TICK:.0f} s tick over {len(lateness)} reminders: "
            f"p50 {percentile(lateness, 0.5):.2f} s, p99 {percentile(lateness, 0.99):.2f} s "
            f"(the tick alone)"
        )

        # The same again with the delivery loop, which sleeps until the next due time.
        loop = DeliveryLoop(services)
        idle = []
        for _ in range(200):
            began = time.perf_counter()
            loop.once()
            idle.append((time.perf_counter() - began) * 1000)
        print(
            f"{backend}: idle delivery loop (outbox and reminders, nothing due) "
            f"p50 {percentile(idle, 0.5):.2f} ms, p99 {percentile(idle, 0.99):.2f} ms"
        )
        base = clock.now()
        ids = reschedule(services.db, base, window)
        while clock.now() <= base + timedelta(seconds=window + 2):
            wait = loop.once()
            clock.jump_to(clock.now() + timedelta(seconds=wait))  # the sleep, skipped
        with services.db.transaction() as session:
            rows = session.scalars(select(ReminderRow).where(ReminderRow.id.in_(ids))).all()
            late = [(r.sent_at - r.due_at).total_seconds() for r in rows if r.sent_at]
        print(
            f"{backend}: lateness with the delivery loop over {len(late)} reminders: "
            f"p50 {percentile(late, 0.5):.3f} s, p99 {percentile(late, 0.99):.3f} s "
            "(target < 1 s)"
        )
        services.db.dispose()
    finally:
        slack.stop()
        if schema:
            drop_postgres_schema(schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deadlines", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for backend in args.backends:
        run_backend(backend, args.deadlines, args.due)


if __name__ == "__main__":
    main()
