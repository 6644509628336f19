"""Running one lifecycle step from Slack: the domain step, then the Slack side of it.

Each step commits its change (with timeline event and audit row) together with an outbox
row naming the change; what Slack then shows (headline and triage parent edited in place,
a thread reply, the other features' hooks) is delivered from that row (bot.slack.changes
decides it, bot.slack.delivery shows it). The outcome's `finish` rings for the delivery,
so a modal can be closed first. A refusal comes back as plain-words problems and changes
nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from bot.advisory import store
from bot.advisory.model import AffectedPackage
from bot.exports.files import export_files, load_context, people_in, record_export
from bot.incident import service as incidents
from bot.incident.models import Incident, Phase
from bot.outbox.service import emit
from bot.services import Services
from bot.slack import changes
from bot.slack.blocks.text import mrkdwn
from bot.slack.disclosure_review import disclosure_date_warning
from bot.slack.gateway import SlackError

log = logging.getLogger(__name__)
TOO_LONG = (
    "Some of that text is longer than the bot can store, so nothing was saved. "
    "Shorten it and try again."
)


@dataclass
class Outcome:
    """What the person who asked is told; `problems` empty means it happened."""

    message: str = ""
    problems: list[str] = field(default_factory=list)
    later: list[Callable[[], None]] = field(default_factory=list)
    blocks: list[dict[str, Any]] | None = None  # set when the message carries a button

    @property
    def ok(self) -> bool:
        return not self.problems

    def finish(self) -> Outcome:
        """Run the Slack side of a step that succeeded; call it after the ack."""
        while self.later:
            self.later.pop(0)()
        return self


class Lifecycle:
    def __init__(self, services: Services) -> None:
        self.services = services

    def _now(self) -> datetime:
        return self.services.clock.now()

    @staticmethod
    def _phase_facts(incident: Incident, old: str, actor: str, why: str) -> dict[str, Any]:
        return {
            "old": old,
            "new": incident.phase,
            "actor": actor,
            "why": why,
            "as_of": changes.as_of(incident),
        }

    def _step(
        self,
        work: Callable[[Session], Incident],
        kind: str,
        facts: Callable[[Incident], dict[str, Any]] = lambda incident: {},
    ) -> tuple[Incident | None, list[str]]:
        """Run the step and, in its transaction, the outbox row of what it changed."""
        try:
            with self.services.db.transaction() as session:
                incident = work(session)
                emit(session, incident.id, kind, self._now(), **facts(incident))
                return incident, []
        except incidents.StepRefused as refusal:
            return None, refusal.problems
        except DataError:
            # A value the column cannot hold that no check caught: refused, never silent.
            log.warning("a step was refused by the database (a value does not fit its column)")
            return None, [TOO_LONG]

    def _show(self, incident_id: int) -> Callable[[], None]:
        return lambda: self.services.doorbell.ring(incident_id)

    # -- phases -------------------------------------------------------------------------
    def change_phase(
        self,
        incident_id: int,
        target: Phase,
        actor: str,
        why: str = "",
        *,
        disclosure_planned_at: datetime | None = None,
        fixed_versions: str | None = None,
    ) -> Outcome:
        old: dict[str, str] = {}

        def work(session: Session) -> Incident:
            current = incidents.get(session, incident_id)
            old["phase"] = current.phase if current else "?"
            return incidents.change_phase(
                session,
                incident_id,
                target,
                actor=actor,
                now=self._now(),
                why=why,
                disclosure_planned_at=disclosure_planned_at,
                fixed_versions=fixed_versions,
            )

        incident, problems = self._step(
            work, changes.PHASE, lambda i: self._phase_facts(i, old["phase"], actor, why)
        )
        if incident is None:
            return Outcome(problems=problems)
        outcome = Outcome(
            f"{incident.human_id} is now in {target.value}.", later=[self._show(incident_id)]
        )
        if disclosure_planned_at is not None:
            warning = disclosure_date_warning(self.services, incident, disclosure_planned_at)
            if warning is not None:
                text, blocks = warning
                outcome.blocks = [{"type": "section", "text": mrkdwn(outcome.message)}, *blocks]
                outcome.message = f"{outcome.message} {text}"
        return outcome

    def close(
        self, incident_id: int, resolution: str, actor: str, why: str = "", duplicate_of: str = ""
    ) -> Outcome:
        old: dict[str, str] = {}

        def work(session: Session) -> Incident:
            current = incidents.get(session, incident_id)
            old["phase"] = current.phase if current else "?"
            return incidents.close_incident(
                session,
                incident_id,
                resolution,
                actor=actor,
                now=self._now(),
                why=why,
                duplicate_of=duplicate_of,
            )

        incident, problems = self._step(
            work, changes.PHASE, lambda i: self._phase_facts(i, old["phase"], actor, why)
        )
        if incident is None:
            return Outcome(problems=problems)
        return Outcome(f"{incident.human_id} is closed.", later=[self._show(incident_id)])

    def reopen(self, incident_id: int, actor: str, why: str = "") -> Outcome:
        incident, problems = self._step(
            lambda session: incidents.reopen_incident(
                session, incident_id, actor=actor, now=self._now(), why=why
            ),
            changes.PHASE,
            lambda i: self._phase_facts(i, Phase.CLOSED.value, actor, why),
        )
        if incident is None:
            return Outcome(problems=problems)
        return Outcome(
            f"{incident.human_id} is open again, in {incident.phase}.",
            later=[self._show(incident_id)],
        )

    def fix_ready(self, incident_id: int, actor: str) -> Outcome:
        incident, problems = self._step(
            lambda session: incidents.mark_fix_ready(
                session, incident_id, actor=actor, now=self._now()
            ),
            changes.FIX_READY,
            lambda i: {"actor": actor},
        )
        if incident is None:
            return Outcome(problems=problems)
        return Outcome(
            f"The fix for {incident.human_id} is marked ready.", later=[self._show(incident_id)]
        )

    def make_public(self, incident_id: int, actor: str, why: str = "") -> Outcome:
        incident, problems = self._step(
            lambda session: incidents.mark_public(
                session, incident_id, actor=actor, now=self._now(), why=why
            ),
            changes.PUBLIC,
            lambda i: {"actor": actor, "why": why},
        )
        if incident is None:
            return Outcome(problems=problems)
        return Outcome(
            f"{incident.human_id} is marked public; its deadlines are planned again.",
            later=[self._show(incident_id)],
        )

    # -- updates and advisory fields ------------------------------------------------------
    def update(
        self, incident_id: int, text: str, actor: str, next_update_at: datetime | None = None
    ) -> Outcome:
        incident, problems = self._step(
            lambda session: incidents.record_update(
                session,
                incident_id,
                text,
                actor=actor,
                now=self._now(),
                next_update_at=next_update_at,
            ),
            changes.UPDATE,
            lambda i: {
                "actor": actor,
                "text": text.strip(),
                "next_update_at": next_update_at.isoformat() if next_update_at else None,
            },
        )
        if incident is None:
            return Outcome(problems=problems)
        return Outcome(f"Update posted for {incident.human_id}.", later=[self._show(incident_id)])

    def edit_advisory(
        self,
        incident_id: int,
        values: dict[str, str],
        actor: str,
        packages: list[AffectedPackage] | None = None,
    ) -> Outcome:
        """Store the advisory fields; `packages`, when given, replace the affected packages."""
        changed: list[str] = []

        def work(session: Session) -> Incident:
            changed.extend(
                incidents.set_advisory_fields(
                    session, incident_id, values, actor=actor, now=self._now()
                )
            )
            incident = incidents.get(session, incident_id)
            assert incident is not None
            if packages is not None and store.set_packages(
                session, incident, packages, actor=actor, now=self._now()
            ):
                changed.append("affected packages")
            if changed:
                facts = {"actor": actor, "fields": changed}
                emit(session, incident_id, changes.ADVISORY, self._now(), **facts)
            return incident

        try:
            with self.services.db.transaction() as session:
                incident = work(session)
        except incidents.StepRefused as refusal:
            return Outcome(problems=refusal.problems)
        if not changed:
            return Outcome("Nothing changed.")
        return Outcome(
            f"Saved {len(changed)} advisory field(s) of {incident.human_id}.",
            later=[self._show(incident_id)],
        )

    # -- fix team ---------------------------------------------------------------------------
    def add_fix_team(self, incident_id: int, users: list[str], actor: str, role: str) -> Outcome:
        gateway = self.services.gateway
        with self.services.db.transaction() as session:
            incident = incidents.get(session, incident_id)
            assert incident is not None
        if not incident.is_open or not incident.channel_id:
            return Outcome(problems=[f"{incident.human_id} has no open incident channel."])
        try:
            outcome = gateway.invite(incident.channel_id, users)
        except SlackError as exc:
            return Outcome(problems=[f"Slack would not invite them: {exc.plain}."])
        if outcome.failed:
            failed = ", ".join(f"<@{u}> ({e})" for u, e in outcome.failed.items())
            problem = f"Slack would not invite {failed}."
        else:
            problem = ""
        added = []
        for user in [u for u in users if u not in outcome.failed]:
            with self.services.db.transaction() as session:
                _, new = incidents.add_fix_team_member(
                    session, incident_id, user, actor=actor, now=self._now()
                )
                if new:
                    facts = {"user": user, "actor": actor, "role": role}
                    emit(session, incident_id, changes.FIX_TEAM_JOINED, self._now(), **facts)
            if new:
                added.append(user)
        if added:
            self.services.doorbell.ring(incident_id)
        names = ", ".join(f"<@{u}>" for u in added) or "nobody new"
        return Outcome(f"Added {names} to the fix team.", [problem] if problem else [])

    def release_fix_team(self, incident_id: int, user: str, actor: str) -> Outcome:
        with self.services.db.transaction() as session:
            incident = incidents.get(session, incident_id)
            assert incident is not None
            released = incidents.release_fix_team_member(
                session, incident_id, user, actor=actor, now=self._now()
            )
            if released:
                facts = {"user": user, "actor": actor}
                emit(session, incident_id, changes.FIX_TEAM_RELEASED, self._now(), **facts)
        if not released:
            return Outcome(problems=[f"<@{user}> is not on the fix team of {incident.human_id}."])
        if incident.channel_id and not self.services.roster.is_member(user):
            try:
                self.services.gateway.call(
                    "conversations.kick", channel=incident.channel_id, user=user
                )
            except SlackError as exc:
                log.warning("could not remove %s from the channel: %s", user, exc.error)
        self.services.doorbell.ring(incident_id)
        return Outcome(f"<@{user}> is released from the fix team.")

    # -- exports ------------------------------------------------------------------------------
    def export(self, incident_id: int, actor: str) -> Outcome:
        now = self._now()
        with self.services.db.transaction() as session:
            context = load_context(session, incident_id, now)
        incident = context.incident
        if not incident.channel_id:
            return Outcome(problems=[f"{incident.human_id} has no incident channel yet."])
        names = self._names(people_in(context))
        with self.services.db.transaction() as session:
            context = load_context(session, incident_id, now, names)
        files = export_files(context)
        try:
            for name, content in files:
                self.services.gateway.upload(
                    incident.channel_id, name, content, title=f"{incident.human_id} {name}"
                )
        except SlackError as exc:
            return Outcome(problems=[f"The upload failed: {exc.plain}. Please try again."])
        listed = [name for name, _ in files]
        with self.services.db.transaction() as session:
            record_export(session, incident_id, listed, actor, now)
            emit(session, incident_id, changes.EXPORTED, now, actor=actor, files=listed)
        self.services.doorbell.ring(incident_id)
        return Outcome(f"Exported {', '.join(listed)} to <#{incident.channel_id}>.")

    def _names(self, users: set[str]) -> dict[str, str]:
        names: dict[str, str] = {}
        for user in sorted(users):
            try:
                info = self.services.gateway.user_info(user)
            except SlackError:
                continue
            profile = info.get("profile") or {}
            name = profile.get("real_name") or info.get("real_name") or info.get("name")
            if name:
                names[user] = str(name)
        return names
