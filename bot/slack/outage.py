"""One answer for every Slack request the database could not serve: "nothing was saved,
try again", given in time and in the place Slack shows it.

A listener that fails before its ack gets its HTTP answer here (field errors on a form, an
ephemeral reply to a command); one that fails after it answers through the response URL,
or by DM when the request has none.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltResponse, Respond

from bot.database import UNAVAILABLE, outage_reason
from bot.logs import error_summary
from bot.slack.blocks.outage import (
    DATABASE_DOWN,
    DATABASE_DOWN_FORM,
    WENT_WRONG,
    database_down_modal,
)
from bot.slack.gateway import SlackError, SlackGateway
from bot.slack.middleware import first_input

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)
ErrorHandler = Callable[[Exception, dict[str, Any], BoltResponse | None, Respond], Any]


def error_handler(services: Services) -> ErrorHandler:
    """The Bolt app's error handler: an outage gets its answer, anything else is logged."""

    # Bolt passes arguments by parameter name.
    def on_error(
        error: Exception, body: dict[str, Any], response: BoltResponse | None, respond: Respond
    ) -> BoltResponse | None:
        kind = body.get("type") or ("slash_command" if body.get("command") else "?")
        if not is_database_down(error):
            # The class only: an error's text may quote what the person typed.
            log.error("listener failed on a %s request: %s", kind, error_summary(error))
            if kind != "event_callback" and response is None:
                failed_after_ack(body, respond, services.gateway)
            return None
        log_outage(kind, error)
        if kind == "event_callback":
            return None  # nobody waits for an answer
        if response is None:  # acknowledged already: only a follow-up message can tell
            after_ack(body, respond, services.gateway)
            return None
        return before_ack(body, respond, services.gateway)

    return on_error


def is_database_down(error: BaseException) -> bool:
    return isinstance(error, UNAVAILABLE)


def _json(body: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200, body=json.dumps(body), headers={"content-type": "application/json"}
    )


def form_answer(view: dict[str, Any]) -> dict[str, Any]:
    """Errors under the form's first input, so the form stays open as typed."""
    block_id = first_input(view)
    if block_id:
        return {"response_action": "errors", "errors": {block_id: DATABASE_DOWN_FORM}}
    return {"response_action": "push", "view": database_down_modal()}


def _can_respond(body: dict[str, Any]) -> bool:
    return bool(body.get("response_url") or body.get("response_urls"))


def before_ack(
    body: dict[str, Any], respond: Respond | None, gateway: SlackGateway | None = None
) -> BoltResponse:
    """The HTTP answer for a request whose listener failed before it acknowledged."""
    kind = body.get("type")
    if kind == "view_submission":
        return _json(form_answer(body.get("view") or {}))
    if kind is None and body.get("command"):  # slash commands come as plain form fields
        return _json({"response_type": "ephemeral", "text": DATABASE_DOWN})
    after_ack(body, respond, gateway)
    return BoltResponse(status=200, body="")


def failed_after_ack(
    body: dict[str, Any], respond: Respond | None, gateway: SlackGateway | None = None
) -> None:
    """Tell the person that the work their acknowledged request started failed."""
    if respond is not None and _can_respond(body):
        try:
            respond(text=WENT_WRONG, response_type="ephemeral", replace_original=False)
            return
        except Exception as exc:
            log.warning("could not tell of a failure: %s", type(exc).__name__)
    user = (body.get("user") or {}).get("id") or body.get("user_id")
    if gateway is not None and user:
        try:
            gateway.post(user, WENT_WRONG)
        except SlackError as exc:
            log.warning("could not tell %s of a failure: %s", user, exc.error)


def tell(respond: Respond) -> None:
    """An ephemeral "nothing was saved, try again" through the request's response URL."""
    try:
        respond(text=DATABASE_DOWN, response_type="ephemeral", replace_original=False)
    except Exception as exc:  # the person sees nothing more; the log says why
        log.warning("could not tell of the database outage: %r", exc)


def after_ack(
    body: dict[str, Any], respond: Respond | None, gateway: SlackGateway | None = None
) -> None:
    """Tell the person that the work their acknowledged request started was not done."""
    if respond is not None and _can_respond(body):
        tell(respond)
        return
    user = (body.get("user") or {}).get("id") or body.get("user_id")
    if gateway is not None and user:
        try:
            gateway.post(user, DATABASE_DOWN)
        except SlackError as exc:
            log.warning("could not tell %s of the database outage: %s", user, exc.error)


def log_outage(kind: str, error: BaseException) -> None:
    # One line, no traceback: an outage fails every request the same way.
    log.warning(
        "database unavailable on a %s request; answered 'try again': %s", kind, outage_reason(error)
    )
