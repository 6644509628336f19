"""Setting up Slack for a new incident, step by step, resumable after any failure.

Each step is recorded in the database as soon as Slack confirms it, so a retry (a
button, the start-up reconciler, or a second replica) continues where the last run
stopped and never repeats a finished step. A short lease, renewed after every step,
keeps two runs apart. A run that finds the last run's lease lapsed (its process died) or
adopts a channel created before a crash tells the team once what it repaired.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from bot.audit.models import AuditEntry
from bot.audit.service import BOT_ACTOR, record
from bot.database import lease, patient_waits
from bot.incident import service as incidents
from bot.incident.models import Incident
from bot.services import Services
from bot.slack.blocks import incident as incident_blocks
from bot.slack.channel_names import alternatives, incident_channel_name
from bot.slack.gateway import SlackError
from bot.timeline.service import add_event

log = logging.getLogger(__name__)
INTAKE_OPENERS = ("intake", "github", "email")
# Audit actions that mean a run picked up after a crash, and what each finished step is
# called when the team is told about the repair.
INTERRUPTED = ("slack.setup_resumed", "slack.channel_adopted")
REPAIRED = "slack.setup_repaired"
FINISHED = {
    "slack.channel_created": "private channel",
    "slack.members_invited": "invitations",
    "slack.headline_posted": "headline",
    "slack.headline_pinned": "pin",
    "slack.topic_set": "topic",
    "slack.triage_notice": "triage channel notice",
}


def setup_key(incident: Incident, step: str) -> str:
    """The post key of a set-up message: a rerun finds the message by it (see the gateway)."""
    return f"setup:{incident.id}:{step}"


@dataclass
class SetupResult:
    human_id: str
    complete: bool
    failed_step: str | None = None
    reason: str | None = None
    skipped: bool = False  # another run holds the lease


# A set-up run's lease; `lapsed`: the previous run's ran out before it finished.
Claim = lease.Lease


class LeaseLost(Exception):
    """Another run took the set-up over after this run's lease ran out."""


# The lease of the set-up run in this thread; steps renew it as they save.
_running: ContextVar[Claim | None] = ContextVar("setup_claim", default=None)


class IncidentSetup:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.db = services.db
        self.gateway = services.gateway

    # -- lease ------------------------------------------------------------------------
    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.services.settings.setup_lease_seconds)

    def _claim(self, incident_id: int) -> Claim | None:
        now = self.services.clock.now()
        until = now + self.lease
        with self.db.transaction() as session:
            return lease.acquire(
                session, Incident.setup_lease_until, Incident.id == incident_id, now, until
            )

    def _release(self, incident_id: int, error: str | None) -> None:
        claim = _running.get()
        assert claim is not None
        with self.db.transaction() as session:
            lease.relinquish(
                session,
                Incident.setup_lease_until,
                (Incident.id == incident_id) & (Incident.setup_lease_until == claim.until),
                setup_error=error,
            )

    def _load(self, incident_id: int) -> Incident:
        with self.db.transaction() as session:
            incident = incidents.get(session, incident_id)
            assert incident is not None
            return incident

    def _save(self, incident_id: int, step: str, note: str = "", **fields: object) -> Incident:
        """Record a finished step: the new fields, a timeline event and an audit row, and
        renew the lease; LeaseLost (nothing recorded) if another run took it over."""
        now = self.services.clock.now()
        claim = _running.get()
        assert claim is not None
        renewed = Claim(max(now + self.lease, claim.until), claim.lapsed)
        with self.db.transaction() as session:
            if not lease.extend(
                session,
                Incident.setup_lease_until,
                (Incident.id == incident_id) & (Incident.setup_lease_until == claim.until),
                renewed.until,
            ):
                raise LeaseLost
            incident = incidents.get(session, incident_id)
            assert incident is not None
            for name, value in fields.items():
                setattr(incident, name, value)
            incident.updated_at = now
            if note:
                add_event(session, incident_id, now, BOT_ACTOR, step, note)
            record(session, now, BOT_ACTOR, f"slack.{step}", incident_id, **fields)
        _running.set(renewed)
        return incident

    # -- the flow ---------------------------------------------------------------------
    def run(self, incident_id: int) -> SetupResult:
        # Nobody waits on a set-up's answer, so it queues for the database as long as
        # it must: under a burst of reports, a two-second cap would stop set-ups that
        # only had to wait their turn.
        with patient_waits():
            return self._run(incident_id)

    def _run(self, incident_id: int) -> SetupResult:
        claim = self._claim(incident_id)
        incident = self._load(incident_id)  # read after the claim: a run may just have ended
        if claim is None:
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
        token = _running.set(claim)
        try:
            return self._steps(incident, steps)
        except LeaseLost:
            log.warning("set-up of %s was taken over by another run", incident.human_id)
            return SetupResult(incident.human_id, complete=False, skipped=True)
        finally:
            _running.reset(token)

    def _steps(
        self, incident: Incident, steps: list[tuple[str, Callable[[Incident], Incident]]]
    ) -> SetupResult:
        claim = _running.get()
        assert claim is not None
        incident_id = incident.id
        had_failed_before = incident.setup_error is not None
        lost = False
        try:
            if claim.lapsed:
                log.warning("resuming the set-up of %s after an interruption", incident.human_id)
                incident = self._save(
                    incident_id,
                    "setup_resumed",
                    "Slack set-up resumed: the previous run stopped without finishing (a restart)",
                )
            for step, action in steps:
                try:
                    incident = action(incident)
                except SlackError as exc:
                    return self._failed(incident, step, exc)
            repair = self._pending_repair(incident)
            if repair:
                try:
                    incident = self._repair_notice(incident, repair)
                except SlackError as exc:
                    return self._failed(incident, "repair notice", exc)
            repaired = had_failed_before or bool(repair)
            incident = self._tell_opener(incident, repaired=repaired, repair=repair)
        except LeaseLost:
            lost = True  # the lease is another run's now: leave it alone
            raise
        finally:
            if not lost:
                current = self._load(incident_id)
                error = current.setup_error if not current.setup_complete else None
                self._release(incident_id, error)
        self._start_features(incident_id)
        return SetupResult(incident.human_id, complete=True)

    def _start_features(self, incident_id: int) -> None:
        """Features that start once an incident is open (the commander, the first lead
        offer) hook in here. Until all of them ran, the incident counts as unfinished, so
        a crash or a failure here is retried by the reconciler; the hooks are idempotent."""
        if self._load(incident_id).opened_hooks_done:
            return
        if self.services.hooks.opened(self.services, incident_id):
            with self.db.transaction() as session:
                session.execute(
                    update(Incident)
                    .where(Incident.id == incident_id)
                    .values(opened_hooks_done=True)
                )

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
            text, blocks = incident_blocks.setup_failed(incident, step, reason)
            try:
                self.gateway.dm(incident.opened_by, text, blocks)
            except SlackError:
                log.warning("could not tell %s about the failed set-up", incident.opened_by)
        return SetupResult(incident.human_id, complete=False, failed_step=step, reason=reason)

    def _channel(self, incident: Incident) -> Incident:
        if incident.channel_id:
            return incident
        # A name recorded by an earlier run means that run may have created the channel.
        tried_before = incident.channel_name is not None
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
                # Only a channel this incident's own runs may have made is adopted: one left
                # by the same bot on another database (a reset, a second deployment) is not.
                mine = tried_before or exc.after_lost_answer
                adopted = self._adoptable(name, wanted) if mine else None
                if adopted is None:
                    continue
                if not exc.after_lost_answer:
                    log.warning("adopting #%s, created before an interruption", name)
                    return self._save(
                        incident.id,
                        "channel_adopted",
                        f"Private channel <#{adopted['id']}>, created before an interruption, "
                        "adopted",
                        channel_id=adopted["id"],
                        channel_name=adopted["name"],
                    )
                channel = adopted  # this run's own call created it; only its answer was lost
            return self._save(
                incident.id,
                "channel_created",
                f"Private channel <#{channel['id']}> created",
                channel_id=channel["id"],
                channel_name=channel["name"],
            )
        raise SlackError("conversations.create", "name_taken")

    def _adoptable(self, name: str, wanted: str) -> dict[str, Any] | None:
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
        roster = self.services.roster
        roster.refresh_if_stale(self.gateway, self.services.clock.now())
        # Not roster.members: a bot in the team's user group must not read the embargo.
        people = list(roster.eligible)
        if roster.is_member(incident.opened_by):
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
            incident_blocks.headline_text(incident),
            incident_blocks.headline_blocks(incident),
            key=setup_key(incident, "headline"),
            look_first=self._maybe_posted(incident),
        )
        return self._save(incident.id, "headline_posted", "Headline posted", headline_ts=ts)

    def _maybe_posted(self, incident: Incident) -> bool:
        """Whether an earlier run may have posted this step's message without recording it:
        it stopped mid-run (a crash: its lease ran out) or failed after a lost answer."""
        claim = _running.get()
        return (claim is not None and claim.lapsed) or incident.setup_error is not None

    def _pin(self, incident: Incident) -> Incident:
        if incident.headline_pinned:
            return incident
        self.gateway.pin(incident.channel_id or "", incident.headline_ts or "")
        return self._save(incident.id, "headline_pinned", "Headline pinned", headline_pinned=True)

    def _topic(self, incident: Incident) -> Incident:
        if incident.topic_set:
            return incident
        self.gateway.set_topic(incident.channel_id or "", incident_blocks.topic(incident))
        return self._save(incident.id, "topic_set", "Channel topic set", topic_set=True)

    def _triage_notice(self, incident: Incident) -> Incident:
        if incident.triage_ts:
            return incident
        triage = self.services.triage.private_id()
        ts = self.gateway.post(
            triage,
            incident_blocks.triage_notice_text(incident),
            incident_blocks.triage_notice_blocks(incident),
            key=setup_key(incident, "triage-notice"),
            look_first=self._maybe_posted(incident),
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
        text, blocks = incident_blocks.received_for_reporter(incident)
        self.gateway.dm(
            opener,
            text,
            blocks,
            key=setup_key(incident, "receipt"),
            look_first=self._maybe_posted(incident),
        )
        return self._save(
            incident.id, "receipt_sent", f"Receipt sent to <@{opener}>", opener_told=True
        )

    def _pending_repair(self, incident: Incident) -> str:
        """What the runs since the last interruption repaired, if the team is not told yet."""
        with self.db.transaction() as session:
            actions = session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.incident_id == incident.id)
                .where(AuditEntry.action.like("slack.%"))
                .order_by(AuditEntry.id)
            ).all()
        start = None
        for index, action in enumerate(actions):
            if action == REPAIRED:
                start = None
            elif action in INTERRUPTED and start is None:
                start = index
        if start is None:
            return ""
        since = actions[start:]
        finished = [FINISHED[a] for a in dict.fromkeys(since) if a in FINISHED]
        adopted = "slack.channel_adopted" in since
        return incident_blocks.setup_repair_text(incident.channel_id or "", adopted, finished)

    def _repair_notice(self, incident: Incident, repair: str) -> Incident:
        """Tell the team in the incident's channel and under the triage notice (both private)."""
        text, blocks = incident_blocks.setup_repair_notice(incident, repair)
        self.gateway.post(
            incident.channel_id or "",
            text,
            blocks,
            key=setup_key(incident, "repair-channel"),
            look_first=True,
        )
        triage = self.services.triage.private_id()
        self.gateway.post(
            triage,
            text,
            blocks,
            thread_ts=incident.triage_ts,
            key=setup_key(incident, "repair-triage"),
            look_first=True,
        )
        return self._save(incident.id, "setup_repaired", repair)

    def _tell_opener(self, incident: Incident, repaired: bool, repair: str = "") -> Incident:
        opener = incident.opened_by
        if not self.services.roster.is_member(opener) or (incident.opener_told and not repaired):
            return self._save(incident.id, "setup_complete", opener_told=True, setup_error=None)
        if repaired:
            text, blocks = incident_blocks.setup_repaired(incident, repair)
        else:
            text, blocks = incident_blocks.opened_for_team(incident)
        try:
            self.gateway.dm(
                incident.opened_by,
                text,
                blocks,
                key=setup_key(incident, "opener-repaired" if repaired else "opener"),
                look_first=self._maybe_posted(incident),
            )
        except SlackError as exc:
            log.warning("could not DM %s: %s", incident.opened_by, exc.error)
        return self._save(incident.id, "setup_complete", opener_told=True, setup_error=None)
