"""Slack channel names for incidents: valid, readable, and never a reason to fail."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

MAX_LENGTH = 80
_NOT_ALLOWED = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Lowercase ASCII words joined by hyphens; accents folded, emoji and symbols dropped."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALLOWED.sub("-", folded.lower()).strip("-")


def _fit(prefix: str, words: str, suffix: str = "") -> str:
    room = MAX_LENGTH - len(prefix) - len(suffix)
    if not words or room <= 1:
        return (prefix + suffix)[:MAX_LENGTH]
    words = words[: room - 1]
    if "-" in words and len(words) == room - 1:
        words = words.rsplit("-", 1)[0]  # cut at a word boundary when we had to shorten
    return f"{prefix}-{words.strip('-')}{suffix}"


def incident_channel_name(human_id: str, title: str) -> str:
    return _fit(slug(human_id), slug(title))


def alternatives(human_id: str, title: str, count: int = 20) -> Iterator[str]:
    """Names to try when the preferred one is taken: a numeric suffix, kept within 80."""
    prefix, words = slug(human_id), slug(title)
    for number in range(2, count + 2):
        yield _fit(prefix, words, f"-{number}")
