"""Listeners whose whole work follows a plain acknowledgement.

Bolt answers Slack once a listener calls `ack()`, but the work after it still holds one
of Bolt's workers and competes with the next requests for the interpreter. `after_ack`
acks and hands that work to the background pool instead, so a burst of clicks is
acknowledged at once and answered as the pool gets to each one. Listeners that open a
modal keep their work in the request: a trigger ID lapses three seconds after the click.
Work the database could not do is answered with "nothing was saved, try again".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, Respond

from bot.database import UNAVAILABLE
from bot.logs import error_summary
from bot.services import Services
from bot.slack import outage

log = logging.getLogger(__name__)
Work = Callable[[dict[str, Any], Respond], None]
Listener = Callable[[Ack, dict[str, Any], Respond], None]


def after_ack(services: Services) -> Callable[[Work], Listener]:
    def wrap(work: Work) -> Listener:
        # Bolt passes arguments by parameter name, so the listener spells them out.
        def listener(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
            ack()
            services.background.defer(answered, body, respond)

        def answered(body: dict[str, Any], respond: Respond) -> None:
            try:
                work(body, respond)
            except UNAVAILABLE as error:
                outage.log_outage(body.get("type") or "?", error)
                outage.after_ack(body, respond, services.gateway)
            except Exception as error:
                # Acknowledged already: the person still gets an answer, the log the class.
                log.error("%s failed after its ack: %s", work.__name__, error_summary(error))
                outage.failed_after_ack(body, respond, services.gateway)

        answered.__name__ = listener.__name__ = work.__name__
        listener.__qualname__ = work.__qualname__
        return listener

    return wrap
