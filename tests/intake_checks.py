"""Checks of an intake incident once its opening flow has run: the lead offer, who was told,
and the deadlines planned."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.incident.models import Incident
from bot.lead.models import LeadOffer
from tests.harness import RunningBot, wait_until
from tests.reminder_helpers import deadlines

REPORT = {
    "title": "Heap overflow in the YAML parser",
    "description": "A crafted document overflows a heap buffer.",
    "reporter_name": "Rita Reporter",
    "reporter_contact": "rita@example.org",
    "source": "hackerone",
    "reference": "https://hackerone.com/reports/123456",
    "component": "yaml-parser",
    "affected_versions": "<= 1.28.3",
    "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "already_public": False,
}

# Slack methods that put something in front of someone, and the parameter naming where.
DELIVERING = {
    "chat.postMessage": "channel",
    "chat.postEphemeral": "channel",
    "chat.scheduleMessage": "channel",
    "chat.meMessage": "channel",
    "files.completeUploadExternal": "channel_id",
}


def lead_offers(bot: RunningBot, incident_id: int) -> list[LeadOffer]:
    with bot.services.db.transaction() as session:
        query = select(LeadOffer).where(LeadOffer.incident_id == incident_id)
        return list(session.scalars(query.order_by(LeadOffer.id)))


def wait_for_the_first_lead_offer(bot: RunningBot, incident_id: int) -> LeadOffer:
    """The opening flow's last step: until it has run, who got a DM says nothing."""

    def posted() -> LeadOffer | None:
        offers = lead_offers(bot, incident_id)
        return offers[0] if offers and all(offer.posted for offer in offers) else None

    offer: LeadOffer = wait_until(posted, what="the first lead offer")
    return offer


def wait_for_planned_deadlines(bot: RunningBot, incident_id: int) -> dict[str, datetime]:
    """Each planned deadline's due time, by kind, once the features of a new incident ran."""

    def planned() -> dict[str, datetime] | None:
        with bot.services.db.transaction() as session:
            incident = session.get(Incident, incident_id)
            if incident is None or not incident.opened_hooks_done:
                return None
        return {kind: row.due_at for kind, row in deadlines(bot, incident_id).items()} or None

    found: dict[str, datetime] = wait_until(planned, what="the deadlines to be planned")
    return found


def assert_only_the_team_was_told(bot: RunningBot, incident: Incident) -> None:
    """Everything the bot sent went to the incident's channel, the triage channel, or a DM
    of a roster member: nothing to the reporter, anyone off the roster, or a public channel."""
    slack, ws = bot.slack, bot.workspace
    team = set(ws.roster)
    team_dms = {slack.dm_channel(member) for member in team} - {None}
    allowed = {incident.channel_id, ws.triage} | team | team_dms
    for call in slack.calls:
        place = DELIVERING.get(call.method)
        if place is None:
            continue
        assert call.params.get(place) in allowed, f"{call.method} to {call.params.get(place)}"
        if call.method == "chat.postEphemeral":
            assert call.params.get("user") in team, f"ephemeral to {call.params.get('user')}"
    outsiders = [user for user in (ws.dave,) if slack.dm_channel(user) is not None]
    assert outsiders == [], f"DMs opened with people off the roster: {outsiders}"
    with slack.workspace.lock:
        public = [c for c in slack.workspace.channels.values() if c.kind == "public"]
    for channel in public:
        sent = [m for m in slack.messages(channel.id) if m.user == slack.bot_user_id]
        assert sent == [], f"posted in the public channel #{channel.name}"


def assert_the_lead_was_offered(bot: RunningBot, incident: Incident, offer: LeadOffer) -> None:
    """The first candidate of the rotation got the offer in the channel and by DM."""
    ws = bot.workspace
    assert offer.candidate_id == ws.alice  # first in the rotation (Erin is deactivated)
    assert offer.channel_id == incident.channel_id and offer.channel_ts
    assert offer.dm_channel_id == bot.slack.dm_channel(ws.alice) and offer.dm_ts
    dm = bot.slack.message(offer.dm_channel_id, offer.dm_ts)
    assert incident.human_id in dm.text or incident.human_id in str(dm.blocks)
