"""Delivering the outbox to Slack: every committed change shown once, in order, whatever fails.

Each drain first runs the other features' `incident_changed` hooks for new rows (whatever
Slack does). It then claims lanes (one incident's oldest unfinished rows, leased;
bot.outbox.service), asks `what_shows` what each change shows, makes each post with the
row's own key (after a crash or a failed attempt, an earlier post is found by that key
instead of made again) and records it at once, repaints the incident's headline, triage
parent and topic once for the whole lane, then marks the rows done.

While Slack is down or rate limiting, the lane goes back, untouched except for what was
delivered, until Slack's Retry-After or a back-off that grows with the rows' age. A post
Slack refuses for good (an archived channel, say) fails its row after a few attempts, and
the triage thread is told. Every incident post and edit goes out through `_send`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.incident import service as incidents
from bot.incident.models import Incident
from bot.outbox import service as outbox
from bot.services import Services
from bot.slack.changes import Post, Shows, given_up, what_shows
from bot.slack.channel_guard import NOT_PRIVATE
from bot.slack.gateway import SlackError, SlackGateway, SlackUnavailable
from bot.slack.incident_messages import repaint

log = logging.getLogger(__name__)
BATCH = 100  # rows claimed per transaction
FAILURE_CAP = 4  # refusals (not outages) of one row before it is given up and reported
RETRY_FIRST = timedelta(seconds=2)
RETRY_MAX = timedelta(minutes=5)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def post_key(row_id: int, name: str) -> str:
    return f"outbox:{row_id}:{name}"


@dataclass
class DeliveryReport:
    delivered: int = 0  # rows done
    posts: int = 0
    repaints: int = 0
    put_back: int = 0
    failed: int = 0
    lateness: list[float] = field(default_factory=list)  # commit to done, seconds per row


class LeaseLost(Exception):
    """Another worker holds the lane now (this one was too slow); it stops here."""


class Delivery:
    def __init__(self, services: Services, worker: str | None = None) -> None:
        self.services = services
        self.worker = worker or worker_name()
        base = services.gateway
        # Short rate limits are waited out as everywhere; a longer Retry-After puts the
        # lane back until then, and other lanes go on.
        self.gateway = SlackGateway(
            base.client, attempts=base.attempts, max_wait=base.max_wait, sleep=base._sleep
        )
        self.gateway.guard = base.guard  # the same channel guard: private channels only

    @property
    def lease(self) -> timedelta:
        """One lane's delivery; renewed before each row."""
        return timedelta(seconds=self.services.settings.delivery_lease_seconds)

    # -- claiming ---------------------------------------------------------------------
    def drain(self, incident_id: int | None = None) -> DeliveryReport:
        """Deliver everything due (or due for one incident) until nothing is left to take.

        For one incident it waits for another delivery of that incident in this process,
        so whoever rang returns with its change shown (unless Slack is down)."""
        if incident_id is None:
            return self._drain(None)
        with _incident_lock(incident_id):
            return self._drain(incident_id)

    def _drain(self, incident_id: int | None) -> DeliveryReport:
        report = DeliveryReport()
        self._tell_features(incident_id)
        while True:
            now = self.services.clock.now()
            with self.services.db.transaction() as session:
                claimed = outbox.claim(
                    session, now, self.worker, self.lease, BATCH, incident_id=incident_id
                )
            for owner, row in claimed.gave_up:
                report.failed += 1
                self._report_given_up(owner, row, "its delivery was interrupted too often")
            for lane in claimed.lanes:
                with _incident_lock(lane.incident_id):
                    self._lane(lane, report)
            if not claimed.lanes and not claimed.gave_up:
                return report

    def _tell_features(self, incident_id: int | None) -> None:
        """Run the other features' `incident_changed` hooks (re-planning deadlines) for new
        changes first: whatever Slack does, and before their repaints read the result."""
        services = self.services
        while True:
            with services.db.transaction() as session:
                found = outbox.unheard(session, BATCH, incident_id)
            for change in found:
                self._hooks(change.id, change.incident_id, change.kind, change.facts)
            if len(found) < BATCH:
                return

    def _hooks(self, row_id: int, incident_id: int, kind: str, facts: dict[str, Any]) -> None:
        services = self.services
        try:
            reason = what_shows(kind, facts, self._incident(incident_id), None).reason
        except (KeyError, ValueError):
            reason = None  # a row this version cannot read; its delivery gives it up
        if reason:
            services.hooks.changed(services, incident_id, reason)
        with services.db.transaction() as session:
            outbox.mark_heard(session, row_id)

    # -- one incident's rows ------------------------------------------------------------
    def _lane(self, lane: outbox.Lane, report: DeliveryReport) -> None:
        services = self.services
        pending = [row.id for row in lane.rows]
        wants_repaint = False
        current: outbox.Leased | None = None
        try:
            for row in lane.rows:
                current = row
                self._renew(pending)
                if not row.heard:  # taken before this process's own pass could run them
                    self._hooks(row.id, lane.incident_id, row.kind, row.facts)
                incident = self._incident(lane.incident_id)
                try:
                    shows = what_shows(row.kind, row.facts, incident, self._triage())
                except (KeyError, ValueError):
                    # Written by another version of the bot, say: never shown, and said so.
                    log.exception("outbox row %s (%s) cannot be read", row.id, row.kind)
                    raise SlackError("outbox", "unreadable_change") from None
                self._posts(incident, row, shows, report)
                wants_repaint = wants_repaint or shows.repaint
            current = None
            if wants_repaint:
                self._renew(pending)
                self._repaint(lane.incident_id, report)
        except LeaseLost:
            log.warning("outbox lane of incident %s was taken over", lane.incident_id)
            return
        except SlackUnavailable as exc:
            self._put_back(lane, pending, exc, report)
            return
        except SlackError as exc:
            if current is not None and self._refused(lane.incident_id, current, exc, report):
                pending.remove(current.id)
            self._put_back(lane, pending, exc, report)
            return
        now = services.clock.now()
        with services.db.transaction() as session:
            report.delivered += outbox.finish(session, pending, self.worker, now)
        report.lateness += [(now - row.created_at).total_seconds() for row in lane.rows]

    def _posts(
        self, incident: Incident, row: outbox.Leased, shows: Shows, report: DeliveryReport
    ) -> None:
        done = set(row.done)
        for post in shows.posts:
            if post.name in done:
                continue
            try:
                self._send(incident, post, post_key(row.id, post.name), look_first=row.recovered)
                report.posts += 1
            except SlackError as exc:
                if exc.error != NOT_PRIVATE:
                    raise
                # The channel guard refused it for good (the channel is no longer private):
                # the team was told once; the row's other places still get it.
            done.add(post.name)
            with self.services.db.transaction() as session:
                if not outbox.record_delivered(session, row.id, self.worker, done):
                    raise LeaseLost

    def _send(self, incident: Incident, post: Post, key: str, *, look_first: bool) -> None:
        """The one place an incident's message goes out to Slack (posts here, edits in
        `_repaint`): checks that apply to everything shown about an incident belong here."""
        self.gateway.post(
            post.channel, post.text, post.blocks, post.thread_ts, key=key, look_first=look_first
        )

    def _repaint(self, incident_id: int, report: DeliveryReport) -> None:
        with self.services.db.transaction() as session:
            outbox.absorb_repaints(session, incident_id, self.services.clock.now())
        try:
            repaint(self.services, self.gateway, incident_id)
            report.repaints += 1
        except SlackUnavailable:
            raise
        except SlackError as exc:
            # Edits Slack refuses for good (a deleted headline) are not worth retrying:
            # the database holds the truth, and the next repaint shows it.
            log.warning("could not repaint incident %s: %s", incident_id, exc.error)

    # -- failures ---------------------------------------------------------------------
    def _put_back(
        self, lane: outbox.Lane, row_ids: list[int], exc: SlackError, report: DeliveryReport
    ) -> None:
        if not row_ids:
            return
        now = self.services.clock.now()
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            wait = timedelta(seconds=retry_after)
        else:
            # Back off in step with how long the oldest row has waited: quick retries for a
            # blip, a few minutes apart in a long outage.
            waited = now - min(row.created_at for row in lane.rows)
            wait = min(max(waited / 4, RETRY_FIRST), RETRY_MAX)
        log.info("incident %s: Slack said %s; retry in %s", lane.incident_id, exc.error, wait)
        with self.services.db.transaction() as session:
            outbox.put_back(session, row_ids, self.worker, now + wait, exc.error)
        report.put_back += len(row_ids)

    def _refused(
        self, incident_id: int, row: outbox.Leased, exc: SlackError, report: DeliveryReport
    ) -> bool:
        """Count Slack's refusal against the row; True once it is given up."""
        with self.services.db.transaction() as session:
            gave_up = outbox.count_failure(session, row.id, self.worker, exc.error, FAILURE_CAP)
        if gave_up:
            report.failed += 1
            self._report_given_up(incident_id, row, exc.plain)
        return gave_up

    def _report_given_up(self, incident_id: int, row: outbox.Leased, why: str) -> None:
        log.warning("outbox row %s (%s) given up: %s", row.id, row.kind, why)
        incident = self._incident(incident_id)
        triage = self._triage()
        if not triage or not incident.triage_ts:
            return
        text, blocks = given_up(incident, row.kind, why)
        note = Post("given-up", triage, text, blocks, incident.triage_ts)
        try:
            self._send(incident, note, post_key(row.id, note.name), look_first=True)
        except SlackError as exc:
            log.warning("could not report the undelivered change: %s", exc.error)

    # -- reading ----------------------------------------------------------------------
    def _renew(self, row_ids: list[int]) -> None:
        until = self.services.clock.now() + self.lease
        with self.services.db.transaction() as session:
            if not outbox.renew(session, row_ids, self.worker, until):
                raise LeaseLost

    def _incident(self, incident_id: int) -> Incident:
        with self.services.db.transaction() as session:
            incident = incidents.get(session, incident_id)
            assert incident is not None
            return incident

    def _triage(self) -> str | None:
        return self.services.triage.private_id() if self.services.settings.triage_channel else None


_locks: dict[int, threading.RLock] = {}
_locks_guard = threading.Lock()


def _incident_lock(incident_id: int) -> threading.RLock:
    """One incident's deliveries in this process, one at a time (re-entrant: a hook run
    by a delivery may ring for the same incident)."""
    with _locks_guard:
        return _locks.setdefault(incident_id, threading.RLock())


def next_due(services: Services) -> datetime | None:
    with services.db.transaction() as session:
        return outbox.next_due(session)
