"""App Home: published when a member opens the bot's Home tab.

Deadlines, on-call and away status come from other features through `providers`; each
is optional, and the tab shows what the incident itself knows when none is plugged in:

- `providers.deadlines_due(services, user_id, start, end) -> list[DueItem]`
- `providers.on_call(services) -> str | None` (a Slack user ID)
- `providers.away(services, user_id) -> str | None` (e.g. "Away until 12 March")
- `providers.insights(services, user_id) -> list[block]` (the team's headline figures)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import BoltContext
from sqlalchemy.orm import Session

from bot.incident import service as incidents
from bot.incident.models import Incident
from bot.services import Services
from bot.slack.blocks.home import DueItem, HomeRow, home_view, outsider_view
from bot.slack.gateway import SlackError
from bot.slack.middleware import asker_of, services_of

log = logging.getLogger(__name__)
WEEK = timedelta(days=7)


@dataclass
class HomeProviders:
    deadlines_due: Callable[[Services, str, datetime, datetime], list[DueItem]] | None = None
    on_call: Callable[[Services], str | None] | None = None
    away: Callable[[Services, str], str | None] | None = None
    insights: Callable[[Services, str], list[dict[str, Any]]] | None = None


providers = HomeProviders()


def _involves(session: Session, incident: Incident, user_id: str) -> bool:
    if user_id in (incident.lead_id, incident.commander_id, incident.opened_by):
        return True
    return any(m.user_id == user_id for m in incidents.fix_team(session, incident.id))


def own_milestones(incident: Incident, start: datetime, end: datetime) -> list[DueItem]:
    """What the incident record itself says is due: the planned disclosure, the next update."""
    found = [
        (
            "public disclosure",
            incident.disclosure_planned_at if not incident.disclosed_at else None,
        ),
        ("next update", incident.next_update_at),
    ]
    return [
        DueItem(incident.human_id, incident.channel_id, what, when)
        for what, when in found
        if when is not None and start <= when < end
    ]


def _safely(what: str, provider: Callable[..., Any] | None, fallback: Any, *args: Any) -> Any:
    """What the provider answers for `args`; `fallback` when there is none or it fails."""
    if provider is None:
        return fallback
    try:
        return provider(*args)
    except Exception:
        log.exception("the App Home %s provider failed", what)
        return fallback


def build_home(services: Services, user_id: str, notice: str | None = None) -> dict[str, Any]:
    """The tab of a team member; `notice` is a line at the top (e.g. why a change was
    refused)."""
    now = services.clock.now()
    mine: list[HomeRow] = []
    others: list[HomeRow] = []
    due: list[DueItem] = []
    with services.db.transaction() as session:
        for incident in incidents.open_incidents(session):
            deadline = _safely(
                "next deadline", services.hooks.next_deadline, None, session, incident
            )
            row = HomeRow(incident, deadline)
            if _involves(session, incident, user_id):
                mine.append(row)
                due += own_milestones(incident, now, now + WEEK)
            else:
                others.append(row)
    due += _safely("deadlines", providers.deadlines_due, [], services, user_id, now, now + WEEK)
    on_call = _safely("on-call", providers.on_call, None, services)
    away = _safely("away", providers.away, None, services, user_id)
    insights = _safely("insights", providers.insights, [], services, user_id)
    return home_view(user_id, mine, others, due, on_call, away, now, notice, insights)


def home_opened(event: dict[str, Any], context: BoltContext) -> None:
    """The Home tab: the team's incidents for a member, a short note for anyone else."""
    if event.get("tab", "home") != "home":
        return
    services, user = services_of(context), asker_of(context)
    view = build_home(services, user) if context["on_roster"] else outsider_view()
    try:
        services.gateway.publish_home(user, view)
    except SlackError as exc:
        log.warning("could not publish the App Home of %s: %s", user, exc.error)
