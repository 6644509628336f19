"""The mail transport against a real SMTP server: delivery, TLS, login, refusals, a dropped
connection, a server down for a while, two workers, and a worker killed mid-batch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config import ConfigError, load_settings
from bot.database import Database
from bot.mail import InvalidMail, OutboundMail, enqueue_mail, mail_domain
from bot.mail.address import parse_smtp_url
from bot.mail.worker import BACKOFF_FIRST, FAILURE_CAP, MailWorker
from bot.services import Services
from tests.harness import BOT_TOKEN, Workspace, wait_until
from tests.mail_fixtures import MAIL_FROM, NOW, REPLY_TO, mail_services, seed_incident
from tests.slack_api import FakeSlack
from tests.smtp_server import Certificate, MailServer

ROOT = Path(__file__).resolve().parents[1]


def queue(
    services: Services,
    count: int = 1,
    *,
    to: list[str] | None = None,
    incident_id: int | None = None,
    purpose: str = "distributor_notice",
) -> list[OutboundMail]:
    with services.db.transaction() as session:
        rows = [
            enqueue_mail(
                session,
                incident_id=incident_id,
                purpose=purpose,
                to=to or [f"security{n}@distro{n}.example"],
                subject=f"[EMBARGOED] CVE-2026-1234: notice {n}",
                body=f"Notice number {n}.\n.\nA line that starts with a dot, and ünïcode.\n",
                headers={"X-Embargo": "until 2026-03-10"},
                now=services.clock.now(),
                domain=mail_domain(services.settings),
            )
            for n in range(count)
        ]
        session.expunge_all()
    return rows


def row(db: Database, mail_id: int) -> OutboundMail:
    with db.transaction() as session:
        found = session.get(OutboundMail, mail_id)
        assert found is not None
        session.expunge(found)
        return found


def states(db: Database) -> Counter[str]:
    with db.transaction() as session:
        found = session.execute(select(OutboundMail.state, func.count()).group_by("state"))
        return Counter(dict(found.all()))


@pytest.fixture
def services(
    db: Database, slack: FakeSlack, workspace: Workspace, smtp: MailServer, certificate: Certificate
) -> Services:
    return mail_services(db.url, slack, workspace, smtp, certificate, db=db)


def test_a_queued_message_arrives_once_over_starttls_with_its_headers(
    services: Services, smtp: MailServer, db: Database
) -> None:
    (queued,) = queue(services)
    report = MailWorker(services).run()
    assert report.sent == 1
    (received,) = smtp.messages
    assert received.secure
    assert received.sender == "security-bot@example.org"
    assert received.recipients == ("security0@distro0.example",)
    message = received.message
    assert message["From"] == MAIL_FROM
    assert message["To"] == "security0@distro0.example"
    assert message["Reply-To"] == REPLY_TO
    assert message["Subject"] == "[EMBARGOED] CVE-2026-1234: notice 0"
    assert message["Message-ID"] == queued.message_id
    assert queued.message_id.endswith("@example.org>")
    assert message["X-Embargo"] == "until 2026-03-10"
    assert message["Date"].datetime == NOW
    assert received.body.replace("\r\n", "\n") == (
        "Notice number 0.\n.\nA line that starts with a dot, and ünïcode.\n"
    )
    sent = row(db, queued.id)
    assert sent.state == "sent" and sent.accepted_at == NOW
    assert "queued as" in (sent.server_reply or "")
    assert sent.next_attempt_at is None
    assert MailWorker(services).run().sent == 0  # nothing twice
    assert len(smtp.messages) == 1


def test_each_message_has_its_own_message_id(services: Services, smtp: MailServer) -> None:
    queue(services, 5)
    MailWorker(services).run()
    ids = smtp.per_message_id()
    assert len(ids) == 5 and set(ids.values()) == {1}
    assert len(smtp.messages) == 5 and smtp.sessions == 1  # one connection for the batch


def test_login_over_starttls(
    db: Database, slack: FakeSlack, workspace: Workspace, certificate: Certificate
) -> None:
    server = MailServer.start(tls=certificate, users={"bot": "s3cret"})
    try:
        services = mail_services(
            db.url, slack, workspace, server, certificate, user="bot", password="s3cret", db=db
        )
        queue(services)
        assert MailWorker(services).run().sent == 1
        (received,) = server.messages
        assert received.secure and received.login == "bot"
    finally:
        server.down()


def test_login_over_smtps(
    db: Database, slack: FakeSlack, workspace: Workspace, certificate: Certificate
) -> None:
    server = MailServer.start(implicit_tls=certificate, users={"bot": "s3cret"})
    try:
        services = mail_services(
            db.url, slack, workspace, server, certificate, user="bot", password="s3cret", db=db
        )
        queue(services)
        assert MailWorker(services).run().sent == 1
        (received,) = server.messages
        assert received.secure and received.login == "bot"
    finally:
        server.down()


def test_a_wrong_password_or_a_server_without_tls_keeps_the_mail_for_later(
    db: Database, slack: FakeSlack, workspace: Workspace, certificate: Certificate
) -> None:
    server = MailServer.start(tls=certificate, users={"bot": "s3cret"})
    plain = MailServer.start()
    try:
        wrong = mail_services(
            db.url, slack, workspace, server, certificate, user="bot", password="nope", db=db
        )
        (first,) = queue(wrong)
        assert MailWorker(wrong).run().retried == 1
        kept = row(db, first.id)
        assert kept.state == "pending" and kept.attempts == 1
        assert "535" in (kept.last_error or "")
        clear = mail_services(db.url, slack, workspace, plain, user="bot", password="s3cret", db=db)
        clear.clock.advance(BACKOFF_FIRST)  # type: ignore[attr-defined]
        assert MailWorker(clear).run().retried == 1
        kept = row(db, first.id)
        assert "refusing to send the SMTP password in clear" in (kept.last_error or "")
        assert server.messages == [] and plain.messages == []
    finally:
        server.down()
        plain.down()


def test_an_untrusted_certificate_is_refused(
    db: Database, slack: FakeSlack, workspace: Workspace, smtp: MailServer
) -> None:
    services = mail_services(db.url, slack, workspace, smtp, certificate=None, db=db)
    (queued,) = queue(services)
    MailWorker(services).run()
    assert smtp.messages == []
    assert "certificate" in (row(db, queued.id).last_error or "")


def test_a_4xx_answer_is_retried_with_backoff_and_delivered_once(
    services: Services, smtp: MailServer, db: Database
) -> None:
    smtp.answer_data("451 4.3.0 Mailbox busy, try later", times=2)
    (queued,) = queue(services)
    assert MailWorker(services).run().retried == 1
    first = row(db, queued.id)
    assert first.state == "pending" and first.attempts == 1
    assert first.next_attempt_at == NOW + BACKOFF_FIRST
    assert "451" in (first.last_error or "")
    assert MailWorker(services).run().claimed == 0  # not before the backoff ends
    services.clock.advance(BACKOFF_FIRST)  # type: ignore[attr-defined]
    MailWorker(services).run()
    second = row(db, queued.id)
    assert second.attempts == 2
    assert second.next_attempt_at == NOW + BACKOFF_FIRST + 2 * BACKOFF_FIRST
    services.clock.advance(2 * BACKOFF_FIRST)  # type: ignore[attr-defined]
    assert MailWorker(services).run().sent == 1
    assert smtp.per_message_id() == {queued.message_id: 1}
    assert row(db, queued.id).state == "sent"


def test_a_5xx_answer_gives_up_at_once_and_is_said_in_the_triage_thread(
    services: Services, smtp: MailServer, db: Database, slack: FakeSlack, workspace: Workspace
) -> None:
    parent = slack.add_message(workspace.triage, "U0SEED", "SEC-2026-0001 opened")
    incident_id = seed_incident(db, parent)
    smtp.refuse_recipient("gone@distro.example", "550 5.1.1 No such user here")
    (queued,) = queue(services, to=["gone@distro.example"], incident_id=incident_id)
    report = MailWorker(services).run()
    assert report.failed == 1 and report.reported == 1
    failed = row(db, queued.id)
    assert failed.state == "failed" and failed.permanent
    assert "550 5.1.1 No such user here" in (failed.last_error or "")
    assert failed.reported_at == NOW
    (told,) = slack.thread(workspace.triage, parent)
    assert "gone@distro.example" in told.text
    assert "refused for good" in told.text and "SEC-2026-0001" in told.text
    MailWorker(services).run()  # told once
    assert len(slack.thread(workspace.triage, parent)) == 1
    assert smtp.messages == []


def test_one_refused_recipient_does_not_stop_the_others(
    services: Services, smtp: MailServer, db: Database
) -> None:
    smtp.refuse_recipient("gone@distro.example", "550 5.1.1 No such user here")
    (queued,) = queue(services, to=["security@distro.example", "gone@distro.example"])
    MailWorker(services).run()
    (received,) = smtp.messages
    assert received.recipients == ("security@distro.example",)
    sent = row(db, queued.id)
    assert sent.state == "sent"
    assert sent.refused == {"gone@distro.example": "550 5.1.1 No such user here"}


def test_a_dropped_connection_is_retried_and_the_rest_of_the_batch_goes_on(
    services: Services, smtp: MailServer, db: Database
) -> None:
    rows = queue(services, 3)
    smtp.drop_next(1)
    report = MailWorker(services).run()
    assert report.sent == 2 and report.retried == 1
    assert row(db, rows[0].id).state == "pending"
    assert "connection lost" in (row(db, rows[0].id).last_error or "")
    services.clock.advance(BACKOFF_FIRST)  # type: ignore[attr-defined]
    assert MailWorker(services).run().sent == 1
    assert smtp.per_message_id() == Counter({r.message_id: 1 for r in rows})


def test_a_server_down_for_a_while_gets_everything_once_when_it_is_back(
    services: Services, smtp: MailServer, db: Database
) -> None:
    rows = queue(services, 4)
    smtp.down()
    report = MailWorker(services).run()
    assert report.retried == 4 and report.sent == 0
    assert all("cannot reach" in (row(db, r.id).last_error or "") for r in rows)
    services.clock.advance(BACKOFF_FIRST)  # type: ignore[attr-defined]
    assert MailWorker(services).run().retried == 4  # still down
    smtp.up()
    services.clock.advance(2 * BACKOFF_FIRST)  # type: ignore[attr-defined]
    assert MailWorker(services).run().sent == 4
    assert smtp.per_message_id() == Counter({r.message_id: 1 for r in rows})
    assert states(services.db) == {"sent": 4}


def test_a_server_down_for_good_is_given_up_after_the_cap_and_reported(
    services: Services, smtp: MailServer, db: Database, slack: FakeSlack, workspace: Workspace
) -> None:
    parent = slack.add_message(workspace.triage, "U0SEED", "SEC-2026-0001 opened")
    incident_id = seed_incident(db, parent)
    (queued,) = queue(services, incident_id=incident_id)
    smtp.down()
    for _ in range(FAILURE_CAP):
        MailWorker(services).run()
        services.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    failed = row(db, queued.id)
    assert failed.state == "failed" and not failed.permanent
    assert failed.attempts == FAILURE_CAP
    (told,) = slack.thread(workspace.triage, parent)
    assert "not delivered" in told.text and "cannot reach" in told.text


def test_a_report_that_slack_could_not_take_is_tried_again(
    services: Services, smtp: MailServer, db: Database, slack: FakeSlack, workspace: Workspace
) -> None:
    parent = slack.add_message(workspace.triage, "U0SEED", "SEC-2026-0001 opened")
    incident_id = seed_incident(db, parent)
    smtp.refuse_recipient("gone@distro.example", "550 5.1.1 No such user here")
    (queued,) = queue(services, to=["gone@distro.example"], incident_id=incident_id)
    slack.fail("chat.postMessage", status=503, times=None)
    assert MailWorker(services).run().reported == 0
    assert row(db, queued.id).reported_at is None
    slack.clear_faults()
    assert MailWorker(services).run().reported == 1
    assert len(slack.thread(workspace.triage, parent)) == 1


def test_a_rolled_back_change_sends_nothing(services: Services, smtp: MailServer) -> None:
    with pytest.raises(RuntimeError), services.db.transaction() as session:
        enqueue_mail(
            session,
            incident_id=None,
            purpose="distributor_notice",
            to=["security@distro.example"],
            subject="never",
            body="never",
            now=NOW,
            domain="example.org",
        )
        raise RuntimeError("the change that wanted the mail failed")
    MailWorker(services).run()
    assert smtp.messages == []
    assert states(services.db) == Counter()


def test_the_same_dedupe_key_queues_one_message(services: Services, smtp: MailServer) -> None:
    for _ in range(2):
        with services.db.transaction() as session:
            enqueue_mail(
                session,
                incident_id=None,
                purpose="distributor_notice",
                to=["security@distro.example"],
                subject="once",
                body="once",
                now=NOW,
                domain="example.org",
                dedupe_key="notice:1:distro",
            )
    MailWorker(services).run()
    assert len(smtp.messages) == 1


@pytest.mark.parametrize(
    ("to", "headers", "error"),
    [
        (["not an address"], {}, "expected a plain address"),
        ([], {}, "at least one recipient"),
        (["a@b.example"], {"Bcc": "spy@evil.example"}, "set by the mail worker"),
        (["a@b.example"], {"X-Note": "one\r\nBcc: spy@evil.example"}, "must be one line"),
        (["a@b.example"], {"Bad Name": "x"}, "not a valid header name"),
    ],
)
def test_bad_input_is_refused_with_what_was_wrong(
    services: Services, to: list[str], headers: dict[str, str], error: str
) -> None:
    with services.db.transaction() as session, pytest.raises(InvalidMail, match=error):
        enqueue_mail(
            session,
            incident_id=None,
            purpose="test",
            to=to,
            subject="s",
            body="b",
            headers=headers,
            now=NOW,
            domain="example.org",
        )


def test_smtp_url_settings_are_checked_and_the_password_never_shown() -> None:
    address = parse_smtp_url("smtps://bot%40example.org:p%3Ass@mail.example.org")
    assert (address.host, address.port, address.user, address.password) == (
        "mail.example.org",
        465,
        "bot@example.org",
        "p:ss",
    )
    assert "p:ss" not in repr(address)
    assert parse_smtp_url("smtp://mail.example.org").port == 25
    with pytest.raises(ConfigError, match="SMTP_URL: expected an smtp:// or smtps:// URL"):
        load_settings(_env_file=None, smtp_url="http://mail.example.org")
    with pytest.raises(ConfigError, match="MAIL_FROM: expected an address"):
        load_settings(_env_file=None, mail_from="security team")


def test_two_workers_send_each_of_100_messages_exactly_once(
    services: Services,
    smtp: MailServer,
    db: Database,
    slack: FakeSlack,
    workspace: Workspace,
    certificate: Certificate,
) -> None:
    rows = queue(services, 100)
    workers = [mail_services(db.url, slack, workspace, smtp, certificate) for _ in range(2)]
    errors: list[BaseException] = []

    def run(other: Services) -> None:
        try:
            MailWorker(other, batch=10).run()
        except BaseException as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(other,)) for other in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for other in workers:
        other.db.dispose()
    assert not errors
    assert smtp.per_message_id() == Counter({r.message_id: 1 for r in rows})
    assert states(db) == {"sent": 100}


def test_a_worker_killed_mid_batch_delivers_each_message_exactly_once(
    db: Database,
    slack: FakeSlack,
    workspace: Workspace,
    smtp: MailServer,
    certificate: Certificate,
) -> None:
    lease = 2.0
    start = datetime.now(NOW.tzinfo)
    services = mail_services(db.url, slack, workspace, smtp, certificate, now=start, db=db)
    rows = queue(services, 25)
    smtp.hold(0.15)  # every answer to a message's data comes a little late
    env = dict(
        os.environ,
        DATABASE_URL=db.url,
        SMTP_URL=smtp.url(),
        MAIL_FROM=MAIL_FROM,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=slack.base_url,
        TRIAGE_CHANNEL=workspace.triage,
        SECURITY_TEAM=",".join(workspace.roster),
        LEASE_SECONDS=str(lease),
    )
    # The server offers STARTTLS with a certificate only the tests trust: the worker
    # process trusts it through the standard OpenSSL variable.
    env["SSL_CERT_FILE"] = str(certificate.cert)
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.mail_worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until(lambda: len(smtp.messages) >= 7, timeout=60, what="seven messages")
        # Kill it while the server holds the answer to a message: sent, not yet accepted.
        assert smtp.holding.wait(timeout=10)
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.kill()
        worker.wait()
    smtp.hold(0)
    cut_short = states(db)
    assert cut_short["sending"] >= 1  # the claimed batch, one of them in flight
    assert 7 <= cut_short["sent"] < 25
    delivered = sum(1 for received in smtp.messages)
    assert delivered == cut_short["sent"]  # every acceptance was recorded

    # Another worker, once the lease has run out, finishes the batch.
    later = mail_services(
        db.url,
        slack,
        workspace,
        smtp,
        certificate,
        now=datetime.now(NOW.tzinfo) + timedelta(seconds=lease + 1),
    )
    try:
        MailWorker(later).run()
    finally:
        later.db.dispose()
    assert states(db) == {"sent": 25}
    assert smtp.per_message_id() == Counter({r.message_id: 1 for r in rows})


def test_without_mail_settings_queued_mail_waits_and_the_log_says_so(
    db: Database,
    slack: FakeSlack,
    workspace: Workspace,
    smtp: MailServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    services = mail_services(db.url, slack, workspace, smtp, db=db)
    services.mail = None
    (queued,) = queue(services)
    assert MailWorker(services).run().sent == 0
    assert "1 email(s) waiting: set SMTP_URL and MAIL_FROM" in caplog.text
    assert row(db, queued.id).state == "pending" and smtp.messages == []
