"""What the durable outbox costs per message: the mail worker (claim, lease renewal, the
acceptance recorded after each 250) against handing the same messages to the same local
SMTP server straight over one smtplib connection, in the same run, on SQLite and
PostgreSQL. Run by hand from the project root:

    python -m bench.mail_outbox [--messages 300]
"""

from __future__ import annotations

import argparse
import smtplib
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import ManualClock
from bot.config import Settings
from bot.database import Database
from bot.mail import enqueue_mail
from bot.mail.gateway import SmtpGateway
from bot.mail.message import build_message
from bot.mail.worker import MailWorker
from bot.roster.service import Roster
from bot.services import Services
from bot.slack.gateway import SlackGateway
from bot.slack.triage import TriageChannel
from tests.databases import drop_postgres_schema, empty_tables, migrated_url
from tests.smtp_server import MailServer

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
SENDER = "bot@example.org"


def direct(server: MailServer, count: int) -> float:
    started = time.perf_counter()
    with smtplib.SMTP(server.host, server.port, timeout=10) as client:
        for n in range(count):
            message = build_message(
                sender=SENDER,
                recipients=[f"d{n}@example.net"],
                subject=f"notice {n}",
                body="text\n" * 20,
                message_id=f"<direct{n}@example.org>",
                headers={},
                date=NOW,
            )
            client.send_message(message)
    return time.perf_counter() - started


def outbox(server: MailServer, url: str, count: int) -> float:
    db = Database(url)
    empty_tables(db)
    settings = Settings(_env_file=None, database_url=url, mail_from=SENDER)  # type: ignore[call-arg]
    from slack_sdk import WebClient

    gateway = SlackGateway(WebClient(token="xoxb-unused"))
    services = Services(
        settings=settings,
        db=db,
        clock=ManualClock(NOW),
        gateway=gateway,
        roster=Roster([], None),
        triage=TriageChannel(gateway, None),
        mail=SmtpGateway(server.address()),
    )
    with db.transaction() as session:
        for n in range(count):
            enqueue_mail(
                session,
                incident_id=None,
                purpose="bench",
                to=[f"d{n}@example.net"],
                subject=f"notice {n}",
                body="text\n" * 20,
                now=NOW,
                domain="example.org",
            )
    started = time.perf_counter()
    report = MailWorker(services).run()
    elapsed = time.perf_counter() - started
    assert report.sent == count, report
    db.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300)
    count = parser.parse_args().messages
    server = MailServer.start()
    try:
        baseline = direct(server, count)
        print(f"direct smtplib, one connection: {baseline / count * 1000:.2f} ms/message")
        with tempfile.TemporaryDirectory() as folder:
            for backend in ("sqlite", "postgresql"):
                workdir = Path(folder) / backend
                workdir.mkdir()
                url, schema = migrated_url(backend, workdir)
                try:
                    spent = outbox(server, url, count)
                finally:
                    if schema:
                        drop_postgres_schema(schema)
                print(
                    f"outbox worker on {backend}: {spent / count * 1000:.2f} ms/message "
                    f"({spent / baseline:.1f}x direct)"
                )
    finally:
        server.down()


if __name__ == "__main__":
    main()
