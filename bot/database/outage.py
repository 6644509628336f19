"""An outage is told once: one line when the database stops answering, one when it is
back, however many jobs and checks run into it in between."""

from __future__ import annotations

import logging
import threading

from bot.database.core import Database

log = logging.getLogger("bot.database")
RETRY_EVERY = 5.0  # seconds between start-up checks while the database does not answer


class OutageLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._told: str | None = None  # the reason the log was given

    @property
    def ongoing(self) -> bool:
        return self._told is not None

    def unavailable(self, reason: str, consequence: str) -> None:
        with self._lock:
            first, self._told = self._told is None, self._told or reason
        if first:
            log.warning("the database does not answer (%s); %s", reason, consequence)
        else:
            log.debug("the database still does not answer (%s)", reason)

    def available(self) -> None:
        with self._lock:
            told, self._told = self._told, None
        if told is not None:
            log.info("the database answers again")


def wait_until_answering(
    db: Database, outage: OutageLog, stopping: threading.Event, every: float = RETRY_EVERY
) -> bool:
    """Block until the database answers (True) or the process is stopping (False)."""
    while (reason := db.unavailable_reason()) is not None:
        outage.unavailable(
            reason, f"/healthz answers 503 and the bot retries every {every:g} s until it does"
        )
        if stopping.wait(every):
            return False
    outage.available()
    return True
