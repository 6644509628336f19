"""Acknowledgement latency of `/disclose`: signed request in, HTTP response out.

Measures the bot against a bare Bolt app that only acks the same requests, in the
same run, on SQLite and PostgreSQL, at 1 and 50 concurrent connections, for the
slash command (opens the form) and the form submission (stores an incident, then
sets up Slack after the ack). `--clients keepalive,urllib` repeats every cell with the
bot's Web API client swapped for slack_sdk's own (a new connection per call), to show
what connection reuse buys. Run by hand from the project root:

    python -m bench.ack_latency [--requests 500] [--clients keepalive,urllib]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import logging
import multiprocessing
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bench.load import PreparedRequest, percentile, send
from bot.bootstrap import build_services, deliver_after_commits, identify
from bot.config import Settings
from bot.database import Database
from bot.server import BackgroundServer
from bot.slack.app import build_app, drain
from bot.web import build_wsgi
from tests.databases import drop_postgres_schema, migrated_url
from tests.forms import disclose_values
from tests.slack_api import FakeSlack

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench-token"


def bare_bolt(base_url: str) -> Any:
    app = App(
        client=WebClient(token=TOKEN, base_url=base_url),
        signing_secret=SECRET,
        token_verification_enabled=False,
    )
    app.command("/disclose")(lambda ack: ack())
    app.view("disclose_submit")(lambda ack: ack())
    return app


@dataclass
class RemoteSlack:
    """What the bench needs from the local Slack server running in its own process."""

    base_url: str
    team_id: str
    user: str
    team: list[str]
    triage: str
    general: str
    triggers: list[str]
    response_urls: list[str]


def _serve_slack(requests: int, out: Any, stop: Any) -> None:
    # A frozen clock: triggers issued up front never expire during the run.
    slack = FakeSlack(bot_token=TOKEN, clock=lambda: 1_800_000_000.0)
    slack.start()
    user = slack.add_user("alice")
    team = [user, slack.add_user("bob"), slack.add_user("carol")]
    triage = slack.add_channel("triage", is_private=True, members=[*team, slack.bot_user_id])
    general = slack.add_channel("general", is_private=False, members=[*team, slack.bot_user_id])
    out.put(
        RemoteSlack(
            base_url=slack.base_url,
            team_id=slack.team_id,
            user=user,
            team=team,
            triage=triage,
            general=general,
            triggers=[slack.issue_trigger(user) for _ in range(requests)],
            response_urls=[slack.issue_response_url(general, user) for _ in range(requests)],
        )
    )
    stop.wait()
    slack.stop()


def bot_settings(slack: RemoteSlack, url: str) -> Settings:
    """The bot's settings against the local Slack of a benchmark run."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=slack.base_url,
        database_url=url,
        security_team=slack.team,
        triage_channel=slack.triage,
    )


def sign(body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256)
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
        "Content-Type": "application/x-www-form-urlencoded",
    }


def prepare(kind: str, count: int, slack: RemoteSlack, run_id: str) -> list[PreparedRequest]:
    requests = []
    for n in range(count):
        if kind == "slash":
            fields = {
                "command": "/disclose",
                "text": "",
                "user_id": slack.user,
                "channel_id": slack.general,
                "team_id": slack.team_id,
                "trigger_id": slack.triggers.pop(),
                "response_url": slack.response_urls.pop(),
            }
            body = urllib.parse.urlencode(fields).encode()
        else:
            payload = {
                "type": "view_submission",
                "team": {"id": slack.team_id},
                "user": {"id": slack.user},
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
        requests.append(PreparedRequest(body, sign(body)))
    return requests


def main() -> None:
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # queueing is what we measure
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--kinds", default="slash,submit")
    parser.add_argument(
        "--clients",
        default="keepalive",
        help="keepalive (the bot's), urllib (slack_sdk's: a new connection per call), or both",
    )
    parser.add_argument(
        "--no-follow-up",
        action="store_true",
        help="skip the work that follows each ack (Slack set-up), to see the ack path alone",
    )
    args = parser.parse_args()
    backends = args.backends.split(",")

    context = multiprocessing.get_context("spawn")
    out, stop = context.Queue(), context.Event()
    needed = (args.requests + max(100, args.requests // 5)) * 2 * len(backends)
    needed *= len(args.clients.split(","))
    slack_process = context.Process(target=_serve_slack, args=(needed, out, stop))
    slack_process.start()
    slack: RemoteSlack = out.get(timeout=120)
    print(
        f"{'backend':<11}{'client':<10}{'kind':<7}{'conc':>5}{'bot p50':>10}{'bot p99':>10}"
        f"{'bare p50':>10}{'bare p99':>10}{'p50 x':>7}{'p99 x':>7}{'errors':>8}"
    )
    bare_server = BackgroundServer(SlackRequestHandler(bare_bolt(slack.base_url))).start()
    cells = [(b, c) for b in backends for c in args.clients.split(",")]
    for backend, client in cells:
        url, schema = migrated_url(backend, Path(tempfile.mkdtemp()))
        db = Database(url)
        settings = bot_settings(slack, url)
        services = build_services(settings.model_copy(update={"deliver_in_web": False}), db=db)
        if client == "urllib":
            services.gateway.client = WebClient(token=TOKEN, base_url=slack.base_url, timeout=15)
            services.gateway.client.retry_handlers = []
        deliver_after_commits(services)  # with the client chosen above
        identify(services)
        if args.no_follow_up:
            services.background.defer = lambda job, *a: None  # type: ignore[method-assign]
        bot_app = build_app(services)
        bot_server = BackgroundServer(build_wsgi(services, bot_app)).start()
        run = 0
        for kind in args.kinds.split(","):
            for concurrency in (1, 50):
                count = args.requests if concurrency > 1 else max(100, args.requests // 5)
                results = {}
                for name, server in (("bare", bare_server), ("bot", bot_server)):
                    run += 1
                    run_id = f"{backend[:2].upper()}{client[:1].upper()}{run:03d}"
                    requests = prepare(kind, count, slack, run_id)
                    latencies, errors, _ = send(f"{server.url}/slack/events", requests, concurrency)
                    results[name] = (latencies, errors)
                    if name == "bot":
                        services.background.wait(timeout=600)
                bot_l, bot_e = results["bot"]
                bare_l, _ = results["bare"]
                b50, b99 = percentile(bot_l, 0.5) * 1000, percentile(bot_l, 0.99) * 1000
                r50, r99 = percentile(bare_l, 0.5) * 1000, percentile(bare_l, 0.99) * 1000
                print(
                    f"{backend:<11}{client:<10}{kind:<7}{concurrency:>5}{b50:>9.1f}ms{b99:>8.1f}ms"
                    f"{r50:>8.1f}ms{r99:>8.1f}ms{b50 / r50:>7.2f}{b99 / r99:>7.2f}"
                    f"{len(bot_e):>8}",
                    flush=True,
                )
        bot_server.stop()
        drain(bot_app)
        db.dispose()
        if schema:
            drop_postgres_schema(schema)
    bare_server.stop()
    stop.set()
    slack_process.join(timeout=30)


if __name__ == "__main__":
    main()
