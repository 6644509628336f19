"""Opening a modal, with one wording when Slack will not open it."""

from __future__ import annotations

from typing import Any

from bot.services import Services
from bot.slack.gateway import SlackError


def open_form(services: Services, trigger_id: str, view: dict[str, Any], again: str) -> str | None:
    """Open the form; None when it opened, else what to tell the person (`again` says how to
    try once more, e.g. "press the button again")."""
    try:
        services.gateway.open_view(trigger_id, view)
    except SlackError as exc:
        if exc.error == "exchanged_trigger_id":
            # A trigger works once: an earlier delivery of this very request (Slack
            # redelivers when an ack is late) already opened the form.
            return None
        return f"The form could not open ({exc.plain}). Please {again}."
    return None
