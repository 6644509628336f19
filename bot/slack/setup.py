"""Setting up Slack for a new incident, step by step, resumable after any failure.

Each step is recorded in the database as soon as Slack confirms it, so a retry (a
button, the start-up reconciler, or a second replica) continues where the last run
stopped and never repeats a finished step. A short lease keeps two runs apart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, update

from bot.audit.service import BOT_ACTOR, record
from bot.incident import service as incidents
from bot.incident.models import Incident
from bot.services import Services
from bot.slack.blocks import incident as views
from bot.slack.channel_names import alternatives, incident_channel_name
from bot.slack.gateway import SlackError
from bot.timeline.service import add_event

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)
INTAKE_OPENERS = ("intake", "github")


@dataclass
class SetupResult:
    human_id: str
    complete: bool
    failed_step: str | None = None
    reason: str | None = None
    skipped: bool = False  # another run holds the lease


class IncidentSetup:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.db = services.db
        self.gateway = services.gateway

    # -- lease ------------------------------------------------------------------------
    def _claim(self, incident_id: int) -> bool:
        now = self.services.clock.now()
        with self.db.transaction() as session:
            claimed = session.execute(
                update(Incident)
                .where(Incident.id == incident_id)
                .where(or_(Incident.setup_lease_until.is_(None), Incident.setup_lease_until < now))
                .values(setup_lease_until=now + LEASE)
            )
            return claimed.rowcount == 1

    def _release(self, incident_id: int, error: str | None) -> None:
        with self.db.transaction() as session:
            session.execute(
                update(Incident)
                .where(Incident.id == incident_id)
                .values(setup_lease_until=None, setup_error=error)
            )

    def _load(self, incident_id: int) -> Incident:
        with self.db.transaction() as session:
            incident = incidents.get(session, incident_id)
            assert incident is not None
            return incident

    def _save(self, incident_id: int, step: str, note: str = "", **fields: object) -> Incident:
        """Record a finished step: the new fields, a timeline event and an audit row."""
        now = self.services.clock.now()
        with self.db.transaction() as session:
            incident = incidents.get(session, incident_id)
            assert incident is not None
            for name, value in fields.items():
                setattr(incident, name, value)
            incident.updated_at = now
            if note:
                add_event(session, incident_id, now, BOT_ACTOR, step, note)
            record(session, now, BOT_ACTOR, f"slack.{step}", incident_id, **fields)
            return incident

    # -- the flow ---------------------------------------------------------------------
    def run(self, incident_id: int) -> SetupResult:
        incident = self._load(incident_id)
        if not self._claim(incident_id):
            return SetupResult(incident.human_id, complete=False, skipped=True)
        steps: list[tuple[str, Callable[[Incident], Incident]]] = [
            ("receipt", self._receipt),
            ("channel", self._channel),
            ("invitations", self._invite),
            ("headline", self._headline),
            ("pin", self._pin),
            ("topic", self._topic),
            ("triage notice", self._triage_notice),
        ]
        had_failed_before = incident.setup_error is not None
        was_complete = incident.setup_complete and incident.opener_told
        try:
            for step, action in steps:
                try:
                    incident = action(incident)
                except SlackError as exc:
                    return self._failed(incident, step, exc)
            incident = self._tell_opener(incident, repaired=had_failed_before)
        finally:
            current = self._load(incident_id)
            self._release(incident_id, current.setup_error if not current.setup_complete else None)
        if not was_complete:
            # Features that start once an incident is open (lead offers) hook in here;
            # they are idempotent, so a crash right here only means they run on retry.
            self.services.hooks.opened(self.services, incident_id)
        return SetupResult(incident.human_id, complete=True)

    def _failed(self, incident: Incident, step: str, exc: SlackError) -> SetupResult:
        reason = exc.plain
        log.warning("set-up of %s stopped at %s: %s", incident.human_id, step, exc.error)
        self._save(
            incident.id,
            "setup_failed",
            f"Slack set-up stopped at {step}: {reason}",
            setup_error=f"{step}: {reason}",
        )
        if incident.opened_by not in INTAKE_OPENERS and self.services.roster.is_member(
            incident.opened_by
        ):
            text, blocks = views.setup_failed(incident, step, reason)
            try:
                self.gateway.dm(incident.opened_by, text, blocks)
            except SlackError:
                log.warning("could not tell %s about the failed set-up", incident.opened_by)
        return SetupResult(incident.human_id, complete=False, failed_step=step, reason=reason)

    def _channel(self, incident: Incident) -> Incident:
        if incident.channel_id:
            return incident
        wanted = incident.channel_name or incident_channel_name(incident.human_id, incident.title)
        # Remember the name before asking Slack, so a crash right after creation can be
        # recognised on the next run and the channel adopted rather than duplicated.
        incident = self._save(incident.id, "channel_name", channel_name=wanted)
        candidates = [wanted, *alternatives(incident.human_id, incident.title)]
        for name in candidates:
            try:
                channel = self.gateway.create_private_channel(name)
            except SlackError as exc:
                if exc.error != "name_taken":
                    raise
                adopted = self._adoptable(name, wanted)
                if adopted is None:
                    continue
                channel = adopted
            return self._save(
                incident.id,
                "channel_created",
                f"Private channel <#{channel['id']}> created",
                channel_id=channel["id"],
                channel_name=channel["name"],
            )
        raise SlackError("conversations.create", "name_taken")

    def _adoptable(self, name: str, wanted: str) -> dict | None:
        """A channel this bot created for this incident before it could record it."""
        if name != wanted:
            return None
        channel = self.gateway.find_channel_by_name(name)
        if not channel or channel.get("is_archived") or not channel.get("is_private"):
            return None
        if channel.get("creator") not in (None, self.services.bot_user_id):
            return None
        with self.db.transaction() as session:
            if incidents.get_by_channel(session, channel["id"]) is not None:
                return None
        return channel

    def _invite(self, incident: Incident) -> Incident:
        if incident.members_invited:
            return incident
        people = list(self.services.roster.members)
        if self.services.roster.is_member(incident.opened_by):
            people.append(incident.opened_by)
        outcome = self.gateway.invite(incident.channel_id or "", people)
        note = f"Invited {len(outcome.invited)} member(s)"
        if outcome.failed:
            failures = ", ".join(f"<@{user}> ({error})" for user, error in outcome.failed.items())
            note += f"; could not invite {failures}"
        return self._save(incident.id, "members_invited", note, members_invited=True)

    def _headline(self, incident: Incident) -> Incident:
        if incident.headline_ts:
            return incident
        ts = self.gateway.post(
            incident.channel_id or "",
            views.headline_text(incident),
            views.headline_blocks(incident),
        )
        return self._save(incident.id, "headline_posted", "Headline posted", headline_ts=ts)

    def _pin(self, incident: Incident) -> Incident:
        if incident.headline_pinned:
            return incident
        self.gateway.pin(incident.channel_id or "", incident.headline_ts or "")
        return self._save(incident.id, "headline_pinned", headline_pinned=True)

    def _topic(self, incident: Incident) -> Incident:
        if incident.topic_set:
            return incident
        self.gateway.set_topic(incident.channel_id or "", views.topic(incident))
        return self._save(incident.id, "topic_set", topic_set=True)

    def _triage_notice(self, incident: Incident) -> Incident:
        if incident.triage_ts:
            return incident
        triage = self.services.triage.private_id()
        ts = self.gateway.post(
            triage, views.triage_notice_text(incident), views.triage_notice_blocks(incident)
        )
        return self._save(
            incident.id, "triage_notice", "Notice posted in the triage channel", triage_ts=ts
        )

    def _receipt(self, incident: Incident) -> Incident:
        """Someone outside the team hears at once that their report arrived, and no more."""
        opener = incident.opened_by
        if incident.opener_told or opener in INTAKE_OPENERS:
            return incident
        if self.services.roster.is_member(opener):
            return incident
        text, blocks = views.received_for_reporter(incident)
        self.gateway.dm(opener, text, blocks)
        return self._save(incident.id, "receipt_sent", opener_told=True)

    def _tell_opener(self, incident: Incident, repaired: bool) -> Incident:
        opener = incident.opened_by
        if not self.services.roster.is_member(opener) or (incident.opener_told and not repaired):
            return self._save(incident.id, "setup_complete", opener_told=True, setup_error=None)
        builder = views.setup_repaired if repaired else views.opened_for_team
        text, blocks = builder(incident)
        try:
            self.gateway.dm(incident.opened_by, text, blocks)
        except SlackError as exc:
            log.warning("could not DM %s: %s", incident.opened_by, exc.error)
        return self._save(incident.id, "setup_complete", opener_told=True, setup_error=None)
