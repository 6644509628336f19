"""Stopping when asked: SIGTERM (every deploy on Heroku or Kubernetes) or SIGINT (Ctrl-C).

The process stops taking requests, gives the work it already accepted a bounded time to
finish, stops the scheduler and exits 0. Whatever is still running after the bound is
safe to drop: set-ups and reminders hold leases, and the next start resumes them.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

log = logging.getLogger("bot")
STOP_WITHIN = 10.0  # seconds; Kubernetes sends SIGKILL 30 s after SIGTERM by default

# One piece of work to wind down: it gets the seconds left and says whether it finished.
Step = tuple[str, Callable[[float], bool]]


class StopSignal:
    """Set once SIGTERM or SIGINT arrives; the main thread waits on it."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.name = ""

    def install(self) -> StopSignal:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._received)
        return self

    def _received(self, signum: int, _frame: FrameType | None) -> None:
        self.name = signal.Signals(signum).name
        self.event.set()

    def wait(self) -> None:
        # A timed wait keeps the main thread returning to the interpreter, where the
        # signal handler runs.
        while not self.event.wait(1.0):
            pass


def bounded(action: Callable[[], object]) -> Callable[[float], bool]:
    """A step from an action that cannot be given a timeout itself: run it on a thread
    and wait for it at most the seconds left."""

    def step(seconds: float) -> bool:
        worker = threading.Thread(target=action, daemon=True, name="shutdown")
        worker.start()
        worker.join(seconds)
        return not worker.is_alive()

    return step


def wind_down(steps: list[Step], why: str, within: float = STOP_WITHIN) -> bool:
    """Run the steps in order within one shared bound and log one line; True when every
    step finished in time."""
    started = time.monotonic()
    unfinished = []
    for name, step in steps:
        left = max(0.0, within - (time.monotonic() - started))
        try:
            if not step(left):
                unfinished.append(name)
        except Exception as error:  # a failing step must not keep the others from running
            unfinished.append(f"{name} ({type(error).__name__}: {error})")
    took = time.monotonic() - started
    if unfinished:
        log.warning(
            "stopped on %s after %.1f s; still running: %s (their leases let the next start "
            "finish them)",
            why,
            took,
            ", ".join(unfinished),
        )
    else:
        log.info("stopped on %s: work in progress finished in %.1f s", why, took)
    return not unfinished
