"""The mail worker: claim due messages, send each, record each outcome. Every replica runs it.

Per batch: one transaction leases the due rows; one SMTP connection carries them in turn.
Per message: renew the lease (still ours?), send, and record the server's acceptance in a
transaction of its own straight away, before anything else. A temporary failure (4xx, a
dropped connection, the server down) backs off and retries; after FAILURE_CAP failures,
or on a permanent refusal (5xx), the message is given up. Given-up messages are handed to
the `mail_settled` hooks (the triage thread hears of them) until a hook run succeeds.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update

from bot.database import changed_one
from bot.mail import outbox
from bot.mail.errors import MailError, MailNotConfigured
from bot.mail.gateway import SmtpConnection, SmtpGateway
from bot.mail.message import build_message
from bot.mail.models import MailState, OutboundMail
from bot.mail.outbox import MailClaim, MailOutcome

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

BATCH = 20  # messages claimed per transaction (and sent over one connection)
LEASE = timedelta(seconds=120)  # one message's send: above the gateway's socket timeouts
FAILURE_CAP = 8  # temporary failures before giving up (about 2 hours of backoff)
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(minutes=30)
REPORTS_PER_RUN = 20


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class MailReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    reported: int = 0


@dataclass
class MailWorker:
    services: Services
    worker: str = field(default_factory=worker_name)
    batch: int = BATCH
    lease: timedelta = LEASE
    gateway: SmtpGateway | None = None

    def __post_init__(self) -> None:
        if self.gateway is None:
            self.gateway = self.services.mail

    def run(self) -> MailReport:
        """Send batches until nothing is due, then report what was given up."""
        report = MailReport()
        if self.gateway is not None and self.services.settings.mail_from:
            while self._one_batch(report) >= self.batch:
                pass
        else:
            self._warn_unsent()
        self._report_given_up(report)
        return report

    def _warn_unsent(self) -> None:
        """Mail is queued but cannot go out: say so in the log (it waits, nothing is lost)."""
        with self.services.db.transaction() as session:
            waiting = session.scalar(
                select(func.count()).where(
                    OutboundMail.next_attempt_at <= self.services.clock.now()
                )
            )
        if waiting:
            log.warning("%d email(s) waiting: set SMTP_URL and MAIL_FROM to send them", waiting)

    def _one_batch(self, report: MailReport) -> int:
        services = self.services
        now = services.clock.now()
        with services.db.transaction() as session:
            result = outbox.claim_due(session, now, self.batch, self.worker, self.lease)
        report.claimed += len(result.claims)
        report.failed += len(result.gave_up)
        if result.claims:
            self._send_all(result.claims, report)
        return len(result.claims) + len(result.gave_up)

    def _send_all(self, claims: list[MailClaim], report: MailReport) -> None:
        assert self.gateway is not None
        pending = list(claims)
        connection: SmtpConnection | None = None
        try:
            while pending:
                claim = pending.pop(0)
                if not self._renew(claim):
                    continue
                if connection is None or connection.broken:
                    if connection is not None:
                        connection.close()
                        connection = None
                    try:
                        connection = self.gateway.open()
                    except MailError as error:
                        # No session with the server (down, refusing us, a setting wrong):
                        # none of the batch went out; each retries later, a fix may come.
                        for waiting in [claim, *pending]:
                            self._failed(waiting, error, report, temporary=True)
                        return
                try:
                    self._send_one(connection, claim, report)
                except MailError as error:
                    self._failed(claim, error, report, temporary=error.temporary)
        finally:
            if connection is not None:
                connection.close()

    def _renew(self, claim: MailClaim) -> bool:
        services = self.services
        with services.db.transaction() as session:
            return outbox.renew(session, claim, self.worker, services.clock.now() + self.lease)

    def _send_one(self, connection: SmtpConnection, claim: MailClaim, report: MailReport) -> None:
        services = self.services
        settings = services.settings
        assert settings.mail_from is not None
        message = build_message(
            sender=settings.mail_from,
            recipients=claim.recipients,
            subject=claim.subject,
            body=claim.body,
            message_id=claim.message_id,
            headers=claim.headers,
            date=services.clock.now(),
            reply_to=settings.mail_reply_to,
        )
        accepted = connection.send(message, settings.mail_from, list(claim.recipients))
        # Nothing may come between the server's yes and this record.
        with services.db.transaction() as session:
            outbox.mark_accepted(
                session,
                claim,
                self.worker,
                services.clock.now(),
                accepted.reply,
                accepted.refused,
            )
        report.sent += 1
        services.hooks.mail_settled_run(
            services,
            MailOutcome(
                mail_id=claim.mail_id,
                incident_id=claim.incident_id,
                purpose=claim.purpose,
                message_id=claim.message_id,
                recipients=claim.recipients,
                subject=claim.subject,
                state=MailState.SENT.value,
                refused=accepted.refused or None,
            ),
        )

    def _failed(
        self, claim: MailClaim, error: MailError, report: MailReport, *, temporary: bool
    ) -> None:
        services = self.services
        now = services.clock.now()
        with services.db.transaction() as session:
            if temporary:
                backoff = min(BACKOFF_FIRST * (2**claim.attempts), BACKOFF_MAX)
                gave_up = outbox.retry_later(
                    session,
                    claim,
                    self.worker,
                    now,
                    now + backoff,
                    str(error),
                    cap=FAILURE_CAP,
                )
            else:
                gave_up = outbox.refuse(session, claim, self.worker, now, str(error))
        if gave_up is None:
            report.retried += 1
        else:
            report.failed += 1
            log.warning("mail %s (%s) given up: %s", claim.message_id, claim.purpose, error)

    def _report_given_up(self, report: MailReport) -> None:
        """Each given-up message goes to the hooks once they all succeed; a failed hook run
        hands it back for the next run (two replicas never report the same one at once)."""
        services = self.services
        now = services.clock.now()
        with services.db.transaction() as session:
            ids = list(
                session.scalars(
                    select(OutboundMail.id)
                    .where(
                        OutboundMail.state == MailState.FAILED.value,
                        OutboundMail.reported_at.is_(None),
                    )
                    .order_by(OutboundMail.id)
                    .limit(REPORTS_PER_RUN)
                )
            )
        for mail_id in ids:
            with services.db.transaction() as session:
                taken = changed_one(
                    session,
                    update(OutboundMail)
                    .where(OutboundMail.id == mail_id, OutboundMail.reported_at.is_(None))
                    .values(reported_at=now)
                    .execution_options(synchronize_session=False),
                )
                if not taken:
                    continue
                row = session.get(OutboundMail, mail_id)
                assert row is not None
                settled = outbox.outcome(row)
            if services.hooks.mail_settled_run(services, settled):
                report.reported += 1
                continue
            with services.db.transaction() as session:
                session.execute(
                    update(OutboundMail)
                    .where(OutboundMail.id == mail_id)
                    .values(reported_at=None)
                    .execution_options(synchronize_session=False)
                )


def run_outbox(services: Services) -> MailReport:
    """The job's entry point: one worker per Services, so the worker name stays."""
    worker = getattr(services, "_mail_worker", None)
    if worker is None:
        worker = MailWorker(services)
        services._mail_worker = worker  # type: ignore[attr-defined]
    return worker.run()


def send_now(services: Services) -> MailReport:
    """A run outside the job (right after a form queued mail), under a name of its own, so
    it never shares leases with the job's worker running at the same time."""
    return MailWorker(services).run()


def check_configured(services: Services) -> None:
    """Raise MailNotConfigured when mail cannot go out, saying which setting is missing."""
    missing = [
        name
        for name, value in (
            ("SMTP_URL", services.settings.smtp_url),
            ("MAIL_FROM", services.settings.mail_from),
        )
        if not value
    ]
    if missing:
        raise MailNotConfigured("email is not set up: set " + " and ".join(missing))
