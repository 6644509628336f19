"""What people see when the bot's database does not answer."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks.text import plain

# An ephemeral answer to a command or a click: the work was not done at all.
DATABASE_DOWN = (
    ":warning: The bot's database is not answering right now, so nothing was saved or "
    "changed. Please try again in a minute."
)
# Shown under a form's first field: the form stays open with everything typed in it.
DATABASE_DOWN_FORM = (
    "Nothing was saved: the bot's database is not answering right now. Submit again in a minute."
)

# An acknowledged request whose work then failed for another reason: never silence.
WENT_WRONG = (
    ":warning: Something went wrong on the bot's side while doing that, and it may not have "
    "been done. Check the incident before trying again; the error is in the bot's log."
)


def database_down_modal() -> dict[str, Any]:
    """Pushed over a form without an input to show the error on; closing it returns to it."""
    return {
        "type": "modal",
        "title": plain("Not saved"),
        "close": plain("Back"),
        "blocks": [{"type": "section", "text": plain(DATABASE_DOWN_FORM)}],
    }
