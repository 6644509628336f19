"""Logging that cannot leak a secret: every record is scrubbed of configured secrets."""

from __future__ import annotations

import logging
from collections.abc import Iterable


def error_summary(error: BaseException) -> str:
    """An error as its class and innermost frame (file:line): enough to find the bug, and
    never its message, which may quote what a reporter or a member typed."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return type(error).__name__
    filename = tb.tb_frame.f_code.co_filename.rsplit("/", 1)[-1]
    return f"{type(error).__name__} at {filename}:{tb.tb_lineno}"


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = message
        for secret in self.secrets:
            scrubbed = scrubbed.replace(secret, "[redacted]")
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


def configure(secrets: Iterable[str], level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # slack_sdk logs request bodies at DEBUG; keep it quiet whatever the level.
    logging.getLogger("slack_sdk").setLevel(logging.WARNING)
    logging.getLogger("slack_bolt").setLevel(logging.WARNING)
