"""Request signatures: the intake's own scheme (modelled on Slack's) and GitHub's.

Intake: `X-Intake-Timestamp: <unix seconds>` and `X-Intake-Signature: v1=<hex>`, where
<hex> is HMAC-SHA256 under INTAKE_SECRET of the bytes `v1:<timestamp>:<body>`. A
timestamp more than five minutes from the bot's clock is refused, so a captured request
cannot be replayed later; within the window the idempotency key makes a replay harmless.

GitHub: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the body under the webhook
secret. GitHub signs no timestamp; `X-GitHub-Delivery` makes redeliveries harmless.
"""

from __future__ import annotations

import hashlib
import hmac

REPLAY_WINDOW = 5 * 60  # seconds
VERSION = "v1"
TIMESTAMP_DIGITS = 12  # Unix seconds fit in 12 digits for the next 30,000 years
SIGNATURE_MAX = 200


def plain_timestamp(value: str | None) -> int | None:
    """Unix seconds written in ASCII digits only (``int`` also reads "٣" and would
    choke on 5,000 digits), or None."""
    if not value or len(value) > TIMESTAMP_DIGITS or not value.isascii() or not value.isdigit():
        return None
    return int(value)


def plain_signature(value: str | None) -> str | None:
    """A signature that can be compared at all: printable ASCII of a sane length."""
    value = (value or "").strip()
    if not value or len(value) > SIGNATURE_MAX or not value.isascii() or not value.isprintable():
        return None
    return value


class SignatureError(Exception):
    """The request is not provably from the sender; the message says why, without secrets."""


def intake_signature(secret: str, timestamp: str, body: bytes) -> str:
    base = f"{VERSION}:{timestamp}:".encode() + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return f"{VERSION}={digest}"


def verify_intake(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float
) -> None:
    if not timestamp or not signature:
        raise SignatureError("X-Intake-Timestamp and X-Intake-Signature are required.")
    sent = plain_timestamp(timestamp)
    if sent is None:
        raise SignatureError("X-Intake-Timestamp must be Unix time in seconds (ASCII digits).")
    given = plain_signature(signature)
    if given is None:
        raise SignatureError("X-Intake-Signature must be v1= and the hex digest.")
    if abs(now - sent) > REPLAY_WINDOW:
        raise SignatureError(
            "X-Intake-Timestamp is more than five minutes from the bot's clock; "
            "sign each request when it is sent."
        )
    if not hmac.compare_digest(intake_signature(secret, timestamp, body), given):
        raise SignatureError("X-Intake-Signature does not match the body and timestamp.")


def github_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_github(secret: str, signature: str | None, body: bytes) -> None:
    if not signature:
        raise SignatureError("X-Hub-Signature-256 is required; set a secret on the webhook.")
    given = plain_signature(signature)
    if given is None or not hmac.compare_digest(github_signature(secret, body), given):
        raise SignatureError("X-Hub-Signature-256 does not match the body.")
