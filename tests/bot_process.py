"""The bot as an operator runs it: `python -m bot` in a subprocess, its log in a file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from tests.harness import BOT_TOKEN, SIGNING_SECRET, Workspace, wait_until
from tests.slack_api import FakeSlack

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_env(database_url: str, slack: FakeSlack, workspace: Workspace) -> dict[str, str]:
    """The settings of a bot against the local Slack server, as environment variables."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "SLACK_API_URL": slack.base_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SECURITY_TEAM": ",".join(workspace.roster),
        "TRIAGE_CHANNEL": workspace.triage,
    }


class BotProcess:
    def __init__(self, env: dict[str, str], log: Path, *args: str) -> None:
        self.log = log
        self.port = free_port()
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", *args],
                cwd=log.parent,  # no .env from the working tree
                env={**env, "PORT": str(self.port)},
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text()

    def health(self) -> int | None:
        """The /healthz status, or None while nothing answers on the port."""
        if self.process.poll() is not None:
            raise AssertionError(f"the bot exited: {self.output()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except (urllib.error.URLError, OSError):
            return None

    def wait_serving(self, status: int = 200) -> None:
        wait_until(lambda: self.health() == status, timeout=30, what=f"/healthz {status}")

    def wait_logged(self, text: str, timeout: float = 30) -> None:
        wait_until(lambda: text in self.output(), timeout=timeout, what=f"log line {text!r}")

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def exit_code(self, timeout: float = 30) -> int:
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
