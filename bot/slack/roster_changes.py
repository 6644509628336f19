"""Someone who leaves the security team loses what came with it, and the team is told.

After every complete roster refresh the members are compared with the `roster_member`
rows. For each person no longer on it, in every open incident: the lead or commander role
they held passes to the other of the two (so reminders go there), they are removed from
the channel unless they are on its fix team (which keeps its own rules), and the triage
thread names whom the bot removed. Reminder DMs also check the roster when they are sent.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from bot.audit.service import record
from bot.embargo.models import RosterMember
from bot.incident import service as incidents
from bot.incident.models import Incident, Phase
from bot.services import Services
from bot.slack.blocks import embargo as texts
from bot.slack.gateway import SlackError
from bot.timeline.service import add_event

log = logging.getLogger(__name__)


def install(services: Services) -> None:
    def changed(members: tuple[str, ...]) -> None:
        # In the refreshing thread: usually one read; removals are rare and short.
        try:
            apply(services, members)
        except Exception as error:
            log.warning("could not apply a roster change (%s)", type(error).__name__)

    services.roster.after_refresh.append(changed)


def apply(services: Services, members: tuple[str, ...]) -> list[str]:
    """Record who is on the roster now; deal with each person who left. Returns them."""
    now = services.clock.now()
    current = set(members)
    with services.db.transaction() as session:
        known = {row.user_id: row for row in session.scalars(select(RosterMember))}
        for user in current:
            row = known.get(user)
            if row is None:
                session.add(RosterMember(user_id=user, seen_at=now))
            elif row.removed_at is not None:
                row.removed_at = row.handled_at = None  # back on the team
        for user, row in known.items():
            if user not in current and row.removed_at is None:
                row.removed_at = now
    left = []
    for user in _unhandled(services):
        if _claim(services, user):
            left.append(user)
            remove_from_incidents(services, user)
    return left


def _unhandled(services: Services) -> list[str]:
    with services.db.transaction() as session:
        query = select(RosterMember.user_id).where(
            RosterMember.removed_at.is_not(None), RosterMember.handled_at.is_(None)
        )
        return list(session.scalars(query))


def _claim(services: Services, user: str) -> bool:
    with services.db.transaction() as session:
        claimed = session.execute(
            update(RosterMember)
            .where(RosterMember.user_id == user, RosterMember.handled_at.is_(None))
            .values(handled_at=services.clock.now())
        )
        return bool(claimed.rowcount)  # type: ignore[attr-defined]


def remove_from_incidents(services: Services, user: str) -> None:
    now = services.clock.now()
    roster = services.roster
    with services.db.transaction() as session:
        query = select(Incident).where(Incident.phase != Phase.CLOSED.value)
        open_ids = [incident.id for incident in session.scalars(query)]
    for incident_id in open_ids:
        with services.db.transaction() as session:
            incident = incidents.lock(session, incident_id)
            if incident is None:
                continue
            on_fix_team = any(m.user_id == user for m in incidents.fix_team(session, incident_id))
            reminders_to = None
            if incident.lead_id == user:
                other = incident.commander_id
                incident.lead_id = other if other and roster.is_member(other) else None
                reminders_to = incident.lead_id
            if incident.commander_id == user:
                other = incident.lead_id
                incident.commander_id = other if other and roster.is_member(other) else None
                reminders_to = reminders_to or incident.commander_id
            add_event(session, incident_id, now, "bot", "member_left", f"<@{user}> left the team")
            record(session, now, "bot", "roster.member_left", incident_id, user=user)
            channel, triage_ts = incident.channel_id, incident.triage_ts
            human_id = incident.human_id
            session.flush()
            session.expunge(incident)  # read after the commit, for the note
        kicked = False
        if channel and not on_fix_team:
            try:
                services.gateway.call("conversations.kick", channel=channel, user=user)
                kicked = True
            except SlackError as exc:
                if exc.error != "not_in_channel":
                    log.warning("could not remove %s from %s: %s", user, human_id, exc.error)
        if not (kicked or on_fix_team or reminders_to):
            continue  # they had nothing here
        if triage_ts:
            text = texts.member_removed(incident, user, kicked, reminders_to)
            try:
                services.gateway.post(services.triage.private_id(), text, thread_ts=triage_ts)
            except SlackError as exc:
                log.warning("could not note a removal under %s: %s", human_id, exc.error)
