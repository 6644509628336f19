"""Periodic jobs. Every replica runs them; the database decides who does each piece."""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

from bot.bootstrap import reconcile
from bot.database import UNAVAILABLE, outage_reason
from bot.database.outage import OutageLog
from bot.mail.worker import run_outbox
from bot.services import Services
from bot.slack.delivery import Delivery
from bot.slack.lead_offers import expire_offers
from bot.slack.reminder_delivery import run_tick
from bot.slack.reminder_hooks import sweep

log = logging.getLogger(__name__)
RECONCILE_EVERY = 60  # seconds between sweeps for set-ups a Slack failure left unfinished
LEAD_OFFERS_EVERY = 30  # seconds between checks for lapsed lead offers
ROSTER_EVERY = 15 * 60  # seconds between re-reads of the team's user group and accounts
DEADLINE_SWEEP_EVERY = 60  # seconds between re-plans of incidents a change hook missed
OUTBOX_EVERY = 30  # seconds; a safety net under the delivery loop, which wakes on time
DISTRIBUTOR_SWEEP_EVERY = 300  # seconds between checks for silent distributors


class GuardedJob:
    """One periodic job, run so that a failure is told once, not at every interval: the
    first failed run logs the job's name and the reason, later runs that fail the same way
    stay quiet, and the first run that works again says so."""

    def __init__(self, name: str, job: Callable[[], object], outage: OutageLog) -> None:
        self.name = name
        self.job = job
        self.outage = outage
        self.failing: str | None = None  # the reason of the failure being told about

    def __call__(self) -> None:
        try:
            self.job()
        except UNAVAILABLE as error:
            # Each job resumes from what the database holds at its next run; the outage
            # is told once for every job.
            self.outage.unavailable(
                outage_reason(error), f"job {self.name!r} and the others wait for it"
            )
        except Exception as error:
            self._failed(f"{type(error).__name__}: {error}", error)
        else:
            self.outage.available()
            if self.failing is not None:
                log.info("job %r works again", self.name)
                self.failing = None

    def _failed(self, reason: str, error: Exception | None = None) -> None:
        if reason == self.failing:
            log.debug("job %r failed again: %s", self.name, reason)
            return
        self.failing = reason
        log.warning("job %r failed, it runs again at its next interval: %s", self.name, reason)
        if error is not None:
            log.debug("job %r failure", self.name, exc_info=error)


def _add(
    scheduler: BaseScheduler,
    outage: OutageLog,
    job_id: str,
    name: str,
    job: Callable[[], object],
    every: float,
) -> None:
    scheduler.add_job(
        GuardedJob(name, job, outage),
        "interval",
        seconds=every,
        id=job_id,
        name=name,
        max_instances=1,
        coalesce=True,
    )


def _outbox_delivery(services: Services) -> Delivery:
    """One outbox worker per Services for the job, so its name stays between runs."""
    delivery = getattr(services, "_outbox_delivery", None)
    if delivery is None:
        delivery = Delivery(services)
        services._outbox_delivery = delivery  # type: ignore[attr-defined]
    return delivery


def add_jobs(
    scheduler: BaseScheduler, services: Services, outage: OutageLog | None = None
) -> BaseScheduler:
    outage = outage or OutageLog()
    _add(
        scheduler,
        outage,
        "reconcile",
        "finish incident set-ups left unfinished",
        lambda: reconcile(services),
        RECONCILE_EVERY,
    )
    _add(
        scheduler,
        outage,
        "lead_offers",
        "move lapsed fix-lead offers on",
        lambda: expire_offers(services),
        LEAD_OFFERS_EVERY,
    )
    _add(
        scheduler,
        outage,
        "roster",
        "re-read the security team",
        lambda: services.roster.refresh(services.gateway, services.clock.now()),
        ROSTER_EVERY,
    )
    _add(
        scheduler,
        outage,
        "reminders",
        "send due reminders",
        lambda: run_tick(services),
        services.settings.reminder_tick_seconds,
    )
    _add(
        scheduler,
        outage,
        "outbox",
        "deliver committed changes to Slack",
        lambda: _outbox_delivery(services).drain(),
        OUTBOX_EVERY,
    )
    _add(
        scheduler,
        outage,
        "deadline_sweep",
        "re-plan deadlines a change missed",
        lambda: sweep(services),
        DEADLINE_SWEEP_EVERY,
    )
    _add(
        scheduler,
        outage,
        "mail",
        "send queued email",
        lambda: run_outbox(services),
        services.settings.mail_tick_seconds,
    )
    _add(
        scheduler,
        outage,
        "distributors",
        "remind of silent distributors, post unposted announcements",
        lambda: distributor_sweep(services),
        DISTRIBUTOR_SWEEP_EVERY,
    )
    return scheduler


def distributor_sweep(services: Services) -> None:
    """Silent distributors to the lead; announcement posts a crash left unmade."""
    from bot.slack.distributor_hooks import sweep
    from bot.slack.listeners.embargo import post_announcement, unposted_announcements

    sweep(services)
    for announcement_id in unposted_announcements(services):
        post_announcement(services, announcement_id)


def start_background(services: Services, outage: OutageLog | None = None) -> BaseScheduler:
    scheduler = add_jobs(BackgroundScheduler(timezone="UTC"), services, outage)
    scheduler.start()
    return scheduler
