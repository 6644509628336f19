"""Benchmark, run by hand: how fast the /cvss modal follows a metric change.

    python bench/cvss_modal.py [--changes 500]

A running bot (SQLite, the local Slack Web API server in this process) has the scoring modal
open. Each round sends one signed `block_actions` request for a metric change, as Slack does,
and measures the time from just before the request leaves to the moment the bot's
`views.update` call reaches the local Slack server (its call log's arrival time, on the same
clock). Changes go one after another, each to a different value than the last, so every one
re-scores and re-renders the view. Prints p50, p99 and the maximum, and the ack time alone.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from itertools import cycle
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.bootstrap import build_services, identify
from bot.scoring.metrics import catalogue
from bot.server import BackgroundServer
from bot.slack.app import build_app, drain
from bot.slack.blocks.cvss import modal_view, state_from_vector
from bot.web import build_wsgi
from tests.databases import migrated_url
from tests.harness import BOT_TOKEN, SIGNING_SECRET, seed_workspace, test_settings
from tests.slack_api import FakeSlack, SlackDriver


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def changes(version: str) -> cycle[tuple[str, str]]:
    """(metric, value) pairs over every base metric, never the same value twice in a row."""
    steps = []
    for rounds in range(4):
        for metric in catalogue(version).base:
            steps.append((metric.key, metric.codes[rounds % len(metric.codes)]))
    return cycle(steps)


def run(count: int, version: str) -> None:
    slack = FakeSlack(bot_token=BOT_TOKEN).start()
    workspace = seed_workspace(slack)
    url, _ = migrated_url("sqlite", Path(tempfile.mkdtemp(prefix="cvss-bench-")))
    services = build_services(test_settings(slack, workspace, url))
    identify(services)
    app = build_app(services)
    server = BackgroundServer(build_wsgi(services, app)).start()
    driver = SlackDriver(f"{server.url}/slack/events", SIGNING_SECRET, slack)
    user = workspace.alice
    state = state_from_vector(None, version, incident="1", channel=workspace.general)
    view_id = services.gateway.open_view(slack.issue_trigger(user), modal_view(state))["id"]
    try:
        follow, acks = [], []
        steps = changes(version)
        for _ in range(count):
            key, code = next(steps)
            seen = len(slack.calls_to("views.update"))
            started = slack.now()
            response = driver.block_action(user, f"cvss_metric:{key}", value=code, view_id=view_id)
            acks.append(response.elapsed)
            while len(calls := slack.calls_to("views.update")) == seen:
                time.sleep(0.0002)
            update = calls[seen]
            assert update.ok, update.error
            follow.append(update.at - started)
    finally:
        server.stop()
        drain(app)
        slack.stop()
    ms = 1000
    print(f"CVSS {version}, {count} metric changes, one at a time")
    print(
        f"  block_actions -> views.update at Slack: p50 {percentile(follow, 0.5) * ms:.1f} ms, "
        f"p99 {percentile(follow, 0.99) * ms:.1f} ms, max {max(follow) * ms:.1f} ms"
    )
    print(
        f"  ack alone: p50 {percentile(acks, 0.5) * ms:.1f} ms, "
        f"p99 {percentile(acks, 0.99) * ms:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=500)
    parser.add_argument("--version", choices=("3.1", "4.0", "both"), default="both")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for version in ("3.1", "4.0") if args.version == "both" else (args.version,):
        run(args.changes, version)


if __name__ == "__main__":
    main()
