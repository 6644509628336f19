"""Load, run by hand: 200 concurrent `/disclose` submissions and 2,000 concurrent clicks.

    python -m bench.load_disclose [--reports 200] [--clicks 2000] [--backend postgresql]
                                  [--processes 2] [--worker]

One bot process (waitress, the real app) on the chosen database, or several on one
PostgreSQL database as replicas behind a load balancer (`--processes`: the load
generator spreads its connections over them); the local Slack Web API server and the
load generator each run in their own process (bench.load), so none shares a bot's
interpreter lock. Every request must be acknowledged within Slack's 3 seconds;
the report prints p50/p99/max per phase, checks that every report became exactly one
incident with one channel, and prints the bot's resident memory idle and at its peak.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import tempfile
import time
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.ack_latency import RemoteSlack, _serve_slack, bot_settings, sign
from bench.load import PreparedRequest, percentile, send
from bot.bootstrap import build_services, identify
from bot.database import Database
from bot.incident.models import Incident
from bot.outbox.service import unfinished_count
from bot.server import BackgroundServer
from bot.slack.app import build_app, drain
from bot.web import build_wsgi
from tests.databases import drop_postgres_schema, migrated_url
from tests.forms import disclose_values

ACK_DEADLINE = 3.0


def rss_kib(field: str, pid: str = "self") -> int:
    """VmRSS (now) or VmHWM (peak) of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def submissions(slack: RemoteSlack, count: int, run: str) -> list[PreparedRequest]:
    requests = []
    for n in range(count):
        payload = {
            "type": "view_submission",
            "team": {"id": slack.team_id},
            "user": {"id": slack.team[n % len(slack.team)]},
            "api_app_id": "A0BENCH",
            "view": {
                "id": f"V{run}{n:06d}",
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


def clicks(slack: RemoteSlack, count: int, human_ids: list[str]) -> list[PreparedRequest]:
    """`Compare` presses on the incidents: a roster check, a read, an ephemeral answer."""
    requests = []
    for n in range(count):
        payload = {
            "type": "block_actions",
            "team": {"id": slack.team_id},
            "user": {"id": slack.team[n % len(slack.team)]},
            "api_app_id": "A0BENCH",
            "trigger_id": slack.triggers.pop(),
            "response_url": slack.response_urls.pop(),
            "channel": {"id": slack.general},
            "actions": [{"action_id": "cvss_compare", "value": human_ids[n % len(human_ids)]}],
        }
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        requests.append(PreparedRequest(body, sign(body)))
    return requests


def wait_for_setups(services: Any, expected: int, timeout: float = 600) -> None:
    """Replicas run their own set-ups after their acks; wait until the database shows all."""
    deadline, done = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        with services.db.transaction() as session:
            done = sum(1 for i in session.scalars(select(Incident)) if i.setup_complete)
        if done >= expected:
            return
        time.sleep(0.5)
    with services.db.transaction() as session:
        errors = Counter(i.setup_error for i in session.scalars(select(Incident)))
    raise AssertionError(f"only {done} of {expected} set-ups finished: {dict(errors)}")


def row(phase: str, latencies: list[float], errors: list[int], wall: float) -> str:
    late = sum(1 for x in latencies if x > ACK_DEADLINE)
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    return (
        f"{phase:<22}{len(latencies):>6}{p50:>9.1f}{p99:>9.1f}{max(latencies) * 1000:>9.1f}"
        f"{late:>6}{len(errors):>7}{wall:>8.1f}"
    )


def _serve_replica(slack: RemoteSlack, url: str, out: Any, stop: Any) -> None:
    """Another bot process on the same database: a second replica."""
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    services = build_services(bot_settings(slack, url), db=Database(url))
    identify(services)
    app = build_app(services)
    server = BackgroundServer(build_wsgi(services, app)).start()
    out.put(server.url)
    stop.wait()
    services.background.wait(timeout=600)
    server.stop()
    drain(app)
    services.db.dispose()


def _serve_worker(slack: RemoteSlack, url: str, stop: Any) -> None:
    """The delivery worker: the outbox and reminders, as `python -m bot worker` runs them."""
    from bot.slack.delivery_loop import WORKER_POLL, DeliveryLoop

    services = build_services(bot_settings(slack, url), db=Database(url))
    identify(services)
    loop = DeliveryLoop(services, poll=WORKER_POLL)
    loop.start()
    stop.wait()
    loop.stop()
    services.db.dispose()


def web_settings(slack: RemoteSlack, url: str, worker: bool) -> Any:
    settings = bot_settings(slack, url)
    return settings.model_copy(update={"deliver_in_web": False}) if worker else settings


def main() -> None:
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--clicks", type=int, default=2000)
    parser.add_argument("--backend", default="postgresql", choices=["sqlite", "postgresql"])
    parser.add_argument("--processes", type=int, default=1, help="bot replicas (PostgreSQL)")
    parser.add_argument("--worker", action="store_true", help="deliver from a worker process")
    args = parser.parse_args()
    if args.processes > 1 and args.backend != "postgresql":
        parser.error("several bot processes need the shared PostgreSQL database")

    context = multiprocessing.get_context("spawn")
    out, stop = context.Queue(), context.Event()
    process = context.Process(target=_serve_slack, args=(args.clicks + 10, out, stop))
    process.start()
    slack: RemoteSlack = out.get(timeout=120)
    url, schema = migrated_url(args.backend, Path(tempfile.mkdtemp()))
    services = build_services(web_settings(slack, url, args.worker), db=Database(url))
    identify(services)
    app = build_app(services)
    server = BackgroundServer(build_wsgi(services, app)).start()
    worker_stop = context.Event()
    worker = context.Process(target=_serve_worker, args=(slack, url, worker_stop))
    if args.worker:
        worker.start()
    replica_urls, replica_stop = context.Queue(), context.Event()
    replicas = [
        context.Process(target=_serve_replica, args=(slack, url, replica_urls, replica_stop))
        for _ in range(args.processes - 1)
    ]
    for replica in replicas:
        replica.start()
    bots = [server.url, *(replica_urls.get(timeout=120) for _ in replicas)]
    targets = [f"{bot}/slack/events" for bot in bots]
    pids = ["self", *(str(replica.pid) for replica in replicas)]
    if args.worker:
        pids.append(str(worker.pid))
    idle = ", ".join(f"{rss_kib('VmRSS', pid) / 1024:.1f}" for pid in pids)
    workers = " and a delivery worker" if args.worker else ""
    print(f"backend {args.backend}; {len(bots)} bot process(es){workers}; idle bot RSS {idle} MiB")
    print(
        f"{'phase':<22}{'reqs':>6}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'>3s':>6}"
        f"{'errors':>7}{'wall s':>8}"
    )
    try:
        latencies, errors, wall = send(targets, submissions(slack, args.reports, "L"), args.reports)
        print(row(f"{args.reports} reports", latencies, errors, wall), flush=True)
        assert services.background.wait(timeout=600), "set-ups did not finish"
        wait_for_setups(services, args.reports)
        with services.db.transaction() as session:
            stored = list(session.scalars(select(Incident)))
            channels = session.scalar(select(func.count(func.distinct(Incident.channel_id))))
        ids = [i.human_id for i in stored]
        complete = sum(1 for i in stored if i.setup_complete)
        print(
            f"incidents {len(stored)} (distinct IDs {len(set(ids))}), channels {channels}, "
            f"set-ups complete {complete}"
        )
        latencies, errors, wall = send(targets, clicks(slack, args.clicks, ids), args.clicks)
        print(row(f"{args.clicks} clicks", latencies, errors, wall), flush=True)
        time.sleep(1)
        peak = ", ".join(f"{rss_kib('VmHWM', pid) / 1024:.1f}" for pid in pids)
        print(
            f"peak bot RSS {peak} MiB "
            "(bot processes and their threads; Slack and the load generator run apart)"
        )
        if args.worker:
            began = time.monotonic()
            while time.monotonic() - began < 300:
                with services.db.transaction() as session:
                    if not unfinished_count(session):
                        break
                time.sleep(0.5)
            with services.db.transaction() as session:
                left = unfinished_count(session)
            print(f"outbox rows left undelivered: {left}")
    finally:
        worker_stop.set()
        if args.worker:
            worker.join(timeout=60)
        replica_stop.set()
        for replica in replicas:
            replica.join(timeout=600)
        server.stop()
        drain(app)
        services.background.wait()
        services.db.dispose()
        if schema:
            drop_postgres_schema(schema)
        stop.set()
        process.join(timeout=30)


if __name__ == "__main__":
    main()
