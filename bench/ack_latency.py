"""Acknowledgement latency of `/disclose`: signed request in, HTTP response out.

Measures the bot against a bare Bolt app that only acks the same requests, in the
same run, on SQLite and PostgreSQL, at 1 and 50 concurrent connections, for the
slash command (opens the form) and the form submission (stores an incident, then
sets up Slack after the ack). Run by hand from the project root:

    python -m bench.ack_latency [--requests 500]
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from sqlalchemy import func, select

from bench.load import PreparedRequest, percentile, send
from bot.bootstrap import build_services, identify
from bot.config import Settings
from bot.database import Database
from bot.incident.models import Incident
from bot.server import BackgroundServer
from bot.slack.app import build_app
from bot.web import build_wsgi
from tests.databases import drop_postgres_schema, empty_tables, migrated_url
from tests.forms import disclose_values
from tests.slack_api import FakeSlack, SlackDriver

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench-token"


def bare_bolt(slack: FakeSlack) -> Any:
    app = App(
        client=WebClient(token=TOKEN, base_url=slack.base_url),
        signing_secret=SECRET,
        token_verification_enabled=False,
    )
    app.command("/disclose")(lambda ack: ack())
    app.view("disclose_submit")(lambda ack: ack())
    return app


def prepare(
    kind: str,
    count: int,
    driver: SlackDriver,
    slack: FakeSlack,
    user: str,
    channel: str,
    run_id: str,
) -> list[PreparedRequest]:
    requests = []
    for n in range(count):
        if kind == "slash":
            fields = {
                "command": "/disclose",
                "text": "",
                "user_id": user,
                "channel_id": channel,
                "team_id": slack.team_id,
                "trigger_id": slack.issue_trigger(user),
                "response_url": slack.issue_response_url(channel, user),
            }
            body = urllib.parse.urlencode(fields).encode()
        else:
            payload = {
                "type": "view_submission",
                "team": {"id": slack.team_id},
                "user": {"id": user},
                "api_app_id": "A0BENCH",
                "view": {
                    "id": f"V{run_id}{n:06d}",
                    "type": "modal",
                    "callback_id": "disclose_submit",
                    "private_metadata": "",
                    "hash": "h",
                    "state": {"values": disclose_values(title=f"Load report {n}")},
                },
            }
            body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        headers = driver.sign(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        requests.append(PreparedRequest(body, headers))
    return requests


def wait_for_setups(db: Database, expected: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.transaction() as session:
            done = session.scalar(
                select(func.count()).select_from(Incident).where(Incident.triage_ts.is_not(None))
            )
        if done >= expected:
            return
        time.sleep(0.2)


def main() -> None:
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # queueing is what we measure
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()

    slack = FakeSlack(bot_token=TOKEN, clock=lambda: 1_800_000_000.0)  # triggers never expire
    slack.start()
    user = slack.add_user("alice")
    team = [user, slack.add_user("bob"), slack.add_user("carol")]
    triage = slack.add_channel("triage", is_private=True, members=[*team, slack.bot_user_id])
    general = slack.add_channel("general", is_private=False, members=[*team, slack.bot_user_id])
    print(
        f"{'backend':<11}{'kind':<7}{'conc':>5}{'bot p50':>10}{'bot p99':>10}"
        f"{'bare p50':>10}{'bare p99':>10}{'p50 x':>7}{'p99 x':>7}{'errors':>8}"
    )
    bare_server = BackgroundServer(SlackRequestHandler(bare_bolt(slack))).start()
    for backend in args.backends.split(","):
        url, schema = migrated_url(backend, Path(tempfile.mkdtemp()))
        db = Database(url)
        settings = Settings(
            _env_file=None,
            slack_bot_token=TOKEN,
            slack_signing_secret=SECRET,  # type: ignore[call-arg]
            slack_api_url=slack.base_url,
            database_url=url,
            security_team=team,
            triage_channel=triage,
        )
        services = build_services(settings, db=db)
        identify(services)
        bot_server = BackgroundServer(build_wsgi(services, build_app(services))).start()
        driver = SlackDriver(
            bot_url=f"{bot_server.url}/slack/events", signing_secret=SECRET, slack=slack
        )
        run = 0
        for kind in ("slash", "submit"):
            for concurrency in (1, 50):
                count = args.requests if concurrency > 1 else max(100, args.requests // 5)
                results = {}
                for name, server in (("bare", bare_server), ("bot", bot_server)):
                    run += 1
                    if kind == "submit" and name == "bot":
                        empty_tables(db)
                    requests = prepare(
                        kind, count, driver, slack, user, general, f"{backend[:2].upper()}{run:03d}"
                    )
                    latencies, errors, _ = send(f"{server.url}/slack/events", requests, concurrency)
                    results[name] = (latencies, errors)
                    if kind == "submit" and name == "bot":
                        wait_for_setups(db, count)
                bot_l, bot_e = results["bot"]
                bare_l, _ = results["bare"]
                b50, b99 = percentile(bot_l, 0.5) * 1000, percentile(bot_l, 0.99) * 1000
                r50, r99 = percentile(bare_l, 0.5) * 1000, percentile(bare_l, 0.99) * 1000
                print(
                    f"{backend:<11}{kind:<7}{concurrency:>5}{b50:>9.1f}ms{b99:>8.1f}ms"
                    f"{r50:>8.1f}ms{r99:>8.1f}ms{b50 / r50:>7.2f}{b99 / r99:>7.2f}"
                    f"{len(bot_e):>8}",
                    flush=True,
                )
        bot_server.stop()
        db.dispose()
        if schema:
            drop_postgres_schema(schema)
    bare_server.stop()
    slack.stop()


if __name__ == "__main__":
    main()
