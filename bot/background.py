"""Work that follows an acknowledgement runs here, never in the thread that acks.

Slack gives a request three seconds. Keeping slow follow-up work (setting up a
channel, posting offers) in a small bounded pool of its own means a burst of new
incidents queues that work instead of delaying the acknowledgement of the next
request; the database records progress, so queued work survives nothing but is
never lost either (the reconcile job finishes whatever a crash interrupted).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

log = logging.getLogger(__name__)
WORKERS = 4


class Background:
    def __init__(self, workers: int = WORKERS) -> None:
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="background")
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()

    def defer(self, job: Callable[..., Any], *args: Any) -> Future[Any]:
        def run() -> Any:
            try:
                return job(*args)
            except Exception:
                log.exception("background job %s failed", getattr(job, "__name__", job))
                return None

        future = self._executor.submit(run)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def wait(self, timeout: float = 30.0) -> bool:
        """Wait until everything deferred so far has finished (shutdown, tests)."""
        with self._lock:
            pending = set(self._pending)
        _, not_done = wait(pending, timeout=timeout)
        return not not_done
