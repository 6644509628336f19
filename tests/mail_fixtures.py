"""Fixtures for mail tests: a TLS certificate per session, a local SMTP server per test,
and a bot's services whose mail goes to that server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.bootstrap import build_services
from bot.clock import ManualClock
from bot.database import Database
from bot.incident.models import Incident
from bot.mail.gateway import SmtpGateway
from bot.services import Services
from tests import harness
from tests.harness import Workspace
from tests.slack_api import FakeSlack
from tests.smtp_server import Certificate, MailServer

MAIL_FROM = "Security Team Bot <security-bot@example.org>"
REPLY_TO = "security@example.org"
NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return Certificate.make(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp(certificate: Certificate) -> Iterator[MailServer]:
    """A plain SMTP server that also offers STARTTLS (most submission servers do)."""
    server = MailServer.start(tls=certificate)
    yield server
    server.down()


def mail_services(
    db_url: str,
    slack: FakeSlack,
    workspace: Workspace,
    server: MailServer,
    certificate: Certificate | None = None,
    *,
    user: str | None = None,
    password: str | None = None,
    now: datetime = NOW,
    db: Database | None = None,
) -> Services:
    settings = harness.test_settings(slack, workspace, db_url).model_copy(
        update={"mail_from": MAIL_FROM, "mail_reply_to": REPLY_TO}
    )
    services = build_services(settings, clock=ManualClock(now), db=db or Database(db_url))
    services.mail = SmtpGateway(
        server.address(user, password),
        timeout=5,
        tls_context=certificate.client_context() if certificate else None,
    )
    return services


def seed_incident(db: Database, triage_ts: str | None, number: int = 1) -> int:
    with db.transaction() as session:
        incident = Incident(
            human_id=f"SEC-2026-{number:04d}",
            title="Token leak in the admission webhook",
            opened_by="U0SEED",
            reported_at=NOW,
            created_at=NOW,
            updated_at=NOW,
            phase="embargo",
            triage_ts=triage_ts,
        )
        session.add(incident)
        session.flush()
        return incident.id


def data_dir() -> Path:
    return Path(__file__).parent / "data"
