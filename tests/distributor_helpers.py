"""A running bot whose mail goes to a local SMTP server, and the steps of an embargo."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from pydantic import SecretStr

from bot.bootstrap import build_services, identify
from bot.clock import ManualClock
from bot.database import Database
from bot.incident.models import Incident
from bot.mail.gateway import SmtpGateway
from bot.mail.worker import MailWorker
from tests import harness
from tests.harness import START, RunningBot, Workspace, wait_until
from tests.mail_fixtures import MAIL_FROM, REPLY_TO
from tests.slack_api import FakeSlack
from tests.smtp_server import Certificate, MailServer, Received

ANNOUNCE_LIST = "announce@project.example"
OSS_SECURITY = "oss-security@lists.openwall.com"
LINK = re.compile(r"(https?://\S+/ack\?t=\S+)")


@dataclass
class MailBot:
    bot: RunningBot
    smtp: MailServer

    @property
    def services(self):  # type: ignore[no-untyped-def]
        return self.bot.services

    def send_mail(self) -> None:
        """Run the mail worker once everything queued so far is in (as the job would)."""
        self.bot.services.background.wait()
        MailWorker(self.bot.services).run()


@pytest.fixture
def mailbot(
    db: Database,
    slack: FakeSlack,
    workspace: Workspace,
    smtp: MailServer,
    certificate: Certificate,
) -> Iterator[MailBot]:
    settings = harness.test_settings(slack, workspace, db.url).model_copy(
        update={
            "smtp_url": SecretStr(smtp.url()),
            "mail_from": MAIL_FROM,
            "mail_reply_to": REPLY_TO,
            "announce_to": [ANNOUNCE_LIST, OSS_SECURITY],
            "announce_channel": workspace.general,
            "announce_project": "example",
            "announce_timezone": "America/Los_Angeles",
        }
    )
    services = build_services(settings, clock=ManualClock(START), db=db)
    services.mail = SmtpGateway(smtp.address(), timeout=5, tls_context=certificate.client_context())
    services.background.defer = _no_mail_kick(services.background.defer)  # type: ignore[method-assign]
    identify(services)
    running = RunningBot(services, slack, workspace)
    # The links in notices point at this bot's own HTTP server.
    services.settings = settings.model_copy(update={"public_url": running.server.url})
    yield MailBot(running, smtp)
    running.stop()


def _no_mail_kick(defer):  # type: ignore[no-untyped-def]
    """Tests send mail when they choose (MailBot.send_mail), not whenever a form asks."""
    from bot.mail.worker import send_now

    def deferred(job, *args):  # type: ignore[no-untyped-def]
        if job is send_now:
            return None
        return defer(job, *args)

    return deferred


def ack_link(received: Received) -> str:
    found = LINK.search(received.body.replace("\r\n", "\n"))
    assert found, "no acknowledgement link in the notice"
    return found.group(1)


def open_link(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


def confirm_link(url: str) -> tuple[int, str]:
    parts = urllib.parse.urlsplit(url)
    token = urllib.parse.parse_qs(parts.query)["t"][0]
    data = urllib.parse.urlencode({"t": token}).encode()
    target = f"{parts.scheme}://{parts.netloc}{parts.path}"
    with urllib.request.urlopen(target, data=data, timeout=5) as response:
        return response.status, response.read().decode()


def wait_for_view(bot: RunningBot, user: str, callback: str) -> dict:
    return wait_until(
        lambda: (
            (view := bot.slack.open_view_for(user)) and view["callback_id"] == callback and view
        ),
        what=f"the {callback} modal",
    )


def incident_now(bot: RunningBot, incident: Incident) -> Incident:
    return bot.incident(incident.human_id)


def at(moment: datetime) -> int:
    return int(moment.timestamp())
