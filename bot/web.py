"""The HTTP surface: Slack events, intake webhooks, health check; served by waitress."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.intake.wsgi import intake_routes
from bot.services import Services

StartResponse = Callable[..., Any]
Route = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(
        status,
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
    )
    return [payload]


def build_wsgi(services: Services, bolt_app: App | None) -> Route:
    slack = SlackRequestHandler(bolt_app, path="/slack/events") if bolt_app else None
    extra_routes: dict[tuple[str, str], Route] = dict(intake_routes(services))

    def health(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        if services.db.ping():
            return _json(start_response, "200 OK", {"ok": True, "database": "up"})
        return _json(start_response, "503 Service Unavailable", {"ok": False, "database": "down"})

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return health(environ, start_response)
        if path == "/slack/events" and slack is not None:
            return slack(environ, start_response)
        route = extra_routes.get((method, path))
        if route is not None:
            return route(environ, start_response)
        return _json(start_response, "404 Not Found", {"ok": False, "error": "not_found"})

    app.routes = extra_routes  # type: ignore[attr-defined]
    return app
