"""`/disclose cve reserve|publish|update|unused` and the buttons that go with them."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import BoltContext, Respond

from bot.cve.desk import CveDesk, NamesFor, Refused
from bot.incident import service as incidents
from bot.incident.models import Incident
from bot.services import Services
from bot.slack.blocks import cve as views
from bot.slack.blocks import lifecycle as lifecycle_views
from bot.slack.follow_up import after_ack
from bot.slack.gateway import SlackError
from bot.slack.incident_messages import post_update, refresh
from bot.slack.listeners import advisory_packages
from bot.slack.listeners.commands import CommandContext, Reply, subcommand
from bot.slack.middleware import asker_of, incident_of, services_of
from bot.slack.user_names import names_of

log = logging.getLogger(__name__)
CVE_ID = re.compile(r"^CVE-\d{4}-\d{4,}$")
USAGE = (
    "Use `/disclose cve reserve`, `/disclose cve publish`, `/disclose cve update` or "
    "`/disclose cve unused`."
)


@subcommand(
    "cve",
    "cve reserve|publish|update|unused",
    "reserves the incident's CVE ID, previews and publishes its CVE record, or lists "
    "reserved IDs nobody uses.",
)
def cve_command(context: CommandContext) -> Reply:
    verb = context.args.split(" ", 1)[0].lower()
    services, incident = context.services, context.incident
    assert incident is not None
    if verb == "reserve":
        return Reply(reserve(services, incident.id, context.user_id))
    if verb in ("publish", "update"):
        return preview(services, incident, verb)
    if verb == "unused":
        return unused(services)
    return Reply(USAGE)


def reserve(services: Services, incident_id: int, user: str) -> str:
    try:
        message = CveDesk(services).reserve(incident_id, user)
    except Refused as exc:
        return str(exc)
    _announce(services, incident_id, f":label: <@{user}> reserved a CVE ID: {message}")
    return message


def preview(services: Services, incident: Incident, verb: str) -> Reply:
    try:
        draft = CveDesk(services).draft(incident.id, _names_for(services))
    except Refused as exc:
        return Reply(str(exc))
    if verb == "publish" and draft.published:
        return Reply(
            f"{draft.cve_id} is published already; `/disclose cve update` sends the changes."
        )
    if verb == "update" and not draft.published and not draft.problems:
        return Reply(f"{draft.cve_id} has no published record yet; `/disclose cve publish` first.")
    return Reply(views.preview_text(draft), views.preview_blocks(draft))


def unused(services: Services) -> Reply:
    try:
        found = CveDesk(services).unused()
    except Refused as exc:
        return Reply(str(exc))
    return Reply(views.unused_text(found), views.unused_blocks(found))


# -- listeners -----------------------------------------------------------------------------
@after_ack
def publish_clicked(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    services, incident, user = services_of(context), incident_of(context), asker_of(context)
    confirmed = body["actions"][0].get("value", "").partition("|")[2]
    try:
        message = CveDesk(services).publish(incident.id, user, confirmed, _names_for(services))
    except Refused as exc:
        respond(text=str(exc), response_type="ephemeral", replace_original=False)
        return
    respond(text=message, response_type="ephemeral", replace_original=True)
    _announce(services, incident.id, f":globe_with_meridians: <@{user}>: {message}")


@after_ack
def reject_clicked(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    services, user = services_of(context), asker_of(context)
    cve_id = body["actions"][0].get("value", "")
    if not CVE_ID.match(cve_id):
        respond(text="That is not a CVE ID.", replace_original=False)
        return
    try:
        message = CveDesk(services).reject(cve_id, user)
    except Refused as exc:
        message = str(exc)
    respond(text=message, response_type="ephemeral", replace_original=False)


@after_ack
def reserve_clicked(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """The button on the advisory form: reserve, then show the form again with the ID."""
    services, incident, user = services_of(context), incident_of(context), asker_of(context)
    message = reserve(services, incident.id, user)
    view = body.get("view") or {}
    fresh = _find(services, incident.human_id)
    if view.get("id") and fresh is not None:
        try:
            services.gateway.update_view(view["id"], _form_again(fresh, view), view.get("hash"))
        except SlackError as exc:  # the form is a convenience; the ID is stored either way
            log.info("advisory form not refreshed after reserving: %s", exc.error)
    _tell(services, body, user, message, respond)


def _form_again(incident: Incident, view: dict[str, Any]) -> dict[str, Any]:
    """The advisory form with the new CVE ID, keeping everything typed so far."""
    values = (view.get("state") or {}).get("values") or {}

    def typed(block_id: str) -> Any:
        element = (values.get(block_id) or {}).get(lifecycle_views.VALUE) or {}
        if "selected_option" in element:
            return (element["selected_option"] or {}).get("value")
        return element.get("value")

    slot_ids = advisory_packages.slots([b.get("block_id", "") for b in view.get("blocks", [])])
    drafts = advisory_packages.drafts_from(typed, slot_ids)
    generation = 1 + max((int(s.split("x")[0]) for s in slot_ids), default=0)
    modal = lifecycle_views.advisory_modal(incident, drafts, generation)
    for block in modal["blocks"]:
        block_id = block.get("block_id", "")
        element = block.get("element") or {}
        if block.get("type") != "input" or block_id.startswith("pkg_") or block_id == "cve_id":
            continue
        if element.get("type") == "plain_text_input" and typed(block_id):
            element["initial_value"] = str(typed(block_id))
    return modal


def _names_for(services: Services) -> NamesFor:
    return lambda users: names_of(services, users)


def _find(services: Services, human_id: str) -> Incident | None:
    with services.db.transaction() as session:
        return incidents.get_by_human_id(session, human_id)


def _tell(services: Services, body: dict[str, Any], user: str, text: str, respond: Respond) -> None:
    """A modal's button has no response URL: the answer goes to the incident channel,
    to that person alone."""
    if body.get("response_url"):
        respond(text=text, response_type="ephemeral", replace_original=False)
        return
    incident = _find(services, (body["actions"][0].get("value") or ""))
    channel = incident.channel_id if incident else None
    try:
        if channel:
            services.gateway.ephemeral(channel, user, text)
    except SlackError as exc:
        log.warning("could not tell %s: %s", user, exc.error)


def _announce(services: Services, incident_id: int, text: str) -> None:
    refresh(services, incident_id)
    post_update(services, incident_id, text)
