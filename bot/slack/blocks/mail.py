"""Messages about outbound email."""

from __future__ import annotations

from typing import Any

from bot.mail.outbox import MailOutcome
from bot.slack.blocks.text import clip, escape, mrkdwn

PURPOSE_WORDS = {
    "distributor_notice": "distributor notice",
    "distributor_final": "final distributor notice",
    "distributor_update": "distributor update",
    "announcement": "public announcement",
}


def mail_given_up(human_id: str | None, outcome: MailOutcome) -> tuple[str, list[dict[str, Any]]]:
    what = PURPOSE_WORDS.get(outcome.purpose, "email")
    to = ", ".join(outcome.recipients)
    kind = "refused for good" if outcome.permanent else "not delivered"
    subject = f"“{escape(clip(outcome.subject, 200))}”"
    about = f" for *{human_id}*" if human_id else ""
    text = (
        f":x: The {what}{about} to {escape(to)} was {kind}: {escape(outcome.error or '?')}. "
        f"Subject {subject}. Nothing more will be tried; send it again once the cause is fixed."
    )
    return clip(text, 3000), [{"type": "section", "text": mrkdwn(text)}]
