"""Driving the /cvss modal through signed requests, as a person in Slack would."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.incident.models import Incident
from bot.scoring.models import ScoreRecord
from bot.slack.blocks.cvss import from_metadata
from tests.harness import RunningBot, wait_until


def slash_cvss(bot: RunningBot, user: str, channel: str, text: str = "") -> None:
    response = bot.driver.slash("/cvss", text, user_id=user, channel_id=channel)
    assert response.status == 200 and not response.problems, response.problems


def answer_to(bot: RunningBot, user: str, channel: str, text: str) -> Any:
    """Run `/cvss <text>` and return the ephemeral the user sees."""
    before = len(bot.slack.ephemerals_for(user))
    slash_cvss(bot, user, channel, text)
    return wait_until(
        lambda: bot.slack.ephemerals_for(user)[before:], what=f"an answer to /cvss {text}"
    )[-1]


def open_cvss(bot: RunningBot, user: str, incident: Incident) -> dict[str, Any]:
    stack = bot.slack.view_stack(user)
    slash_cvss(bot, user, incident.channel_id)
    return wait_until(
        lambda: (
            (view := bot.slack.open_view_for(user))
            and view["callback_id"] == "cvss_modal"
            and view["id"] not in stack
            and view
        ),
        what="the /cvss modal",
    )


def view(bot: RunningBot, view_id: str) -> dict[str, Any]:
    return bot.slack.views[view_id]


def act(bot: RunningBot, user: str, view_id: str, action_id: str, **given: Any) -> dict[str, Any]:
    """Use an element of the view, then wait for the bot's views.update to land."""
    before = view(bot, view_id)["hash"]
    response = bot.driver.block_action(user, action_id, view_id=view_id, **given)
    assert response.status == 200 and not response.problems, response.problems
    return wait_until(
        lambda: (v := view(bot, view_id))["hash"] != before and v, what=f"{action_id} applied"
    )


def choose(bot: RunningBot, user: str, view_id: str, key: str, code: str) -> dict[str, Any]:
    return act(bot, user, view_id, f"cvss_metric:{key}", value=code)


def paste(bot: RunningBot, user: str, view_id: str, vector: str) -> dict[str, Any]:
    return act(bot, user, view_id, "cvss_vector", value=vector)


def metrics_of(found: dict[str, Any]) -> dict[str, str]:
    return dict(from_metadata(found["private_metadata"]).metrics)


def summary(found: dict[str, Any]) -> str:
    return next(b for b in found["blocks"] if b.get("block_id") == "cvss_summary")["text"]["text"]


def submit(bot: RunningBot, user: str, view_id: str, values: dict | None = None) -> dict:
    response = bot.driver.submit_view(view_id, user, values=values or {})
    assert response.status == 200 and not response.problems, response.problems
    return response.view_errors or {}


def records(bot: RunningBot, incident: Incident) -> list[ScoreRecord]:
    with bot.services.db.transaction() as session:
        query = select(ScoreRecord).where(ScoreRecord.incident_id == incident.id)
        return list(session.scalars(query.order_by(ScoreRecord.id)))
