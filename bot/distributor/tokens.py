"""Acknowledgement links: a signed token naming one notice, good for nothing else.

The key is derived from the bot's secret with a label of its own, so a token can never
stand in for any other signature the bot checks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

PURPOSE = b"distributor-acknowledgement-v1"
PREFIX = "ack1"


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), PURPOSE, hashlib.sha256).digest()


def _mac(secret: str, notice_id: int) -> str:
    digest = hmac.new(_key(secret), f"{PREFIX}.{notice_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode().rstrip("=")


def make_token(secret: str, notice_id: int) -> str:
    return f"{PREFIX}.{notice_id}.{_mac(secret, notice_id)}"


def read_token(secret: str, token: str) -> int | None:
    """The notice ID of a genuine token, else None."""
    parts = token.strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1].isdigit() or len(parts[1]) > 12:
        return None
    notice_id = int(parts[1])
    return notice_id if hmac.compare_digest(parts[2], _mac(secret, notice_id)) else None
