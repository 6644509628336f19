"""Lead offers in Slack: posting them once, editing them when answered, moving on in time.

The database decides (bot.lead.service); this module shows the outcome: the offer in the
incident channel's thread and in the candidate's DM, the answered offers edited in place
with their buttons gone; the headline and the line in the incident's threads go through
the outbox (bot.slack.changes).
"""

from __future__ import annotations

import logging
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from bot.incident import service as incidents
from bot.lead import service as leads
from bot.lead.models import LeadOffer, OfferKind
from bot.lead.window import offer_expiry
from bot.oncall import service as oncall
from bot.outbox.service import REPAINT, emit
from bot.services import Services
from bot.slack import changes
from bot.slack.blocks import leads as lead_blocks
from bot.slack.gateway import SlackError

log = logging.getLogger(__name__)
POST_LEASE = timedelta(minutes=2)


def team(services: Services) -> leads.Team:
    return leads.Team(
        members=services.roster.eligible,
        max_open=services.settings.max_open_leads,
        expiry=lambda moment: offer_expiry(services.policy, services.calendar, moment),
    )


def week_rule(services: Services) -> oncall.WeekRule:
    settings = services.settings
    hours, minutes = (int(part) for part in settings.oncall_start_time.split(":"))
    return oncall.WeekRule(
        start_day=oncall.WEEKDAYS.index(settings.oncall_start_day),
        start_time=time(hours, minutes),
        zone=ZoneInfo(settings.oncall_timezone or settings.team_timezone),
    )


def refresh_roster(services: Services) -> None:
    try:
        services.roster.refresh_if_stale(services.gateway, services.clock.now())
    except SlackError as exc:
        log.warning("could not refresh the roster: %s", exc.error)


# -- the incident_opened hook --------------------------------------------------------------
def on_incident_opened(services: Services, incident_id: int) -> None:
    """Name the commander (the week's on-call) and make the first offer, each once."""
    refresh_roster(services)
    now = services.clock.now()
    with services.db.transaction() as session:
        incident = incidents.lock(session, incident_id)
        if incident is None:
            return
        commander_named = oncall.name_commander(
            session, incident, week_rule(services), services.roster.eligible, now
        )
        result = leads.first_offer(session, incident_id, team(services), now)
        if commander_named:
            emit(session, incident_id, REPAINT, now)
    if commander_named:
        services.doorbell.ring(incident_id)
    deliver(services, result)


# -- showing results -----------------------------------------------------------------------
def deliver(services: Services, result: leads.Result) -> None:
    """Make Slack show what an answer (or a timeout) changed."""
    if result.incident_id is None:
        return
    for offer_id in result.repaint:
        repaint(services, offer_id)
    offer = None
    if result.offer_id is not None:
        with services.db.transaction() as session:
            offer = leads.get_offer(session, result.offer_id)
    line = lead_blocks.thread_update(result, offer)
    if line or result.lead_changed:
        # Its own transaction, right after the answer's: the thread line, the headline
        # and the re-plan follow from this row (bot.slack.changes).
        with services.db.transaction() as session:
            emit(
                session,
                result.incident_id,
                changes.LEAD,
                services.clock.now(),
                line=line or "",
                lead_changed=result.lead_changed,
            )
        services.doorbell.ring(result.incident_id)
    if result.new_offer is not None:
        post_offer(services, result.new_offer)


def post_offer(services: Services, offer_id: int) -> bool:
    """Post an offer once (a lease keeps replicas and retries from posting it twice)."""
    now = services.clock.now()
    with services.db.transaction() as session:
        if not leads.claim_for_posting(session, offer_id, now, now + POST_LEASE):
            return False
        offer = leads.get_offer(session, offer_id)
        assert offer is not None
        incident = incidents.get(session, offer.incident_id)
        assert incident is not None
    where: dict[str, str | None] = {}
    try:
        if offer.kind == OfferKind.TEAM.value:
            triage = services.settings.triage_channel
            if triage and incident.triage_ts:
                text, blocks = lead_blocks.channel_offer(offer, incident)
                posted = services.gateway.call(
                    "chat.postMessage",
                    channel=triage,
                    text=text,
                    blocks=blocks,
                    thread_ts=incident.triage_ts,
                )
                where.update(channel_id=posted["channel"], channel_ts=posted["ts"])
        else:
            if incident.channel_id and not offer.channel_ts:
                text, blocks = lead_blocks.channel_offer(offer, incident)
                posted = services.gateway.call(
                    "chat.postMessage",
                    channel=incident.channel_id,
                    text=text,
                    blocks=blocks,
                    thread_ts=incident.headline_ts,
                )
                where.update(channel_id=posted["channel"], channel_ts=posted["ts"])
            if offer.candidate_id and not offer.dm_ts:
                text, blocks = lead_blocks.dm_offer(offer, incident)
                posted = services.gateway.call(
                    "chat.postMessage", channel=offer.candidate_id, text=text, blocks=blocks
                )
                where.update(dm_channel_id=posted["channel"], dm_ts=posted["ts"])
    except SlackError as exc:
        # What was posted is kept; the lease runs out and the expiry job posts the rest.
        log.warning("could not post lead offer %s: %s", offer_id, exc.error)
        with services.db.transaction() as session:
            stored = leads.get_offer(session, offer_id)
            if stored is not None:
                for name, value in where.items():
                    setattr(stored, name, value)
        return False
    with services.db.transaction() as session:
        leads.mark_posted(session, offer_id, **where)
    return True


def repaint(services: Services, offer_id: int) -> None:
    """Edit an answered offer's messages in place: the outcome, no buttons."""
    with services.db.transaction() as session:
        offer = leads.get_offer(session, offer_id)
        if offer is None:
            return
        incident = incidents.get(session, offer.incident_id)
        assert incident is not None
    text, blocks = lead_blocks.answered_offer(offer, incident)
    for channel, ts in ((offer.channel_id, offer.channel_ts), (offer.dm_channel_id, offer.dm_ts)):
        if channel and ts:
            try:
                services.gateway.update(channel, ts, text, blocks)
            except SlackError as exc:
                log.warning("could not edit lead offer %s: %s", offer_id, exc.error)


# -- the scheduler job ---------------------------------------------------------------------
def expire_offers(services: Services) -> int:
    """Move lapsed offers on, and post offers a crash left unposted. Returns offers moved."""
    now = services.clock.now()
    with services.db.transaction() as session:
        due = leads.due_offer_ids(session, now)
        unposted = leads.unposted_offer_ids(session)
    if due:
        refresh_roster(services)
    moved = 0
    for offer_id in due:
        with services.db.transaction() as session:
            result = leads.expire(session, offer_id, team(services), now)
            offer = leads.get_offer(session, offer_id)
            if result.outcome != leads.Outcome.NOTHING_TO_DO and offer is not None:
                line = _expiry_line(result, offer)
                emit(session, offer.incident_id, changes.LEAD, now, line=line)
        if result.outcome == leads.Outcome.NOTHING_TO_DO or offer is None:
            continue  # another replica or an answer got there first
        moved += 1
        deliver(services, result)
    for offer_id in unposted:
        post_offer(services, offer_id)
    return moved


def _expiry_line(result: leads.Result, offer: LeadOffer) -> str:
    if offer.kind == OfferKind.HANDOFF.value:
        stays = f"<@{result.lead_id}> stays lead." if result.lead_id else ""
        line = f":hourglass: The handoff to <@{offer.candidate_id}> lapsed. {stays}"
    else:
        line = f":hourglass: <@{offer.candidate_id}> did not answer the lead offer in time."
    return line.strip()
