"""Events that change who can read an incident channel, and the lead's answer to them.

- A channel shared, unshared, unarchived or given a new ID: the channel guard forgets
  what it knew and asks Slack again at once, so an exposed incident channel is found
  (and the team told) before the next post, not at it.
- Someone joining an open incident channel who is neither on the team nor on its fix
  team: the lead (or commander) is told at once, with buttons to add them to the fix
  team or remove them from the channel.

Listeners are module-level functions; each reads the services from Bolt's context.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.incident import service as incidents
from bot.incident.models import Incident
from bot.services import Services
from bot.slack.blocks import embargo as texts
from bot.slack.exposure import tell_exposed
from bot.slack.gateway import SlackError
from bot.slack.lifecycle import Lifecycle
from bot.slack.middleware import asker_of, incident_of, services_of

log = logging.getLogger(__name__)
def _watched(services: Services, channel: str) -> Incident | bool | None:
    """The incident whose channel this is; True for the triage channel; None otherwise."""
    if channel == services.settings.triage_channel:
        return True
    with services.db.transaction() as session:
        return incidents.get_by_channel(session, channel)


def channel_changed(event: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    channel = str(event.get("channel") or "")
    guard = services.gateway.guard
    if not channel or guard is None:
        return
    guard.forget(channel)
    if not _watched(services, channel):
        return
    try:
        guard.verify(services.gateway, channel)
    except SlackError as exc:
        log.info("checked channel %s after %s: %s", channel, event.get("type"), exc.error)


def channel_id_changed(event: dict[str, Any], context: BoltContext) -> None:
    """Slack gives a private channel a new ID when it is shared with another organisation."""
    services = services_of(context)
    old = str(event.get("old_channel_id") or "")
    if not old or not _watched(services, old):
        return
    guard = services.gateway.guard
    if guard is not None:
        guard.block(old, str(event.get("new_channel_id") or ""))
    tell_exposed(services, old, "shared")


def team_group_changed(event: dict[str, Any], context: BoltContext) -> None:
    """The team's user group changed: read it again now (who left loses access at once)."""
    services = services_of(context)
    if services.roster.group and event.get("subteam_id") == services.roster.group:
        services.roster.refresh(services.gateway, services.clock.now())


def member_joined(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    if _seen_before(str(body.get("event_id") or "")):
        return  # Slack's retry of an event this process already handled
    user, channel = str(event.get("user") or ""), str(event.get("channel") or "")
    if not user or user == services.bot_user_id or services.roster.is_member(user):
        return
    if event.get("inviter") and event.get("inviter") == services.bot_user_id:
        return  # the bot invited them (set-up, fix team): that path records them
    with services.db.transaction() as session:
        incident = incidents.get_by_channel(session, channel)
        if incident is None or not incident.is_open:
            return
        if any(m.user_id == user for m in incidents.fix_team(session, incident.id)):
            return
    text, blocks = texts.stranger_joined(incident, user)
    lead = incident.lead_id or incident.commander_id
    try:
        if lead and services.roster.is_member(lead):
            services.gateway.dm(lead, text, blocks)
        elif incident.triage_ts:
            triage = services.triage.private_id()
            services.gateway.post(triage, text, blocks, thread_ts=incident.triage_ts)
    except SlackError as exc:
        log.warning("could not tell of a join to %s: %s", incident.human_id, exc.error)


_SEEN_EVENTS: OrderedDict[str, None] = OrderedDict()
_SEEN_LOCK = threading.Lock()
SEEN_EVENTS_KEPT = 1000


def _seen_before(event_id: str) -> bool:
    if not event_id:
        return False
    with _SEEN_LOCK:
        if event_id in _SEEN_EVENTS:
            return True
        _SEEN_EVENTS[event_id] = None
        while len(_SEEN_EVENTS) > SEEN_EVENTS_KEPT:
            _SEEN_EVENTS.popitem(last=False)
    return False


def _joiner(body: dict[str, Any]) -> str:
    """The person the buttons are about: the value is "<incident ID>|<user ID>"."""
    value = str((body.get("actions") or [{}])[0].get("value") or "")
    return value.partition("|")[2]


def join_add_to_fix_team(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    services, incident, actor = services_of(context), incident_of(context), asker_of(context)
    user = _joiner(body)
    if not user:
        respond(text="That incident is gone.", replace_original=False)
        return
    outcome = Lifecycle(services).add_fix_team(incident.id, [user], actor, "")
    if outcome.problems:
        respond(text=" ".join(outcome.problems), replace_original=False)
        return
    respond(text=texts.stranger_settled(incident, user, actor, True), replace_original=True)


def join_remove(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    services, incident, actor = services_of(context), incident_of(context), asker_of(context)
    user = _joiner(body)
    if not incident.channel_id or not user:
        respond(text="That incident has no channel.", replace_original=False)
        return
    try:
        services.gateway.call("conversations.kick", channel=incident.channel_id, user=user)
    except SlackError as exc:
        if exc.error != "not_in_channel":
            respond(text=f"Slack would not remove them: {exc.plain}.", replace_original=False)
            return
    respond(text=texts.stranger_settled(incident, user, actor, False), replace_original=True)
