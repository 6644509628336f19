"""Periodic jobs. Every replica runs them; the database decides who does each piece."""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.bootstrap import reconcile
from bot.database import UNAVAILABLE, outage_reason
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


def _guarded(name: str, job: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            job()
        except UNAVAILABLE as error:
            # Each job resumes from what the database holds at its next run; one line per
            # run, not a traceback every few seconds while the outage lasts.
            log.warning(
                "job %s skipped, the database is unavailable: %s", name, outage_reason(error)
            )
        except Exception:
            log.exception("job %s failed; it runs again at its next interval", name)

    return run


def _outbox_delivery(services: Services) -> Delivery:
    """One outbox worker per Services for the job, so its name stays between runs."""
    delivery = getattr(services, "_outbox_delivery", None)
    if delivery is None:
        delivery = Delivery(services)
        services._outbox_delivery = delivery  # type: ignore[attr-defined]
    return delivery


def add_jobs(scheduler: BaseScheduler, services: Services) -> BaseScheduler:
    scheduler.add_job(
        _guarded("reconcile", lambda: reconcile(services)),
        "interval",
        seconds=RECONCILE_EVERY,
        id="reconcile",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        _guarded("lead offers", lambda: expire_offers(services)),
        "interval",
        seconds=LEAD_OFFERS_EVERY,
        id="lead_offers",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        _guarded("roster", lambda: services.roster.refresh(services.gateway, services.clock.now())),
        "interval",
        seconds=ROSTER_EVERY,
        id="roster",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        _guarded("reminders", lambda: run_tick(services)),
        "interval",
        seconds=services.settings.reminder_tick_seconds,
        id="reminders",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        _guarded("outbox", lambda: _outbox_delivery(services).drain()),
        "interval",
        seconds=OUTBOX_EVERY,
        id="outbox",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        _guarded("deadline sweep", lambda: sweep(services)),
        "interval",
        seconds=DEADLINE_SWEEP_EVERY,
        id="deadline_sweep",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        _guarded("mail", lambda: run_outbox(services)),
        "interval",
        seconds=services.settings.mail_tick_seconds,
        id="mail",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        _guarded("distributors", lambda: distributor_sweep(services)),
        "interval",
        seconds=DISTRIBUTOR_SWEEP_EVERY,
        id="distributors",
        max_instances=1,
        coalesce=True,
    )
    return scheduler


def distributor_sweep(services: Services) -> None:
    """Silent distributors to the lead; announcement posts a crash left unmade."""
    from bot.slack.distributor_hooks import sweep
    from bot.slack.listeners.embargo import post_announcement, unposted_announcements

    sweep(services)
    for announcement_id in unposted_announcements(services):
        post_announcement(services, announcement_id)


def start_background(services: Services) -> BaseScheduler:
    scheduler = add_jobs(BackgroundScheduler(timezone="UTC"), services)
    scheduler.start()
    return scheduler


def run_blocking(services: Services) -> None:
    add_jobs(BlockingScheduler(timezone="UTC"), services).start()
