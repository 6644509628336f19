"""Adding Slack messages to an incident's timeline: a 📌 reaction or the message shortcut.

The row keeps the message's own time and author. Edits and deletions of a captured
message arrive as `message_changed` / `message_deleted` events and update or mark the row.
Messages in an incident channel (threads too) and in the incident's triage thread count.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.incident import service as incidents
from bot.incident.models import Incident
from bot.services import Services
from bot.slack.gateway import SlackError
from bot.slack.listeners.commands import NOT_ON_ROSTER

log = logging.getLogger(__name__)
REACTION = "pushpin"
SHORTCUT = "timeline_add"
NOT_AN_INCIDENT = (
    "This message is not in an incident channel or an incident's triage thread, so there "
    "is no timeline to add it to."
)


def register(app: App, services: Services) -> None:
    def incident_for(channel: str, thread_ts: str | None) -> Incident | None:
        with services.db.transaction() as session:
            incident = incidents.get_by_channel(session, channel)
            if incident is None and thread_ts and channel == services.settings.triage_channel:
                incident = incidents.by_triage_thread(session, thread_ts)
            return incident

    def capture(
        incident: Incident, message: dict[str, Any], channel: str, actor: str, how: str
    ) -> bool:
        author = message.get("user") or message.get("bot_id") or "?"
        with services.db.transaction() as session:
            _, created = incidents.capture_message(
                session,
                incident.id,
                channel=channel,
                ts=message["ts"],
                author=author,
                text=message.get("text") or "",
                actor=actor,
                now=services.clock.now(),
                how=how,
            )
        return created

    def fetch(channel: str, ts: str) -> dict[str, Any] | None:
        """The message at `ts`, a thread reply or not (replies list the whole thread)."""
        cursor = None
        for _ in range(20):
            try:
                page = services.gateway.call(
                    "conversations.replies", channel=channel, ts=ts, limit=200, cursor=cursor
                )
            except SlackError as exc:
                log.warning("could not read the message to capture: %s", exc.error)
                return None
            for message in page.get("messages", []):
                if message.get("ts") == ts:
                    return dict(message)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None

    @app.event("reaction_added")
    def reacted(ack: Ack, event: dict[str, Any]) -> None:
        ack()
        item = event.get("item") or {}
        if event.get("reaction") != REACTION or item.get("type") != "message":
            return
        channel, ts, user = item.get("channel", ""), item.get("ts", ""), event.get("user")
        if not services.roster.is_member(user):
            return  # others' pins are just reactions
        message = fetch(channel, ts)
        if message is None:
            return
        incident = incident_for(channel, message.get("thread_ts"))
        if incident is None:
            return
        capture(incident, message, channel, user or "?", "reaction")

    @app.shortcut(SHORTCUT)
    def shortcut(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        user = body["user"]["id"]
        if not services.roster.is_member(user):
            respond(text=NOT_ON_ROSTER, response_type="ephemeral", replace_original=False)
            return
        message = body.get("message") or {}
        channel = (body.get("channel") or {}).get("id", "")
        incident = incident_for(channel, message.get("thread_ts"))
        if incident is None or not message.get("ts"):
            respond(text=NOT_AN_INCIDENT, response_type="ephemeral", replace_original=False)
            return
        created = capture(incident, message, channel, user, "shortcut")
        text = "Added to" if created else "Already on"
        respond(
            text=f"{text} the {incident.human_id} timeline, at the message's own time.",
            response_type="ephemeral",
            replace_original=False,
        )

    @app.event({"type": "message", "subtype": "message_changed"})
    def changed(ack: Ack, event: dict[str, Any]) -> None:
        ack()
        message = event.get("message") or {}
        if not message.get("ts"):
            return
        with services.db.transaction() as session:
            incidents.captured_edited(
                session,
                event.get("channel", ""),
                message["ts"],
                message.get("text") or "",
                services.clock.now(),
            )

    @app.event({"type": "message", "subtype": "message_deleted"})
    def deleted(ack: Ack, event: dict[str, Any]) -> None:
        ack()
        ts = event.get("deleted_ts") or (event.get("previous_message") or {}).get("ts")
        if not ts:
            return
        with services.db.transaction() as session:
            incidents.captured_deleted(session, event.get("channel", ""), ts, services.clock.now())

    @app.event("message")
    def other_messages(ack: Ack) -> None:
        """Plain messages in incident channels need no action (only edits and deletes do)."""
        ack()
