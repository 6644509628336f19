"""Listeners whose whole work follows a plain acknowledgement.

Bolt answers Slack once a listener calls `ack()`, but the work after it still holds one
of Bolt's workers and competes with the next requests for the interpreter. `after_ack`
acks and hands that work to the background pool instead, so a burst of clicks is
acknowledged at once and answered as the pool gets to each one. Listeners that open a
modal keep their work in the request: a trigger ID lapses three seconds after the click.
Work the database could not do is answered with "nothing was saved, try again".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.database import UNAVAILABLE
from bot.slack import outage
from bot.slack.middleware import services_of

Work = Callable[[dict[str, Any], Respond, BoltContext], None]
Listener = Callable[[Ack, dict[str, Any], Respond, BoltContext], None]


def after_ack(work: Work) -> Listener:
    """A Bolt listener that acks, then runs `work(body, respond, context)` in the background."""

    # Bolt passes arguments by parameter name, so the listener spells them out (and is no
    # functools.wraps wrapper: Bolt would read the wrapped function's parameters instead).
    def listener(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        ack()
        services_of(context).background.defer(answered, body, respond, context)

    def answered(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        try:
            work(body, respond, context)
        except UNAVAILABLE as error:
            outage.log_outage(body.get("type") or "?", error)
            outage.after_ack(body, respond, services_of(context).gateway)

    for copy in (listener, answered):
        copy.__name__, copy.__qualname__ = work.__name__, work.__qualname__
        copy.__module__, copy.__doc__ = work.__module__, work.__doc__
    return listener
