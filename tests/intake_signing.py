"""Signing and sending intake requests as a reporting system or GitHub would.

The signatures are computed here from the documented formats, independently of the
bot's own code, so a mistake in either side fails the tests.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from tests.harness import RunningBot

INTAKE_SECRET = "intake-test-secret-7c1e9a4d"
GITHUB_SECRET = "github-test-secret-0b5f"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def json(self) -> Any:
        return json.loads(self.body)


def intake_headers(
    body: bytes,
    timestamp: int,
    *,
    secret: str = INTAKE_SECRET,
    key: str | None = None,
    content_type: str = "application/json",
) -> dict[str, str]:
    """`X-Intake-Signature: v1=<hex>`, HMAC-SHA256 of `v1:<timestamp>:<body>`."""
    digest = hmac.new(secret.encode(), b"v1:%d:" % timestamp + body, hashlib.sha256)
    return {
        "Content-Type": content_type,
        "Idempotency-Key": key or str(uuid.uuid4()),
        "X-Intake-Timestamp": str(timestamp),
        "X-Intake-Signature": "v1=" + digest.hexdigest(),
    }


def github_headers(
    body: bytes,
    *,
    event: str = "repository_advisory",
    delivery: str | None = None,
    secret: str = GITHUB_SECRET,
    content_type: str = "application/json",
) -> dict[str, str]:
    """What GitHub sends: `X-Hub-Signature-256: sha256=<hex>` of the body."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": content_type,
        "User-Agent": "GitHub-Hookshot/0000000",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-GitHub-Hook-ID": "123456789",
        "X-Hub-Signature-256": "sha256=" + digest,
    }


def post(url: str, body: bytes, headers: dict[str, str]) -> Reply:
    """A real HTTP POST; error statuses are returned, not raised."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("POST", parts.path, body=body, headers=headers)
        response = connection.getresponse()
        return Reply(
            response.status,
            {name.lower(): value for name, value in response.getheaders()},
            response.read(),
        )
    finally:
        connection.close()


def intake_settings(settings: Any) -> Any:
    """The test bot's settings with both intake endpoints switched on."""
    from pydantic import SecretStr

    return settings.model_copy(
        update={
            "intake_secret": SecretStr(INTAKE_SECRET),
            "github_webhook_secret": SecretStr(GITHUB_SECRET),
        }
    )


# -- a signed report to the running bot ------------------------------------------------------
def now(bot: RunningBot) -> int:
    """The bot's clock in Unix seconds, as a sender's timestamp header carries it."""
    return int(bot.clock.now().timestamp())


def send_report(bot: RunningBot, body: bytes, headers: dict[str, str]) -> Reply:
    return post(f"{bot.server.url}/intake/report", body, headers)


def post_report(bot: RunningBot, document: object, **options: Any) -> Reply:
    body = json.dumps(document).encode()
    return send_report(bot, body, intake_headers(body, now(bot), **options))
