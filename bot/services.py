"""Everything a listener or job needs, built once at start-up and passed around."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.background import Background
from bot.clock import Clock
from bot.config import Settings
from bot.cve.gateway import CveServices
from bot.database import Database
from bot.hooks import Hooks
from bot.mail.gateway import SmtpGateway
from bot.outbox.doorbell import Doorbell
from bot.policy import DEFAULT_PRESET, PRESETS, BusinessCalendar, Policy
from bot.roster.service import Roster
from bot.slack.gateway import SlackGateway
from bot.slack.triage import TriageChannel


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    gateway: SlackGateway
    roster: Roster
    triage: TriageChannel
    bot_user_id: str | None = None
    hooks: Hooks = field(default_factory=Hooks)
    background: Background = field(default_factory=Background)
    # Rung after a change and its outbox rows are committed (see bot.outbox.doorbell).
    doorbell: Doorbell = field(default_factory=Doorbell)
    # The disclosure policy and the team's business calendar, loaded once at start-up.
    policy: Policy = field(default_factory=lambda: PRESETS[DEFAULT_PRESET])
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    # CVE Services, when its credentials are set.
    cve: CveServices | None = None
    # Outbound email (SMTP_URL); None when mail is not set up.
    mail: SmtpGateway | None = None
