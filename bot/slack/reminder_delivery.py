"""Sending reminders to Slack. One tick: claim due reminders, send each, settle each.
Every replica runs it; the reminder rows (bot.reminder) say what is due.

Per reminder: a lease renewal that re-checks (incident open, deadline open, not stopped)
right before the posts; then each place (triage thread, incident channel thread, the
owner's DM), each recorded as delivered the moment Slack confirms it; then "sent" with
its timeline event and audit row. A rate limit puts back only that reminder (until
Slack's Retry-After); other failures back off and, after a cap, are reported in the
triage thread. A reminder at or after its deadline's due time first records, once, that
the deadline was missed. See docs/reminders.md.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.incident import service as incidents
from bot.reminder import claim as claims
from bot.reminder.claim import Claim
from bot.reminder.plan import record_missed
from bot.reminder.service import replan_incident
from bot.services import Services
from bot.slack.blocks import reminders as reminder_blocks
from bot.slack.gateway import POST_KEY, SlackError, SlackGateway, SlackUnavailable

log = logging.getLogger(__name__)

BATCH = 100  # reminders claimed per transaction
LEASE = timedelta(seconds=60)  # one reminder's posts; renewed before each reminder
FAILURE_CAP = 5  # failed attempts (not rate limits) before giving up and reporting
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
MARKER = "disclosure_reminder"  # message metadata event type: finds a post after a crash


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class TickReport:
    claimed: int = 0
    sent: int = 0
    cancelled: int = 0
    retried: int = 0
    failed: int = 0
    lateness: list[float] = field(default_factory=list)  # seconds, per reminder sent


@dataclass
class Ticker:
    """A worker's identity and its Slack path for reminders, kept between ticks."""

    services: Services
    worker: str = field(default_factory=worker_name)
    batch: int = BATCH
    lease: timedelta = LEASE
    gateway: SlackGateway | None = None

    def __post_init__(self) -> None:
        if self.gateway is None:
            # No waiting out rate limits here: a 429 puts back that reminder, others go on.
            base = self.services.gateway
            self.gateway = SlackGateway(base.client, attempts=base.attempts, max_wait=0)
            self.gateway.guard = base.guard  # the same channel guard: private channels only

    def tick(self) -> TickReport:
        """Claim and send batches until nothing is due (each batch its own transaction)."""
        report = TickReport()
        while True:
            claimed = self._one_batch(report)
            if claimed < self.batch:
                return report

    def _one_batch(self, report: TickReport) -> int:
        services = self.services
        now = services.clock.now()
        with services.db.transaction() as session:
            result = claims.claim_due(
                session,
                now,
                self.batch,
                self.worker,
                self.lease,
                services.policy,
                services.calendar,
            )
        report.claimed += len(result.claims)
        report.cancelled += result.cancelled
        report.failed += len(result.gave_up)
        for claim in result.gave_up:
            self._report_failure(claim, "its sending was interrupted twice (a crash or a hang)")
        for incident_id in result.stale_incidents:
            self._replan(incident_id)
        self._record_misses(result.claims, now)
        for claim in result.claims:
            self._deliver(claim, report)
        return len(result.claims) + result.cancelled + len(result.gave_up)

    def _replan(self, incident_id: int) -> None:
        services = self.services
        with services.db.transaction() as session:
            replan_incident(
                session, incident_id, services.policy, services.calendar, services.clock.now()
            )

    def _record_misses(self, claimed: list[Claim], now: datetime) -> None:
        past_due: dict[int, list[int]] = {}
        for claim in claimed:
            if claim.due_at <= now:
                past_due.setdefault(claim.incident_id, []).append(claim.deadline_id)
        if not past_due:
            return
        # Its own transaction, after the claim's: each incident's lock before its deadline's
        # (as a re-plan takes them), incidents in id order (as another replica does), so
        # none of them deadlock.
        with self.services.db.transaction() as session:
            for incident_id in sorted(past_due):
                incident = incidents.lock(session, incident_id)
                if incident is None:
                    continue
                for deadline_id in sorted(past_due[incident_id]):
                    record_missed(session, incident, deadline_id, now)

    # -- one reminder -------------------------------------------------------------------
    def _deliver(self, claim: Claim, report: TickReport) -> None:
        services = self.services
        now = services.clock.now()
        with services.db.transaction() as session:
            if not claims.renew(session, claim, self.worker, now + self.lease):
                claims.stop(session, claim, self.worker, "stopped before sending")
                report.cancelled += 1
                return
        done = set(claim.delivered)
        try:
            for place, channel, thread in self._places(claim):
                if place in done:
                    continue
                # After a crash or a failed attempt (an answer may have been lost), the post
                # may be there already: it is looked for by its key first.
                maybe_there = claim.recovered or claim.attempts > 0
                if not (maybe_there and self._already_there(claim, place, channel, thread)):
                    self._post(claim, place, channel, thread, now)
                done.add(place)
                with services.db.transaction() as session:
                    claims.mark_delivered(session, claim, self.worker, done)
        except SlackUnavailable as exc:
            self._put_back(claim, exc, report, rate_limited=exc.error == "ratelimited")
            return
        except SlackError as exc:
            self._put_back(claim, exc, report, rate_limited=False)
            return
        sent_at = services.clock.now()
        text = reminder_blocks.fallback(claim, now)
        with services.db.transaction() as session:
            if claims.mark_sent(session, claim, self.worker, sent_at, sorted(done), text):
                report.sent += 1
                report.lateness.append((sent_at - claim.planned_at).total_seconds())

    def _places(self, claim: Claim) -> list[tuple[str, str, str | None]]:
        """(place, channel, thread) for each message this reminder makes."""
        found: list[tuple[str, str, str | None]] = []
        if claim.triage_ts and self.services.settings.triage_channel:
            found.append(("triage", self.services.triage.private_id(), claim.triage_ts))
        if claim.channel_id and claim.key != "escalation":
            found.append(("channel", claim.channel_id, claim.headline_ts))
        person = reminder_blocks.owner_of(claim)
        # Someone who left the team gets no reminder (it names the incident).
        if person and self.services.roster.is_member(person):
            found.append(("dm", person, None))
        return found

    def _post(
        self, claim: Claim, place: str, channel: str, thread: str | None, now: datetime
    ) -> None:
        assert self.gateway is not None
        self.gateway.call(
            "chat.postMessage",
            channel=channel,
            thread_ts=thread,
            text=reminder_blocks.fallback(claim, now),
            blocks=reminder_blocks.reminder_blocks(claim, now, place),
            metadata={
                "event_type": MARKER,
                "event_payload": {
                    "reminder_id": claim.reminder_id,
                    "place": place,
                    POST_KEY: reminder_key(claim, place),
                },
            },
            unfurl_links=False,
            unfurl_media=False,
        )

    def _already_there(self, claim: Claim, place: str, channel: str, thread: str | None) -> bool:
        """After a crash: did the lost run's post get there? Found by its key (a DM too)."""
        assert self.gateway is not None
        try:
            return self.gateway.find_post(channel, reminder_key(claim, place), thread) is not None
        except SlackError:
            return False  # cannot tell: sending again risks one duplicate, as designed

    def _put_back(
        self, claim: Claim, exc: SlackError, report: TickReport, *, rate_limited: bool
    ) -> None:
        services = self.services
        now = services.clock.now()
        if rate_limited:
            wait = getattr(exc, "retry_after", None) or 1.0
            at = now + timedelta(seconds=wait)
        else:
            backoff = BACKOFF_FIRST * (2**claim.attempts)
            at = now + min(backoff, BACKOFF_MAX)
        with services.db.transaction() as session:
            gave_up = claims.retry_later(
                session,
                claim,
                self.worker,
                at,
                exc.error,
                counts=not rate_limited,
                cap=FAILURE_CAP,
            )
        if not gave_up:
            report.retried += 1
            return
        report.failed += 1
        self._report_failure(claim, f"after {claim.attempts + 1} attempts ({exc.error})")

    def _report_failure(self, claim: Claim, why: str) -> None:
        """A reminder the bot gave up on is said in the triage thread, never dropped quietly."""
        log.warning("reminder %s for %s given up: %s", claim.key, claim.human_id, why)
        if not claim.triage_ts:
            return
        services = self.services
        text, blocks = reminder_blocks.delivery_failed(claim, why)
        try:
            services.gateway.post(
                services.triage.private_id(), text, blocks, thread_ts=claim.triage_ts
            )
        except SlackError as failure:
            log.warning("could not report the failed reminder: %s", failure.error)


def reminder_key(claim: Claim, place: str) -> str:
    return f"reminder:{claim.reminder_id}:{place}"


def run_tick(services: Services) -> TickReport:
    """The job's entry point: one ticker per Services, so the worker name stays."""
    ticker = getattr(services, "_reminder_ticker", None)
    if ticker is None:
        ticker = Ticker(services)
        services._reminder_ticker = ticker  # type: ignore[attr-defined]
    return ticker.tick()
