"""A committed change rings the doorbell; whoever delivers in this process answers it.

In-process delivery subscribes and delivers the rung incident's rows at once, in the
ringing thread (which is already past the ack); a delivery loop waits on it between
looks at the table. A process whose deliveries run elsewhere rings nobody: the worker
process finds the rows in the table.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)
Answer = Callable[[int | None], object]


class Doorbell:
    def __init__(self) -> None:
        self._answers: list[Answer] = []
        self._rung = threading.Event()

    def answer_with(self, answer: Answer) -> None:
        self._answers.append(answer)

    def ring(self, incident_id: int | None = None) -> None:
        """Rows were committed (for this incident): deliver them now where that is done here."""
        self._rung.set()
        for answer in list(self._answers):
            try:
                answer(incident_id)
            except Exception:
                # The rows stay in the table; the delivery loop or the next ring takes them.
                log.exception("delivering after a change failed; the rows wait in the outbox")

    def wait(self, timeout: float) -> bool:
        rung = self._rung.wait(max(timeout, 0.0))
        self._rung.clear()
        return rung
