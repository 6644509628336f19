"""A channel that stopped being private: recorded once, and the team told once.

The gateway's channel guard finds it; this module remembers it (so a restart keeps the
channel blocked) and tells the team in the incident's triage thread and its lead (or
commander) by DM. A triage channel that stops being private is told to each member by DM,
since there is no private place left to say it.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.audit.service import record
from bot.embargo.models import ExposedChannel
from bot.incident.models import Incident
from bot.services import Services
from bot.slack.blocks import embargo as texts
from bot.slack.channel_guard import ChannelGuard
from bot.slack.gateway import SlackError
from bot.timeline.service import add_event

log = logging.getLogger(__name__)


def install_guard(services: Services) -> ChannelGuard:
    """Put the channel guard in front of every post the gateway makes."""

    def known_exposed() -> list[str]:
        with services.db.transaction() as session:
            return list(session.scalars(select(ExposedChannel.channel_id)))

    def on_exposed(channel: str, reason: str) -> None:
        services.background.defer(tell_exposed, services, channel, reason)

    # The bot's clock (injectable), so the trust window is the same for tests and replicas.
    guard = ChannelGuard(
        on_exposed,
        known_exposed,
        monotonic=lambda: services.clock.now().timestamp(),
        # The one channel meant to be public, when the announcement feature configures it.
        public_on_purpose=[getattr(services.settings, "announce_channel", None)],
    )
    services.gateway.guard = guard
    return guard


def tell_exposed(services: Services, channel: str, reason: str) -> None:
    now = services.clock.now()
    try:
        with services.db.transaction() as session:
            row = session.scalar(select(ExposedChannel).where(ExposedChannel.channel_id == channel))
            incident = session.scalar(select(Incident).where(Incident.channel_id == channel))
            if row is None:
                row = ExposedChannel(
                    channel_id=channel,
                    incident_id=incident.id if incident else None,
                    reason=reason,
                    found_at=now,
                )
                session.add(row)
                record(session, now, "bot", "channel.exposed", row.incident_id, channel=channel)
                if incident is not None:
                    add_event(
                        session,
                        incident.id,
                        now,
                        "bot",
                        "channel_exposed",
                        f"The incident channel {texts.EXPOSURE_WORDS.get(reason, reason)}; "
                        "the bot stopped posting there",
                    )
            session.flush()
            # Claimed in one statement, so two workers that both found it tell once.
            claimed = session.execute(
                update(ExposedChannel)
                .where(ExposedChannel.id == row.id, ExposedChannel.told_at.is_(None))
                .values(told_at=now)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return
    except IntegrityError:
        return  # another worker recorded it first and tells
    if channel == services.settings.triage_channel:
        for member in services.roster.eligible:
            _quietly(lambda m=member: services.gateway.dm(m, texts.triage_exposed(reason)))
    elif incident is not None:
        text = texts.channel_exposed(incident, channel, reason)
        if incident.triage_ts:
            _quietly(
                lambda: services.gateway.post(
                    services.triage.private_id(), text, thread_ts=incident.triage_ts
                )
            )
        lead = incident.lead_id or incident.commander_id
        if lead and services.roster.is_member(lead):
            _quietly(lambda: services.gateway.dm(lead, text))


def _quietly(send: object) -> None:
    try:
        send()  # type: ignore[operator]
    except SlackError as exc:
        log.warning("could not tell about an exposed channel: %s", exc.error)
