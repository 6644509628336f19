"""The Bolt app: request verification, listeners, and error handling."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult

from bot.services import Services
from bot.slack import outage, routes

log = logging.getLogger(__name__)
LISTENER_WORKERS = 32


def build_app(services: Services) -> App:
    settings = services.settings
    secret = settings.slack_signing_secret  # None in Socket Mode, where nothing is signed
    app = App(
        client=services.gateway.client,
        authorize=_known_identity(services),
        signing_secret=secret.get_secret_value() if secret else "",
        token_verification_enabled=False,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
        # Listeners keep their worker after ack() for the slow Slack work that follows;
        # Bolt's default of 5 workers would make later requests wait for their ack.
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_WORKERS),
    )
    app.use(_without_nul_characters)
    routes.register(app, services)

    app.error(outage.error_handler(services))

    return app


def _without_nul_characters(body: dict[str, Any], next: Any) -> None:
    """Slack may pass on a NUL typed or pasted into a form; PostgreSQL cannot store one, and
    it means nothing in text. Removed once here, for every listener."""
    _strip_nul(body)
    next()


def _strip_nul(value: Any) -> Any:
    if isinstance(value, str):
        value = value.replace("\x00", "") if "\x00" in value else value
        return _without_lone_surrogates(value)
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = _strip_nul(item)
    elif isinstance(value, list):
        value[:] = [_strip_nul(item) for item in value]
    return value


def _without_lone_surrogates(text: str) -> str:
    """A JSON payload may escape half a surrogate pair (`\\ud800`), which no database stores
    and no encoder writes: each becomes U+FFFD, as a UTF-8 decoder shows a broken byte."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= char <= "\udfff" else char for char in text)
    return text


def _known_identity(services: Services) -> Callable[..., AuthorizeResult]:
    """Who the bot is, as the gateway learnt it at start-up: without this, Bolt calls
    auth.test itself on the first request, outside the gateway's retries, and a Slack
    hiccup there fails that request."""
    gateway = services.gateway

    def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        known = gateway.identity or gateway.auth_test()
        token = gateway.client.token
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id or known.get("team_id"),
            bot_id=known.get("bot_id"),
            bot_user_id=known.get("user_id"),
            bot_token=token,
            bot_scopes=known.get("scopes"),
        )

    return authorize


def drain(app: App) -> None:
    """Wait for listeners still working after their ack (shutdown, tests)."""
    executor = app.listener_runner.listener_executor
    executor.shutdown(wait=True, cancel_futures=False)
