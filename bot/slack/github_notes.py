"""The Slack side of a GitHub delivery that joined an incident: what changed, publication.

A later delivery that changed the advisory gets a thread note listing the changes. A
publication gets a thread note, a mark on the headline (refreshed from the incident),
the `public` hooks (deadlines planned again) and, if it came before the planned
disclosure, an embargo alarm to the fix lead and the incident commander.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from bot.incident import service as incidents
from bot.incident.models import Incident
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
    """Right after the answer: the changes, then the publication; both owed until told."""
    refresh(services, answer.incident_id)
    if answer.changes:
        tell_changes(services, answer.incident_id)
    if answer.published:
        tell_publication(services, answer.incident_id)


def tell_changes(services: Services, incident_id: int) -> bool:
    """The thread note of what GitHub changed, while owed; cleared once the triage thread
    has it (the note in the incident channel is a courtesy copy)."""
    with services.db.transaction() as session:
        incident = incidents.get(session, incident_id)
        if incident is None or not incident.github_changes_owed or not incident.triage_ts:
            return False
        owed, thread = incident.github_changes_owed, incident.triage_ts
        channel, headline = incident.channel_id, incident.headline_ts
        note = changes_note(incident.human_id, incident.ghsa_id or "", tuple(owed.split(", ")))
    try:
        services.gateway.post(services.triage.private_id(), note, thread_ts=thread)
    except SlackError as error:
        log.warning("could not tell the thread what GitHub changed: %s", error.error)
        return False
    if channel:
        try:
            services.gateway.post(channel, note, thread_ts=headline)
        except SlackError as error:
            log.warning("could not copy GitHub's changes to the channel: %s", error.error)
    with services.db.transaction() as session:
        told = incidents.get(session, incident_id)
        if told is not None and told.github_changes_owed == owed:
            told.github_changes_owed = None
    return True


def tell_publication(services: Services, incident_id: int) -> bool:
    """The thread note of GitHub's publication, the `public` hooks and the embargo alarm.

    Owed until told (a row field), so a crash or a Slack outage between the answer and
    here is made good by the reconcile job. Each person's alarm is marked as it goes out,
    so a retry sends it only to whoever has not had it; the thread note may repeat.
    """
    with services.db.transaction() as session:
        incident = incidents.get(session, incident_id)
        if incident is None or incident.github_publication_note is None:
            return False
        if not incident.triage_ts:
            return False  # the set-up has not reached the thread yet: the next round
        kind, *told = incident.github_publication_note.split(";")
        alarm = kind == "alarm"
        human_id, channel, ghsa = incident.human_id, incident.channel_id, incident.ghsa_id or ""
        people = [u for u in dict.fromkeys((incident.lead_id, incident.commander_id)) if u]
    if not told:
        refresh(services, incident_id)
        post_update(services, incident_id, published_note(human_id, ghsa, alarm))
        services.hooks.changed(services, incident_id, "public")
    for user in people if alarm else []:
        if user in told:
            continue
        try:
            services.gateway.dm(user, alarm_text(human_id, ghsa, channel))
        except SlackError as error:
            log.warning("could not send the embargo alarm to %s: %s", user, error.error)
            return False  # still owed: the reconcile job tries again
        told.append(user)
        _owe(services, incident_id, ";".join([kind, *told]))
    _owe(services, incident_id, None)
    return True


def _owe(services: Services, incident_id: int, note: str | None) -> None:
    with services.db.transaction() as session:
        incident = incidents.get(session, incident_id)
        if incident is not None:
            incident.github_publication_note = note


def retell_publications(services: Services, *, settle_seconds: float = 60.0) -> int:
    """Changes and publications whose telling a crash or an outage interrupted (the
    reconcile job).

    One younger than `settle_seconds` is left to the run that follows its answer.
    """
    before = services.clock.now() - timedelta(seconds=settle_seconds)
    with services.db.transaction() as session:
        owed = (Incident.github_publication_note.is_not(None)) | (
            Incident.github_changes_owed.is_not(None)
        )
        pending = list(
            session.scalars(select(Incident.id).where(owed).where(Incident.updated_at <= before))
        )
    told = 0
    for incident_id in pending:
        told += tell_changes(services, incident_id)
        told += tell_publication(services, incident_id)
    return told
