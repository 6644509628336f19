"""`POST /intake/email`: one raw RFC 822 message, signed like `/intake/report`.

The body is the message as it arrived (`Content-Type: message/rfc822`), with
`X-Intake-Timestamp` and `X-Intake-Signature` as for reports. Its Message-ID is the
intake key: a message delivered twice opens one incident and gets the first answer.
201 opened an incident, 200 joined one as a reply, 202 was machine mail (an automatic
reply or a bounce), recorded and not taken as the reporter's words.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from bot.database import UNAVAILABLE, outage_reason
from bot.intake import signatures
from bot.intake.mail_parse import NotAMessage, parse_mail
from bot.intake.mail_service import OPENED, MailOutcome, receive_mail
from bot.intake.problems import MEDIA_TYPE, Problem
from bot.intake.wsgi import read_body
from bot.services import Services

log = logging.getLogger(__name__)
MEDIA_TYPES = ("message/rfc822",)
RETRY_AFTER = "30"


def store_mail(services: Services, raw: bytes) -> MailOutcome:
    """Parse and store one message (NotAMessage, or the database's outage, propagate)."""
    settings = services.settings
    mail = parse_mail(raw)
    return receive_mail(
        services.db,
        mail,
        raw,
        now=services.clock.now(),
        prefix=settings.incident_prefix,
        attachment_limit=settings.mail_attachment_max_bytes,
    )


def show_in_slack(services: Services, outcome: MailOutcome) -> None:
    """The Slack side of a stored message: a new incident's set-up, or the reply posted."""
    from bot.slack.mail_posts import deliver_mail
    from bot.slack.setup import IncidentSetup

    if outcome.incident_id is None:
        return
    try:
        if outcome.outcome == OPENED:
            IncidentSetup(services).run(outcome.incident_id)
        else:
            deliver_mail(services, outcome.incident_id)
    except Exception:
        log.exception("mail for incident %d not shown in Slack yet", outcome.incident_id)


class MailEndpoint:
    def __init__(self, services: Services) -> None:
        self.services = services

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        try:
            outcome = self._handle(environ)
        except Problem as problem:
            return _send(
                start_response, problem.status, problem.body(), MEDIA_TYPE, problem.headers
            )
        chunks = _send(start_response, outcome.status, outcome.body(), "application/json", {})
        if not outcome.created:
            return chunks
        return _ThenRun(
            chunks, lambda: self.services.background.defer(show_in_slack, self.services, outcome)
        )

    def _handle(self, environ: dict[str, Any]) -> MailOutcome:
        services = self.services
        received_at = services.clock.now()
        raw = _read(environ, services.settings.mail_max_bytes)
        secret = services.settings.intake_secret
        assert secret is not None
        try:
            signatures.verify_intake(
                secret.get_secret_value(),
                _header(environ, "X-Intake-Timestamp"),
                _header(environ, "X-Intake-Signature"),
                raw,
                received_at.timestamp(),
            )
        except signatures.SignatureError as error:
            log.warning("intake /intake/email refused: %s", error)
            raise Problem(
                401,
                "bad-signature",
                str(error),
                headers={"WWW-Authenticate": 'HMAC-SHA256 realm="intake"'},
            ) from None
        media_type = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        if media_type not in MEDIA_TYPES:
            raise Problem(
                415,
                "unsupported-media-type",
                f"Send the raw message as message/rfc822, not {media_type or 'an untyped body'}.",
            )
        try:
            return store_mail(services, raw)
        except NotAMessage as error:
            raise Problem(400, "not-a-message", str(error)) from None
        except UNAVAILABLE as error:
            log.warning("database unavailable while storing mail: %s", outage_reason(error))
            raise Problem(
                503,
                "unavailable",
                "The message could not be stored just now; nothing was created. Send it again "
                "later: its Message-ID keeps a second delivery from opening a second incident.",
                headers={"Retry-After": RETRY_AFTER},
            ) from None


class _ThenRun:
    def __init__(self, chunks: list[bytes], job: Any) -> None:
        self._chunks, self._job = chunks, job

    def __iter__(self) -> Any:
        return iter(self._chunks)

    def close(self) -> None:
        self._job()


def _header(environ: dict[str, Any], name: str) -> str | None:
    value = environ.get("HTTP_" + name.upper().replace("-", "_"))
    return value.strip() if isinstance(value, str) and value.strip() else None


def _read(environ: dict[str, Any], limit: int) -> bytes:
    too_large = f"The message is larger than the limit of {limit // (1024 * 1024)} MB."
    return read_body(environ, limit, too_large)


def _send(
    start_response: Any, status: int, body: dict[str, Any], media_type: str, headers: dict[str, str]
) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [("Content-Type", media_type), ("Content-Length", str(len(payload))), *headers.items()],
    )
    return [payload]
