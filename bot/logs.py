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


class BoltTokenNotices(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment by itself and, since the bot hands it
    the token through `authorize` (with the gateway's client), warns at every start that it
    ignores it. Nothing is wrong; an admin would read it as a misconfiguration."""

    def __init__(self) -> None:
        super().__init__()
        from slack_bolt.logger import messages

        self.notices = {
            messages.warning_token_skipped(),
            messages.warning_client_prioritized_and_token_skipped(),
        }

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in self.notices


def configure(secrets: Iterable[str], level: int | str = logging.INFO) -> None:
    level = logging.getLevelName(level) if isinstance(level, str) else level
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # slack_sdk logs request bodies at DEBUG; keep it quiet whatever the level.
    logging.getLogger("slack_sdk").setLevel(logging.WARNING)
    logging.getLogger("slack_bolt").setLevel(logging.WARNING)
    # It also logs every failed request as an ERROR; the gateway retries and tells.
    logging.getLogger("slack_sdk.web.base_client").setLevel(logging.CRITICAL)
    bolt = logging.getLogger("slack_bolt.App")
    if not any(isinstance(f, BoltTokenNotices) for f in bolt.filters):
        bolt.addFilter(BoltTokenNotices())
    # The scheduler logs two lines for every run of every job (the jobs log what matters),
    # alembic a line per migration step: DEBUG shows them.
    scheduler_level = logging.DEBUG if level <= logging.DEBUG else logging.WARNING
    logging.getLogger("apscheduler").setLevel(scheduler_level)
    logging.getLogger("alembic").setLevel(scheduler_level)  # a line per migration step
