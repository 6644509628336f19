"""The HTTP surface: Slack events, intake webhooks, health check; served by waitress."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from bot.intake.signatures import plain_signature, plain_timestamp
from bot.intake.wsgi import intake_routes
from bot.services import Services

log = logging.getLogger(__name__)
StartResponse = Callable[..., Any]
Route = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(
        status,
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
    )
    return [payload]


def _acknowledgements(services: Services) -> dict[tuple[str, str], Route]:
    from bot.acknowledgements import acknowledgement_routes
    from bot.slack.distributor_flow import ack_secret
    from bot.slack.incident_messages import refresh

    def changed(incident_id: int) -> None:
        services.background.defer(refresh, services, incident_id)

    return acknowledgement_routes(services, ack_secret(services), changed)


def build_wsgi(services: Services, bolt_app: App | None) -> Route:
    slack = SlackRequestHandler(bolt_app, path="/slack/events") if bolt_app else None
    secret = services.settings.slack_signing_secret
    verifier = SignatureVerifier(secret.get_secret_value()) if secret else None

    def signed_by_slack(environ: dict[str, Any]) -> bool:
        """Check the signature before Bolt parses anything: Bolt parses the body first, and
        a forged request with a malformed body or timestamp would make it answer 500."""
        if verifier is None:
            return False
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = plain_signature(environ.get("HTTP_X_SLACK_SIGNATURE"))
        # ASCII digits only: "²" passes isdigit() but not int(), 5,000 digits pass neither.
        if plain_timestamp(timestamp) is None or signature is None:
            return False
        return verifier.is_valid(body, timestamp, signature)

    extra_routes: dict[tuple[str, str], Route] = dict(intake_routes(services))
    extra_routes.update(_acknowledgements(services))

    def health(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        if services.db.ping():
            return _json(start_response, "200 OK", {"ok": True, "database": "up"})
        return _json(start_response, "503 Service Unavailable", {"ok": False, "database": "down"})

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return health(environ, start_response)
        if path == "/slack/events" and slack is not None:
            if not signed_by_slack(environ):
                log.warning("refused a request on /slack/events: no valid Slack signature")
                return _json(start_response, "401 Unauthorized", {"error": "invalid_request"})
            return slack(environ, start_response)
        route = extra_routes.get((method, path))
        if route is not None:
            return route(environ, start_response)
        return _json(start_response, "404 Not Found", {"ok": False, "error": "not_found"})

    app.routes = extra_routes  # type: ignore[attr-defined]
    return app
