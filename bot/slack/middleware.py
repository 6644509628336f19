"""Bolt middleware: the services in every request's `context`, who may act, which incident.

Global: `services_in_context` puts the services and whether the person asking is on the
security team (`on_roster`) into Bolt's `context` for every request. Listener middleware,
named in the listener table (bot/slack/routes.py), runs before a listener:

- `roster_only` lets the security team through and gives everyone else one refusal;
- `incident_from_button`, `incident_from_message`, `incident_from_metadata` put the
  incident a click or a form is about into `context["incident"]`, or answer that it no
  longer exists; `incident_in_channel` puts the channel's incident there (or None).

A middleware that refuses acknowledges the request itself and does not call `next()`, so
the listener never runs. Listeners read what the middleware found with `services_of`,
`incident_of` and `asker_of`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, cast

from slack_bolt import Ack, BoltContext, BoltResponse, Respond
from sqlalchemy.orm import Session

from bot.incident import service as incidents
from bot.incident.models import Incident
from bot.services import Services

NOT_ON_ROSTER = (
    "Only the security team can do this. To report a vulnerability, run `/disclose` with no "
    "text and fill in the form; `/cvss <vector>` scores a vector anywhere."
)
GONE = "That incident no longer exists."

Next = Callable[[], BoltResponse | None]
Middleware = Callable[..., BoltResponse | None]
Finder = Callable[[Session, Services, dict[str, Any]], Incident | None]


# -- reading the context --------------------------------------------------------------------
def services_of(context: BoltContext) -> Services:
    return cast(Services, context["services"])


def incident_of(context: BoltContext) -> Incident:
    """The incident a listener middleware found (it refused the request when there was none)."""
    return cast(Incident, context["incident"])


def asker_of(context: BoltContext) -> str:
    """The Slack user who clicked, submitted, typed or reacted."""
    return context.user_id or ""


# -- global ---------------------------------------------------------------------------------
def services_in_context(services: Services, **shared: Any) -> Middleware:
    """`context["services"]`, `context["on_roster"]`, and any per-app object in `shared`."""

    def services_and_roster(context: BoltContext, next: Next) -> BoltResponse | None:
        context["services"] = services
        context["on_roster"] = services.roster.is_member(context.user_id)
        context.update(shared)
        return next()

    return services_and_roster


# -- who may act ----------------------------------------------------------------------------
def roster_only(
    ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond | None, next: Next
) -> BoltResponse | None:
    """Only the security team gets past; everyone else is told so, in one wording."""
    if context["on_roster"]:
        return next()
    return refuse(ack, body, context, respond, NOT_ON_ROSTER)


def refuse(
    ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond | None, text: str
) -> BoltResponse:
    """Acknowledge a request its listener will not see, telling the person why: under the
    form's first field, or by an ephemeral message after the acknowledgement. Events (a
    reaction) and clicks without a response URL (the Home tab) are ignored quietly."""
    kind = body.get("type")
    if kind == "view_submission":
        return ack(response_action="errors", errors={first_input(body.get("view") or {}): text})
    if kind == "event_callback":
        return BoltResponse(status=200, body="")
    answer = ack()
    if respond is not None and (body.get("response_url") or body.get("response_urls")):
        # A command's answer is new by nature; a click's must not replace the clicked message.
        keep = None if body.get("command") else False
        tell = partial(respond, text=text, response_type="ephemeral", replace_original=keep)
        services_of(context).background.defer(tell)
    return answer


def first_input(view: dict[str, Any]) -> str:
    """The block ID of a form's first input, where a refusal shows."""
    for block in view.get("blocks") or []:
        if block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return ""


# -- which incident -------------------------------------------------------------------------
def by_button_value(session: Session, services: Services, body: dict[str, Any]) -> Incident | None:
    """A button whose value starts with the incident's ID ("SEC-2026-0042|…")."""
    value = (body.get("actions") or [{}])[0].get("value") or ""
    return incidents.get_by_human_id(session, value.split("|")[0]) if value else None


def by_message(session: Session, services: Services, body: dict[str, Any]) -> Incident | None:
    """The incident whose channel, or whose triage thread, holds the clicked message."""
    channel = str(
        (body.get("channel") or {}).get("id")
        or (body.get("container") or {}).get("channel_id")
        or ""
    )
    thread = (body.get("message") or {}).get("thread_ts")
    incident = incidents.get_by_channel(session, channel) if channel else None
    if incident is None and thread and channel == services.triage.private_id():
        incident = incidents.by_triage_thread(session, thread)
    return incident


def by_metadata(session: Session, services: Services, body: dict[str, Any]) -> Incident | None:
    """A form that carries the incident's ID as its private metadata."""
    human_id = (body.get("view") or {}).get("private_metadata") or ""
    return incidents.get_by_human_id(session, human_id) if human_id else None


def incident_from(*finders: Finder) -> Middleware:
    """The first incident one of `finders` names goes into `context["incident"]`; none, and
    the person is told it no longer exists."""

    def find_incident(
        ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond | None, next: Next
    ) -> BoltResponse | None:
        services = services_of(context)
        with services.db.transaction() as session:
            for finder in finders:
                incident = finder(session, services, body)
                if incident is not None:
                    context["incident"] = incident
                    break
            else:
                incident = None
        if incident is None:
            return refuse(ack, body, context, respond, GONE)
        return next()

    return find_incident


incident_from_button = incident_from(by_button_value)
incident_from_message = incident_from(by_message)
incident_from_button_or_message = incident_from(by_button_value, by_message)
incident_from_metadata = incident_from(by_metadata)


def incident_in_channel(
    body: dict[str, Any], context: BoltContext, next: Next
) -> BoltResponse | None:
    """The incident whose channel a command was typed in, or None (commands that work
    anywhere decide for themselves)."""
    services = services_of(context)
    channel = body.get("channel_id") or ""
    incident = None
    if channel:
        with services.db.transaction() as session:
            incident = incidents.get_by_channel(session, channel)
    context["incident"] = incident
    return next()
