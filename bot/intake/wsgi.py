"""`POST /intake/report` and `POST /intake/github`: WSGI handlers around the intake service.

Each answers as soon as the incident is stored; the Slack set-up runs after the answer
went out, on a background thread, so a slow or unavailable Slack never delays or fails
it. A set-up that Slack stops part-way is finished by the periodic reconcile job.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from typing import Any, overload

from bot.database import UNAVAILABLE, outage_reason
from bot.incident.validation import IncidentDraft
from bot.intake import github, raw, signatures
from bot.intake.documents import parse_document
from bot.intake.ghsa import GithubAnswer, receive_advisory
from bot.intake.github import Advisory
from bot.intake.models import KEY_MAX
from bot.intake.problems import MEDIA_TYPE, Problem, invalid_fields
from bot.intake.report import read_report
from bot.intake.service import Answer, Delivery, KeyReused, receive
from bot.logs import error_summary
from bot.services import Services

log = logging.getLogger(__name__)

BODY_LIMIT = 256 * 1024  # bytes
RETRY_AFTER = "30"  # seconds, when the database does not answer
RAW_ID = "bot.intake_raw_id"  # the environ key naming the kept delivery
KEPT_DETAIL = (
    "The report was received and kept, but could not be opened as an incident automatically; "
    "the security team has been told and will open it. Do not send it again."
)

_BODY_LOCKS = [threading.Lock() for _ in range(64)]  # striped by the body's digest

StartResponse = Callable[..., Any]
Environ = dict[str, Any]
Route = Callable[[Environ, StartResponse], Iterable[bytes]]


# Set-ups started after an answer and not finished yet, for a clean shutdown (and tests).
class _ThenRun:
    """A response body that starts a job once the server has sent it (WSGI `close`)."""

    def __init__(self, chunks: list[bytes], job: Callable[[], None]) -> None:
        self._chunks = chunks
        self._job = job

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._chunks)

    def close(self) -> None:
        self._job()


def _header(environ: Environ, name: str) -> str | None:
    value = environ.get("HTTP_" + name.upper().replace("-", "_"))
    return value.strip() if isinstance(value, str) and value.strip() else None


def read_body(environ: Environ, limit: int = BODY_LIMIT, too_large: str = "") -> bytes:
    """The body, refused with 413 from Content-Length alone before anything is read."""
    try:
        declared = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Problem(400, "bad-request", "Content-Length must be a number of bytes.") from None
    refusal = Problem(
        413, "too-large", too_large or f"The body is larger than the limit of {limit // 1024} KiB."
    )
    if declared > limit:
        raise refusal
    stream = environ["wsgi.input"]
    body: bytes = stream.read(declared) if declared else stream.read(limit + 1)
    if len(body) > limit:
        raise refusal
    return body


def _require_json(environ: Environ) -> None:
    media_type = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise Problem(
            415,
            "unsupported-media-type",
            f"Send the report as application/json, not {media_type or 'an untyped body'}.",
        )


def _parse_json(body: bytes) -> Any:
    return parse_document(body)


def _key(environ: Environ, header: str) -> str:
    key = _header(environ, header)
    if key is None:
        raise Problem(400, "missing-idempotency-key", f"The {header} header is required.")
    if len(key) > KEY_MAX or not all("!" <= char <= "~" for char in key):
        raise Problem(
            400,
            "invalid-idempotency-key",
            f"The {header} header must be 1 to {KEY_MAX} printable ASCII characters "
            "without spaces (a UUID is ideal).",
        )
    return key


def _unauthenticated(reason: str, realm: str) -> Problem:
    # A 401 names its scheme (RFC 9110); this one is the HMAC signature described above.
    challenge = f'HMAC-SHA256 realm="{realm}"'
    return Problem(401, "bad-signature", reason, headers={"WWW-Authenticate": challenge})


def _unavailable() -> Problem:
    return Problem(
        503,
        "unavailable",
        "The report could not be stored just now; nothing was created. Retry later "
        "with the same idempotency key.",
        headers={"Retry-After": RETRY_AFTER},
    )


def _send(
    start_response: StartResponse,
    status: int,
    body: dict[str, Any],
    media_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [
            ("Content-Type", media_type),
            ("Content-Length", str(len(payload))),
            *(headers or {}).items(),
        ],
    )
    return [payload]


class IntakeEndpoints:
    def __init__(self, services: Services) -> None:
        self.services = services

    def routes(self) -> dict[tuple[str, str], Route]:
        settings = self.services.settings
        routes: dict[tuple[str, str], Route] = {}
        if settings.intake_secret is not None:
            routes[("POST", "/intake/report")] = self._guarded(self.report)
            from bot.intake.mail_wsgi import MailEndpoint

            routes[("POST", "/intake/email")] = MailEndpoint(self.services)
        if settings.github_webhook_secret is not None:
            routes[("POST", "/intake/github")] = self._guarded(self.github)
        return routes

    def _guarded(
        self, handler: Callable[[Environ], tuple[int, dict[str, Any], Answer | None]]
    ) -> Route:
        def route(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
            try:
                status, body, answer = handler(environ)
            except Problem as problem:
                if problem.status == 401:
                    log.warning("intake %s refused: %s", environ.get("PATH_INFO"), problem.detail)
                self._settled(environ, problem)
                return _send(
                    start_response, problem.status, problem.body(), MEDIA_TYPE, problem.headers
                )
            except Exception as error:
                if RAW_ID not in environ:
                    raise
                status, body, answer = self._kept_for_a_look(environ, error)
            else:
                self._settled(environ, None, status, answer)
            chunks = _send(start_response, status, body)
            if isinstance(answer, GithubAnswer) and (answer.changes or answer.published):
                return _ThenRun(chunks, lambda: self._tell_thread_later(answer))
            if answer is None or not answer.created:
                return chunks
            return _ThenRun(chunks, lambda: self._set_up_later(answer.incident_id))

        return route

    # -- never losing a signed delivery ---------------------------------------------------
    def _keep(self, environ: Environ, source: str, body: bytes, received_at: Any) -> None:
        """Store the signed bytes before anything reads them. From here on a failure of ours
        keeps the delivery, answers 202 and tells the team: a signed report is never lost."""
        try:
            raw_id = raw.keep(self.services.db, source, body, received_at)
        except UNAVAILABLE as error:
            log.warning("database unavailable while keeping a delivery: %s", outage_reason(error))
            raise _unavailable() from None
        environ[RAW_ID] = (source, raw_id)

    def _settled(
        self,
        environ: Environ,
        problem: Problem | None,
        status: int = 0,
        answer: Answer | None = None,
    ) -> None:
        if RAW_ID not in environ:
            return
        _, raw_id = environ[RAW_ID]
        if problem is not None:  # the sender's mistake, or 503: retried by the sender
            state = raw.RECEIVED if problem.status == 503 else raw.REFUSED
            self._mark(raw_id, state, problem.status, reason=problem.slug)
        else:
            incident_id = answer.incident_id if answer is not None else None
            self._mark(raw_id, raw.OPENED, status, incident_id=incident_id)

    def _kept_for_a_look(
        self, environ: Environ, error: Exception
    ) -> tuple[int, dict[str, Any], Answer | None]:
        source, raw_id = environ[RAW_ID]
        # The class and where it happened, never the message: it may quote the report.
        log.error(
            "%s delivery %d could not be opened (%s); kept for the team",
            source,
            raw_id,
            error_summary(error),
        )
        self._mark(raw_id, raw.NEEDS_LOOK, 202, reason=type(error).__name__)
        self.services.background.defer(self._tell_team_to_look, source, raw_id)
        return 202, {"ok": True, "kept": raw_id, "detail": KEPT_DETAIL}, None

    def _mark(self, raw_id: int, state: str, status: int, **details: Any) -> None:
        try:
            raw.settle(self.services.db, raw_id, state, status, **details)
        except Exception as error:  # the answer matters more than the mark
            log.warning(
                "could not mark delivery %d as %s (%s)", raw_id, state, type(error).__name__
            )

    def _tell_team_to_look(self, source: str, raw_id: int) -> None:
        from bot.slack.blocks.embargo import report_needs_a_look

        text = report_needs_a_look(source, raw_id)
        self.services.gateway.post(self.services.triage.private_id(), text)

    # -- the two endpoints -------------------------------------------------------------
    def report(self, environ: Environ) -> tuple[int, dict[str, Any], Answer | None]:
        received_at = self.services.clock.now()
        body = read_body(environ)
        secret = self.services.settings.intake_secret
        assert secret is not None
        try:
            signatures.verify_intake(
                secret.get_secret_value(),
                _header(environ, "X-Intake-Timestamp"),
                _header(environ, "X-Intake-Signature"),
                body,
                received_at.timestamp(),
            )
        except signatures.SignatureError as error:
            raise _unauthenticated(str(error), "intake") from None
        self._keep(environ, "intake", body, received_at)
        _require_json(environ)
        key = _key(environ, "Idempotency-Key")
        draft, problems = read_report(_parse_json(body))
        if draft is None:
            raise invalid_fields(problems)
        answer = self._receive(Delivery("intake", key, body, received_at), draft)
        return answer.status, answer.body, answer

    def github(self, environ: Environ) -> tuple[int, dict[str, Any], Answer | None]:
        received_at = self.services.clock.now()
        body = read_body(environ)
        secret = self.services.settings.github_webhook_secret
        assert secret is not None
        try:
            signatures.verify_github(
                secret.get_secret_value(), _header(environ, "X-Hub-Signature-256"), body
            )
        except signatures.SignatureError as error:
            raise _unauthenticated(str(error), "github") from None
        # Checked before the ping, so a webhook set to send form data fails its first test.
        _require_json(environ)
        event = _header(environ, "X-GitHub-Event") or ""
        if event == "ping":
            return 200, {"ok": True, "event": "ping"}, None
        if event != github.EVENT:
            return 202, {"ok": True, "ignored": f"{event or 'unnamed'} events are not used"}, None
        self._keep(environ, "github", body, received_at)
        document = _parse_json(body)
        action = document.get("action") if isinstance(document, dict) else None
        if action not in github.ACTIONS:
            return 202, {"ok": True, "ignored": f"{event} {action} is not used"}, None
        key = _key(environ, "X-GitHub-Delivery")
        advisory, problems = github.read_advisory(document)
        if advisory is None:
            raise invalid_fields(problems)
        answer = self._receive(Delivery("github", key, body, received_at), advisory=advisory)
        if answer is None:
            ignored = f"{advisory.ghsa_id} was published, but no incident holds it"
            return 202, {"ok": True, "ignored": ignored}, None
        return answer.status, answer.body, answer

    # -- storing, then Slack -------------------------------------------------------------
    @overload
    def _receive(self, delivery: Delivery, draft: IncidentDraft) -> Answer: ...
    @overload
    def _receive(self, delivery: Delivery, *, advisory: Advisory) -> Answer | None: ...

    def _receive(
        self,
        delivery: Delivery,
        draft: IncidentDraft | None = None,
        *,
        advisory: Advisory | None = None,
    ) -> Answer | None:
        now, prefix = self.services.clock.now(), self.services.settings.incident_prefix
        # Copies of one body (a replay with a fresh key) queue here, so the second finds the
        # first's answer; across replicas only the later look in `receive` separates them.
        same_body = _BODY_LOCKS[int(delivery.fingerprint[:8], 16) % len(_BODY_LOCKS)]
        try:
            with same_body:
                if advisory is not None:
                    answer = receive_advisory(
                        self.services.db, delivery, advisory, now=now, prefix=prefix
                    )
                else:
                    assert draft is not None
                    answer = receive(self.services.db, delivery, draft, now=now, prefix=prefix)
        except KeyReused:
            raise Problem(
                422,
                "idempotency-key-reused",
                "This idempotency key was already used for a different body; "
                "use a new key for a new report.",
            ) from None
        except UNAVAILABLE as error:
            log.warning(
                "database unavailable while storing an intake report: %s", outage_reason(error)
            )
            raise _unavailable() from None
        if answer is not None and answer.created:
            log.info("%s opened %s", delivery.source, answer.body["incident_id"])
        return answer

    def _tell_thread_later(self, answer: GithubAnswer) -> None:
        from bot.slack.github_notes import tell_thread

        self.services.background.defer(tell_thread, self.services, answer)

    def _set_up_later(self, incident_id: int) -> None:
        self.services.background.defer(self._set_up, incident_id)

    def _set_up(self, incident_id: int) -> None:
        from bot.slack.setup import IncidentSetup

        try:
            IncidentSetup(self.services).run(incident_id)
        except Exception:
            log.exception(
                "Slack set-up of incident %d failed; the reconcile job retries", incident_id
            )


def intake_routes(services: Services) -> dict[tuple[str, str], Route]:
    """The intake endpoints whose secret is set; none otherwise (they answer 404)."""
    return IntakeEndpoints(services).routes()
