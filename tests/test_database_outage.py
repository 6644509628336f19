"""A 30-second database outage on PostgreSQL and on SQLite: every request gets a clear
"nothing was saved, try again" within Slack's three seconds, nothing is half-written, the
same requests succeed once afterwards, and the reminders due meanwhile go out once.

The outage spans 30 seconds of the bot's clock (reminders fall due inside it); in real time
it lasts only as long as the requests take, to keep the test fast.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from bot.audit.models import AuditEntry
from bot.bootstrap import build_services, identify
from bot.clock import ManualClock
from bot.database import Database
from bot.incident.models import Incident
from bot.intake.models import IntakeDelivery
from bot.jobs import add_jobs
from bot.reminder.models import ReminderRow
from bot.slack.blocks.outage import DATABASE_DOWN, DATABASE_DOWN_FORM
from bot.timeline.models import TimelineEvent
from tests import harness
from tests.db_outage import CuttableProxy, Outage, SqliteWriteLock
from tests.forms import disclose_values
from tests.harness import START, RunningBot, Workspace, wait_until
from tests.intake_checks import REPORT
from tests.intake_signing import Reply, intake_headers, intake_settings, post
from tests.reminder_helpers import post_count, reminder_posts
from tests.slack_api import FakeSlack
from tests.vocabulary import open_form, open_incident, set_lead, texts

ACK_BUDGET = 3.0  # seconds Slack waits for an answer
BURST = 6  # reports sent at once during the outage
DUE = START + timedelta(hours=23)  # the 1-hour reminders of Tuesday's deadlines
OUTAGE_FROM, OUTAGE_TO = DUE - timedelta(seconds=10), DUE + timedelta(seconds=20)


class OutageBot:
    def __init__(self, bot: RunningBot, outage: Outage, check: Database) -> None:
        self.bot = bot
        self.outage = outage
        self.check = check  # the test's own way in, never cut

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.bot.server.url}/healthz", timeout=5) as answer:
                return answer.status == 200
        except urllib.error.HTTPError:
            return False

    def counts(self) -> dict[str, int]:
        with self.check.transaction() as session:
            return {
                model.__name__: int(session.scalar(select(func.count()).select_from(model)) or 0)
                for model in (Incident, TimelineEvent, AuditEntry, IntakeDelivery)
            }

    def reminder_states(self) -> dict[int, str]:
        with self.check.transaction() as session:
            return {row.id: row.state for row in session.scalars(select(ReminderRow))}


@pytest.fixture
def outage_bot(db: Database, slack: FakeSlack, workspace: Workspace) -> Iterator[OutageBot]:
    proxy: CuttableProxy | None = None
    if db.dialect == "postgresql":
        target = urlsplit(db.url)
        proxy = CuttableProxy(target.hostname or "127.0.0.1", target.port or 5432)
        bot_db = Database(proxy.url_for(db.url))
        outage: Outage = proxy
    else:
        bot_db = db
        outage = SqliteWriteLock(db.url.removeprefix("sqlite:///"))
    settings = intake_settings(harness.test_settings(slack, workspace, bot_db.url))
    services = build_services(settings, clock=ManualClock(START), db=bot_db)
    identify(services)
    running = RunningBot(services, slack, workspace)
    try:
        yield OutageBot(running, outage, db)
    finally:
        outage.end()
        running.services.background.wait()
        running.stop()
        if proxy is not None:
            proxy.stop()


def intake(bot: RunningBot, key: str) -> Reply:
    body = json.dumps({**REPORT, "title": "Reported while the database was down"}).encode()
    headers = intake_headers(body, int(bot.clock.now().timestamp()), key=key)
    return post(f"{bot.server.url}/intake/report", body, headers)


def timed(action, *args, **kwargs):
    started = time.monotonic()
    result = action(*args, **kwargs)
    return result, time.monotonic() - started


def ephemeral_after(bot: RunningBot, user: str, before: int, started: float) -> tuple[str, float]:
    notes = wait_until(lambda: bot.slack.ephemerals_for(user)[before:], what="an answer")
    return notes[-1].text, time.monotonic() - started


def test_a_database_outage_is_answered_and_recovered_from(
    outage_bot: OutageBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot, ws = outage_bot.bot, outage_bot.bot.workspace
    incident = open_incident(bot)
    bot.services.background.wait()  # the reminder plan follows the set-up
    set_lead(bot, incident, ws.bob)  # so "Start fixing" has something to do
    headline = wait_until(
        lambda: (
            (m := bot.slack.message(incident.channel_id, incident.headline_ts))
            and "lifecycle_start_fixing" in texts(m.blocks)
            and m
        ),
        what="the Start fixing button",
    )
    form = open_form(bot, ws.carol)  # opening the form needs no database
    jobs = add_jobs(BackgroundScheduler(timezone="UTC"), bot.services)  # never started
    reminder_job = jobs.get_job("reminders").func
    with outage_bot.check.transaction() as session:
        due_in_outage = {
            row.id
            for row in session.scalars(select(ReminderRow))
            if row.state == "pending" and OUTAGE_FROM <= row.due_at <= OUTAGE_TO
        }
    assert due_in_outage, "the plan should put reminders inside the outage"
    before, states_before = outage_bot.counts(), outage_bot.reminder_states()
    posts_before = post_count(bot)

    # -- the outage --------------------------------------------------------------------------
    bot.clock.set(OUTAGE_FROM)
    outage_bot.outage.start()
    timings: dict[str, float] = {}

    # Carol submits the form, Alice clicks, Bob types and a report comes over HTTP, all at
    # once, as people do: each is answered within Slack's wait, none behind another's.
    bot.clock.advance(timedelta(seconds=5))

    def answered(user: str, act) -> tuple[object, str, float]:
        started, seen = time.monotonic(), len(bot.slack.ephemerals_for(user))
        response = act()
        text, seconds = ephemeral_after(bot, user, seen, started)
        return response, text, seconds

    with ThreadPoolExecutor(4) as pool:
        form_sent = pool.submit(
            timed,
            bot.driver.submit_view,
            form,
            ws.carol,
            values=disclose_values(title="Lost in the outage"),
        )
        click = pool.submit(
            answered,
            ws.alice,
            lambda: bot.driver.block_action(ws.alice, "lifecycle_start_fixing", message=headline),
        )
        command = pool.submit(
            answered,
            ws.bob,
            lambda: bot.driver.slash(
                "/disclose",
                "update Patch in review",
                user_id=ws.bob,
                channel_id=incident.channel_id,
            ),
        )
        report_sent = pool.submit(timed, intake, bot, "outage-report-1")

    submitted, timings["form"] = form_sent.result()
    assert submitted.status == 200 and not submitted.problems
    assert submitted.view_errors == {"title": DATABASE_DOWN_FORM}
    assert bot.slack.open_view_for(ws.carol)["id"] == form  # still open, as typed

    clicked, text, timings["button"] = click.result()
    assert clicked.status == 200 and not clicked.problems
    assert text == DATABASE_DOWN

    typed, text, timings["command"] = command.result()
    assert typed.status == 200 and not typed.problems
    assert text == DATABASE_DOWN

    refused, timings["intake"] = report_sent.result()
    assert refused.status == 503 and refused.headers.get("retry-after") == "30"
    assert refused.content_type == "application/problem+json"
    assert "nothing was created" in refused.json()["detail"]
    # Requests arriving together do not queue behind each other's wait.
    with ThreadPoolExecutor(BURST) as pool:
        burst = list(pool.map(lambda n: timed(intake, bot, f"outage-burst-{n}"), range(BURST)))
    assert {reply.status for reply, _ in burst} == {503}
    timings["intake burst (slowest)"] = max(seconds for _, seconds in burst)

    bot.clock.set(DUE + timedelta(seconds=5))  # the reminders are due now
    with caplog.at_level(logging.WARNING, logger="bot.database"):
        _, timings["tick"] = timed(reminder_job)  # must not raise
    assert "the database does not answer" in caplog.text
    assert "job 'send due reminders' and the others wait for it" in caplog.text
    assert post_count(bot) == posts_before  # no reminder, no update, no headline edit
    bot.services.background.wait()
    for name, seconds in timings.items():
        assert seconds < ACK_BUDGET, f"{name} took {seconds:.2f} s"
    print("answers during the outage (s):", {k: round(v, 3) for k, v in timings.items()})

    # -- recovery: the same bot, no restart ----------------------------------------------------
    bot.clock.set(OUTAGE_TO)
    outage_bot.outage.end()
    # Checked once the test can read again (SQLite's lock holder blocks its writes too).
    assert outage_bot.counts() == before
    assert outage_bot.reminder_states() == states_before
    if isinstance(outage_bot.outage, CuttableProxy):  # new connections did hang, unanswered
        assert outage_bot.outage.refused > 0
    retried, recovery = timed(
        bot.driver.submit_view, form, ws.carol, values=disclose_values(title="Lost in the outage")
    )
    assert retried.status == 200 and not retried.problems and not retried.view_errors
    again = bot.driver.submit_view(
        form, ws.carol, values=disclose_values(title="Lost in the outage"), allow_closed=True
    )
    assert again.status == 200 and not again.view_errors  # a repeat opens nothing more
    stored, replayed = intake(bot, "outage-report-1"), intake(bot, "outage-report-1")
    assert stored.status == replayed.status == 201 and stored.body == replayed.body
    print(f"first request after the outage answered in {recovery:.3f} s")
    assert outage_bot.healthy()  # the same pool, no restart

    sent = reminder_posts(bot, posts_before)
    assert sent == []  # nothing went out before the tick
    reminder_job()
    reminder_job()  # a second run finds nothing left to send
    bot.clock.set(OUTAGE_TO + timedelta(minutes=1))
    reminder_job()
    sent = reminder_posts(bot, posts_before)
    once = Counter((message.reminder_id, message.place) for message in sent)
    assert once and set(once.values()) == {1}, once
    assert {reminder_id for reminder_id, _ in once} <= due_in_outage
    states = outage_bot.reminder_states()
    assert all(states[reminder] != "pending" for reminder in due_in_outage)
    # The button works again too (last: the phase change settles those deadlines).
    clicked = bot.driver.block_action(ws.alice, "lifecycle_start_fixing", message=headline)
    assert clicked.status == 200 and not clicked.problems
    wait_until(lambda: bot.incident(incident.human_id).phase == "fixing", what="fixing")

    bot.wait_for_setup(count=3)  # the first incident, the retried form and the report
    after = outage_bot.counts()
    assert after["Incident"] == before["Incident"] + 2
    assert after["IntakeDelivery"] == before["IntakeDelivery"] + 1
    with outage_bot.check.transaction() as session:
        incidents = list(session.scalars(select(Incident)))
        assert all(i.human_id and i.setup_complete for i in incidents)
        ids = {i.id for i in incidents}
        assert set(session.scalars(select(TimelineEvent.incident_id))) <= ids
        titles = [i.title for i in incidents]
    assert titles.count("Lost in the outage") == 1
    assert titles.count("Reported while the database was down") == 1
