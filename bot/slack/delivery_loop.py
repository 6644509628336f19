"""The delivery loop: outbox rows and reminders, each the moment it falls due.

It delivers what is due, then sleeps until the earliest waiting outbox row or reminder
falls due, woken early by the doorbell (a change committed in this process). A worker
process (`python -m bot worker`) also looks every `WORKER_POLL` seconds, since the web
processes that commit the rows cannot ring it. The reminder job stays as a safety net.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from bot.database import UNAVAILABLE, outage_reason
from bot.outbox import service as outbox
from bot.reminder import claim as claims
from bot.services import Services
from bot.slack.delivery import Delivery
from bot.slack.reminder_delivery import run_tick

log = logging.getLogger(__name__)
WORKER_POLL = 0.5  # seconds: how soon a worker process sees rows other processes committed
IN_PROCESS_POLL = 5.0  # seconds: this process rings for its own rows; this is a safety net
SHORTEST = 0.05  # seconds between looks while something due cannot be taken yet
AFTER_FAILURE = 1.0  # seconds to wait after a database outage or an unexpected error


class DeliveryLoop:
    def __init__(self, services: Services, *, poll: float = IN_PROCESS_POLL) -> None:
        self.services = services
        self.poll = poll
        self.delivery = Delivery(services)
        self.stopped = threading.Event()

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="delivery", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.stopped.set()
        self.services.doorbell.ring()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                wait = self.once()
            except UNAVAILABLE as error:
                log.warning("delivery paused, the database is down: %s", outage_reason(error))
                wait = AFTER_FAILURE
            except Exception:
                log.exception("delivery failed; it goes on after a pause")
                wait = AFTER_FAILURE
            self.services.doorbell.wait(wait)

    def once(self) -> float:
        """Deliver what is due; the seconds until the next row or reminder falls due.
        Idle, this is one look at two indexes in one transaction."""
        outbox_at, reminder_at = self._next_times()
        now = self.services.clock.now()
        if _due(outbox_at, now) or _due(reminder_at, now):
            if _due(outbox_at, now):
                self.delivery.drain()
            if _due(reminder_at, now):
                run_tick(self.services)
            outbox_at, reminder_at = self._next_times()
            now = self.services.clock.now()
        times = [t for t in (outbox_at, reminder_at) if t is not None]
        if not times:
            return self.poll
        # Not below SHORTEST: a row due but waiting behind another worker's lane stays due.
        return min(max((min(times) - now).total_seconds(), SHORTEST), self.poll)

    def _next_times(self) -> tuple[datetime | None, datetime | None]:
        with self.services.db.transaction() as session:
            return outbox.next_due(session), claims.next_due(session)


def _due(at: datetime | None, now: datetime) -> bool:
    return at is not None and at <= now
