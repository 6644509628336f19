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

from bot.logs import error_summary

log = logging.getLogger(__name__)
WORKERS = 4
# Jobs waiting or running at most. When that many are in hand, `defer` runs the next job in
# the caller's own thread: the caller (already acknowledged) waits, the work is not lost,
# and a burst slows down the requests that cause it instead of filling memory.
QUEUE_LIMIT = 256


class Background:
    def __init__(self, workers: int = WORKERS, queue_limit: int = QUEUE_LIMIT) -> None:
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="background")
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(queue_limit)
        self.ran_in_caller = 0  # jobs run in the caller's thread because the pool was full

    def defer(self, job: Callable[..., Any], *args: Any) -> Future[Any]:
        def run() -> Any:
            try:
                return job(*args)
            except Exception as error:
                log.error(
                    "background job %s failed: %s",
                    getattr(job, "__name__", job),
                    error_summary(error),
                )
                return None

        if not self._slots.acquire(blocking=False):
            with self._lock:
                self.ran_in_caller += 1
            log.warning(
                "background pool full: running %s in the caller's thread",
                getattr(job, "__name__", "a job"),
            )
            done: Future[Any] = Future()
            done.set_result(run())
            return done

        def run_then_free() -> Any:
            try:
                return run()
            finally:
                self._slots.release()

        future = self._executor.submit(run_then_free)
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
