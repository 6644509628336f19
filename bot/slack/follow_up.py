"""Listeners whose whole work follows a plain acknowledgement.

Bolt answers Slack once a listener calls `ack()`, but the work after it still holds one
of Bolt's workers and competes with the next requests for the interpreter. `after_ack`
acks and hands that work to the background pool instead, so a burst of clicks is
acknowledged at once and answered as the pool gets to each one. Listener middleware that
reads the database (which incident a click is about) runs there too, after the ack
(`with_middleware`; bot/slack/routes.py decides). Listeners that open a modal keep their
work in the request: a trigger ID lapses three seconds after the click. Work the
database could not do is answered with "nothing was saved, try again".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.database import UNAVAILABLE
from bot.logs import error_summary
from bot.slack import outage
from bot.slack.middleware import services_of

log = logging.getLogger(__name__)
Work = Callable[[dict[str, Any], Respond, BoltContext], None]
Listener = Callable[[Ack, dict[str, Any], Respond, BoltContext], None]
Middleware = Callable[..., Any]


class AfterAck:
    """A Bolt listener that acks, then runs its middleware and `work(body, respond,
    context)` on the background pool."""

    def __init__(self, work: Work, middleware: Sequence[Middleware] = ()) -> None:
        self.work = work
        self.middleware = tuple(middleware)
        self.__name__, self.__qualname__ = work.__name__, work.__qualname__
        self.__module__, self.__doc__ = work.__module__, work.__doc__

    # Bolt passes arguments by parameter name, so the listener spells them out.
    def __call__(
        self, ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
    ) -> None:
        ack()
        services_of(context).background.defer(self._answer, ack, body, respond, context)

    def with_middleware(self, middleware: Sequence[Middleware]) -> AfterAck:
        """The same listener, with listener middleware that runs after the ack."""
        return AfterAck(self.work, middleware)

    def _answer(
        self, ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
    ) -> None:
        try:
            if all(_passes(m, ack, body, respond, context) for m in self.middleware):
                self.work(body, respond, context)
        except UNAVAILABLE as error:
            outage.log_outage(body.get("type") or "?", error)
            outage.after_ack(body, respond, services_of(context).gateway)
        except Exception as error:
            # Acknowledged already: the person still gets an answer, the log the class.
            log.error("%s failed after its ack: %s", self.__name__, error_summary(error))
            outage.failed_after_ack(body, respond, services_of(context).gateway)


def _passes(
    middleware: Middleware, ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> bool:
    """Run one Bolt-style middleware; True if it called `next()` (it answered otherwise)."""
    passed: list[bool] = []
    middleware(
        ack=ack, body=body, context=context, respond=respond, next=lambda: passed.append(True)
    )
    return bool(passed)


def after_ack(work: Work) -> AfterAck:
    """`@after_ack` on `work(body, respond, context)`: ack, then the work on the pool."""
    return AfterAck(work)
