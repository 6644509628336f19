"""Building the running bot from settings: database, Slack client, services."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings
from bot.cve.gateway import CveServices
from bot.database import UNAVAILABLE, Database, outage_reason
from bot.database.migrate import upgrade
from bot.incident import service as incidents
from bot.mail import build_gateway
from bot.policy import BusinessCalendar, Policy, PolicyError, load_policy
from bot.roster.service import Roster
from bot.services import Services
from bot.slack.gateway import SlackGateway
from bot.slack.http import KeepAliveWebClient
from bot.slack.triage import TriageChannel

log = logging.getLogger(__name__)
SLACK_API = "https://slack.com/api/"
START_ROUNDS = 3  # after that, a set-up still leased elsewhere is left to the periodic job


def build_services(
    settings: Settings, clock: Clock | None = None, db: Database | None = None
) -> Services:
    if db is None:
        db = Database(settings.database_url)
    if db.dialect == "sqlite":
        try:
            upgrade(settings.database_url)  # the embedded default looks after itself
        except UNAVAILABLE as error:
            # A file that cannot be opened is a setting to fix, not an outage to wait out.
            raise ConfigError(
                f"DATABASE_URL: SQLite cannot use {settings.database_url}: {outage_reason(error)}"
            ) from None
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = KeepAliveWebClient(
        token=token, base_url=settings.slack_api_url or SLACK_API, timeout=15
    )
    gateway = SlackGateway(client)
    policy, calendar = load_policy_and_calendar(settings)
    services = Services(
        settings=settings,
        db=db,
        clock=clock or SystemClock(),
        gateway=gateway,
        triage=TriageChannel(gateway, settings.triage_channel),
        roster=Roster(settings.security_team, settings.security_team_group),
        policy=policy,
        calendar=calendar,
        cve=cve_services(settings),
        mail=build_gateway(settings),
    )
    from bot.slack import roster_changes
    from bot.slack.exposure import install_guard

    install_guard(services)  # every post is checked: private channels only
    roster_changes.install(services)  # who leaves the team loses its access
    from bot.slack.mail_reports import report_given_up

    services.hooks.mail_settled.append(report_given_up)
    if settings.distributors_file is not None:
        seed_distributors(services)
    if settings.deliver_in_web:
        deliver_after_commits(services)
    return services


def deliver_after_commits(services: Services) -> None:
    """This process shows each change in Slack right after its commit (the ringing thread
    is past the ack already); without it, `python -m bot worker` processes deliver."""
    from bot.slack.delivery import Delivery

    delivery = Delivery(services)
    services.doorbell.answer_with(lambda incident_id: delivery.drain(incident_id))


def seed_distributors(services: Services) -> int:
    """Add the DISTRIBUTORS_FILE entries the list does not know yet (by organisation)."""
    from bot.distributor.roster import DistributorError, read_seed_file, seed

    path = services.settings.distributors_file
    assert path is not None
    try:
        entries = read_seed_file(path)
        with services.db.transaction() as session:
            added = seed(session, entries, now=services.clock.now())
    except DistributorError as exc:
        raise ConfigError(f"Invalid DISTRIBUTORS_FILE: {exc}") from None
    if added:
        log.info("added %d distributor(s) from %s", added, path)
    return added


def load_policy_and_calendar(settings: Settings) -> tuple[Policy, BusinessCalendar]:
    """The policy (POLICY_FILE or the default preset) and the team's calendar, or a
    ConfigError naming the file, the key and the reason."""
    try:
        policy = load_policy(settings.policy_file)
    except PolicyError as exc:
        raise ConfigError(f"Invalid policy: {exc}") from None
    try:
        calendar = BusinessCalendar.for_policy(
            policy,
            settings.team_timezone,
            settings.holidays_country,
            settings.holidays_subdivision,
        )
    except (ValueError, NotImplementedError, KeyError) as exc:
        raise ConfigError(f"Invalid holiday calendar (HOLIDAYS_COUNTRY): {exc}") from None
    return policy, calendar


def identify(services: Services) -> None:
    """Learn who the bot is in Slack (needed to recognise its own channels) and who the
    team is (a user group's members may use the bot from the start)."""
    from bot.slack.triage import triage_problems

    auth = services.gateway.auth_test()
    services.bot_user_id = auth.get("user_id")
    services.roster.refresh(services.gateway, services.clock.now())
    channel = services.triage.channel_id
    if channel:
        # Refuse to run with a triage channel the bot cannot use or that is not private.
        problems = triage_problems(services.gateway, channel, str(auth.get("user") or "bot"))
        if problems:
            raise ConfigError("The triage channel cannot be used:\n  " + "\n  ".join(problems))


def reconcile(services: Services) -> int:
    """Finish every incident set-up that a failure or a crash left part-way."""
    from bot.slack.setup import IncidentSetup

    with services.db.transaction() as session:
        pending = [incident.id for incident in incidents.unfinished_setups(session)]
    setup = IncidentSetup(services)
    for incident_id in pending:
        result = setup.run(incident_id)
        if result.complete:
            outcome = "complete"
        elif result.skipped:
            outcome = "another run holds its lease"
        else:
            outcome = f"stopped at {result.failed_step}"
        log.info("reconciled %s: %s", result.human_id, outcome)
    from bot.slack.github_notes import retell_publications

    retell_publications(services)  # GitHub publications whose telling was interrupted
    return len(pending)


def reconcile_after_start(services: Services, sleep: Callable[[float], None] = time.sleep) -> None:
    """Reconcile at start-up, then again once the leases left by runs the last process was
    in the middle of run out, so a restart finishes them within one lease, not a sweep later."""
    held: list[datetime] = []
    for _ in range(START_ROUNDS):
        reconcile(services)
        with services.db.transaction() as session:
            held = [
                incident.setup_lease_until
                for incident in incidents.unfinished_setups(session)
                if incident.setup_lease_until is not None
            ]
        if not held:
            break
        wait = (max(held) - services.clock.now()).total_seconds()
        sleep(min(max(wait, 0.0), services.settings.setup_lease_seconds) + 0.2)
    log.info("start-up reconcile done; %d set-up(s) left to the periodic job", len(held))


def cve_services(settings: Settings) -> CveServices | None:
    if not settings.cve_configured:
        return None
    assert settings.cve_api_org and settings.cve_api_user and settings.cve_api_key
    return CveServices(
        settings.cve_api_url,
        settings.cve_api_org,
        settings.cve_api_user,
        settings.cve_api_key.get_secret_value(),
    )
