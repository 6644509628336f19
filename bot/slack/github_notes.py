"""The Slack side of a GitHub delivery that joined an incident: what changed, publication.

A later delivery that changed the advisory gets a thread note listing the changes. A
publication gets a thread note, a mark on the headline (refreshed from the incident),
the `public` hooks (deadlines planned again) and, if it came before the planned
disclosure, an embargo alarm to the fix lead and the incident commander.
"""

from __future__ import annotations

import logging

from bot.incident import service as incidents
from bot.intake.ghsa import GithubAnswer
from bot.services import Services
from bot.slack.blocks.text import escape
from bot.slack.gateway import SlackError
from bot.slack.incident_messages import post_update, refresh

log = logging.getLogger(__name__)


def changes_note(human_id: str, ghsa_id: str, changes: tuple[str, ...]) -> str:
    return (
        f":arrows_counterclockwise: GitHub changed {escape(ghsa_id)} ({human_id}): "
        + ", ".join(changes)
        + ". The incident's fields follow GitHub's; see the timeline for the old values."
    )


def published_note(human_id: str, ghsa_id: str, alarm: bool) -> str:
    text = f":globe_with_meridians: GitHub published {escape(ghsa_id)}: {human_id} is public now."
    if alarm:
        text += " :rotating_light: This is *before the planned disclosure*: the embargo is broken."
    return text


def alarm_text(human_id: str, ghsa_id: str, channel_id: str | None) -> str:
    where = f" in <#{channel_id}>" if channel_id else ""
    return (
        f":rotating_light: Embargo alarm: GitHub published {escape(ghsa_id)} while {human_id} "
        f"is still before its planned disclosure. Please coordinate the release now{where}."
    )


def tell_thread(services: Services, answer: GithubAnswer) -> None:
    with services.db.transaction() as session:
        incident = incidents.get(session, answer.incident_id)
        assert incident is not None
        human_id, channel = incident.human_id, incident.channel_id
        people = [u for u in dict.fromkeys((incident.lead_id, incident.commander_id)) if u]
    refresh(services, answer.incident_id)
    if answer.changes:
        post_update(
            services, answer.incident_id, changes_note(human_id, answer.ghsa_id, answer.changes)
        )
    if answer.published:
        note = published_note(human_id, answer.ghsa_id, answer.embargo_alarm)
        post_update(services, answer.incident_id, note)
        services.hooks.changed(services, answer.incident_id, "public")
    if answer.embargo_alarm:
        for user in people:
            try:
                services.gateway.dm(user, alarm_text(human_id, answer.ghsa_id, channel))
            except SlackError as error:
                log.warning("could not send the embargo alarm to %s: %s", user, error.error)
