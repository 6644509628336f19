"""A running bot wired to the project's local Slack server, as the tests drive it.

What the tests do with it, in the words of the people using the bot (report, open an
incident, run a command, click a button, set the lead, read the offers), is
tests/vocabulary.py."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import build_services, identify
from bot.clock import ManualClock
from bot.config import Settings
from bot.database import Database
from bot.incident.models import Incident
from bot.server import BackgroundServer
from bot.services import Services
from bot.slack.app import build_app, drain
from bot.web import build_wsgi
from tests.intake_signing import intake_settings
from tests.slack_api import FakeSlack, SlackDriver

BOT_TOKEN = "xoxb-test-0000-bot-token"
SIGNING_SECRET = "test-signing-secret-5f2b8c"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning


@dataclass
class Workspace:
    alice: str
    bob: str
    carol: str
    dave: str  # not on the security team
    erin: str  # on the roster but deactivated
    triage: str
    general: str

    @property
    def roster(self) -> list[str]:
        return [self.alice, self.bob, self.carol, self.erin]


def seed_workspace(slack: FakeSlack) -> Workspace:
    slack.reset()
    alice = slack.add_user("alice", real_name="Alice Ng")
    bob = slack.add_user("bob", real_name="Bob Okafor")
    carol = slack.add_user("carol", real_name="Carol Díaz")
    dave = slack.add_user("dave", real_name="Dave Reporter")
    erin = slack.add_user("erin", real_name="Erin Gone", deleted=True)
    triage = slack.add_channel(
        "security-triage", is_private=True, members=[alice, bob, carol, slack.bot_user_id]
    )
    general = slack.add_channel(
        "general", is_private=False, members=[alice, bob, carol, dave, slack.bot_user_id]
    )
    return Workspace(alice, bob, carol, dave, erin, triage, general)


def test_settings(slack: FakeSlack, workspace: Workspace, database_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.base_url,
        database_url=database_url,
        security_team=workspace.roster,
        triage_channel=workspace.triage,
    )


def wait_until(condition: Callable[[], Any], timeout: float = 5.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.01)


class ListenerWork:
    """Counts the Bolt listeners still running after their ack: the app's listener executor
    reports each one it takes and each one that ends, so a test can wait for the bot to be
    done instead of guessing how long that takes."""

    def __init__(self, executor: Any) -> None:
        self._pending: set[Any] = set()
        self._lock = threading.Lock()
        submit = executor.submit

        def tracked(*args: Any, **kwargs: Any) -> Any:
            future = submit(*args, **kwargs)
            with self._lock:
                self._pending.add(future)
            future.add_done_callback(self._done)
            return future

        executor.submit = tracked

    def _done(self, future: Any) -> None:
        with self._lock:
            self._pending.discard(future)

    def wait(self, timeout: float) -> bool:
        with self._lock:
            pending = set(self._pending)
        _, not_done = futures_wait(pending, timeout=timeout)
        return not not_done

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._pending)


def wait_idle(
    services: Services, listeners: ListenerWork | None = None, timeout: float = 60.0
) -> None:
    """Wait until the bot has no work in progress: no listener running after its ack and
    nothing deferred to its background pool (work that defers more work is waited for too).
    The timeout only bounds a hang; it is not the expected time."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"the bot was still busy after {timeout:.0f} s")
        if listeners is not None and not listeners.wait(left):
            continue
        if not services.background.wait(max(0.0, deadline - time.monotonic())):
            continue
        if listeners is None or not listeners.busy:
            return


class RunningBot:
    def __init__(self, services: Services, slack: FakeSlack, workspace: Workspace) -> None:
        self.services = services
        self.slack = slack
        self.workspace = workspace
        self.app = build_app(services)
        self.listeners = ListenerWork(self.app.listener_runner.listener_executor)
        self.server = BackgroundServer(build_wsgi(services, self.app)).start()
        self.driver = SlackDriver(
            bot_url=f"{self.server.url}/slack/events",
            signing_secret=SIGNING_SECRET,
            slack=slack,
        )

    @property
    def clock(self) -> ManualClock:
        assert isinstance(self.services.clock, ManualClock)
        return self.services.clock

    def incidents(self) -> list[Incident]:
        with self.services.db.transaction() as session:
            return list(session.scalars(select(Incident).order_by(Incident.id)))

    def incident(self, human_id: str | None = None) -> Incident:
        found = self.incidents()
        if human_id is not None:
            found = [i for i in found if i.human_id == human_id]
        assert found, "no incident stored"
        return found[-1]

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Wait until every request sent so far has been fully handled (see `wait_idle`)."""
        # A subclass that builds its own app (Socket Mode) has no listener count.
        wait_idle(self.services, getattr(self, "listeners", None), timeout)

    def wait_for_setup(self, count: int = 1) -> list[Incident]:
        def done() -> list[Incident] | None:
            found = self.incidents()
            ready = [i for i in found if i.setup_complete and i.opener_told]
            return found if len(ready) >= count else None

        # The bound only catches a hang: on a loaded machine a set-up takes seconds.
        return wait_until(done, timeout=30.0, what=f"{count} incident set-up(s)")

    def stop(self) -> None:
        self.server.stop()
        drain(self.app)  # no listener may still be writing when the next test empties tables
        self.services.background.wait()
        self.services.db.dispose()


@pytest.fixture(scope="session")
def slack() -> Iterator[FakeSlack]:
    server = FakeSlack(bot_token=BOT_TOKEN)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def workspace(slack: FakeSlack) -> Workspace:
    return seed_workspace(slack)


@pytest.fixture
def bot(db: Database, slack: FakeSlack, workspace: Workspace) -> Iterator[RunningBot]:
    settings = test_settings(slack, workspace, db.url)
    services = build_services(settings, clock=ManualClock(START), db=db)
    identify(services)
    running = RunningBot(services, slack, workspace)
    yield running
    running.stop()


@pytest.fixture
def intake_bot(db: Database, slack: FakeSlack, workspace: Workspace) -> Iterator[RunningBot]:
    """The bot with its signed intake endpoints served."""
    settings = intake_settings(test_settings(slack, workspace, db.url))
    services = build_services(settings, clock=ManualClock(START), db=db)
    identify(services)
    running = RunningBot(services, slack, workspace)
    yield running
    # Set-ups run after the answer; let them end before the next test empties the tables.
    assert running.services.background.wait()
    running.stop()
