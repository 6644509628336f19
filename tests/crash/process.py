"""The bot as a real process (`python -m bot run` in a subprocess), for tests that kill it
at an exact point and start another on the same database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from sqlalchemy import select

from bot.database import Database
from bot.incident.models import Incident
from tests.harness import BOT_TOKEN, SIGNING_SECRET, Workspace, wait_until
from tests.slack_api import FakeSlack

ROOT = Path(__file__).resolve().parents[2]
LEASE = 2.0  # seconds; the default is 30, which would only make the test slower


class BotProcess:
    """`python -m bot run` on a free port, its log in a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=log.parent,  # no .env from the working tree
                env={**env, "PORT": str(self.port)},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_until(self._ready, timeout=30, what=f"the bot on port {self.port}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the bot exited: {self.log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as answer:
                return answer.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def reconciled(self) -> bool:
        return "start-up reconcile done" in self.log.read_text()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bot_env(db: Database, slack: FakeSlack, workspace: Workspace) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": db.url,
        "SLACK_API_URL": slack.base_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SECURITY_TEAM": ",".join(workspace.roster),
        "TRIAGE_CHANNEL": workspace.triage,
        "SETUP_LEASE_SECONDS": str(LEASE),
    }


def incidents(db: Database) -> list[Incident]:
    with db.transaction() as session:
        return list(session.scalars(select(Incident).order_by(Incident.id)))


def quiet(slack: FakeSlack, seconds: float = 0.5) -> None:
    """Wait until the bot has made no Slack call for ``seconds`` (hooks run after set-up)."""
    seen = -1
    while len(slack.calls) != seen:
        seen = len(slack.calls)
        time.sleep(seconds)
