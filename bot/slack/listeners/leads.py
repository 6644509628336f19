"""Fix lead and on-call: the offer buttons, the pass form and their `/disclose` subcommands."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, BoltContext, Respond

from bot.incident import service as incidents
from bot.lead import rotation
from bot.lead import service as leads
from bot.oncall import service as oncall
from bot.services import Services
from bot.slack import lead_offers
from bot.slack.blocks import leads as lead_blocks
from bot.slack.blocks.text import slack_date
from bot.slack.follow_up import after_ack
from bot.slack.gateway import SlackError
from bot.slack.listeners import home
from bot.slack.listeners.commands import CommandContext, Reply, subcommand
from bot.slack.middleware import asker_of, services_of
from bot.slack.modals import open_form

log = logging.getLogger(__name__)

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def on_call_now(services: Services) -> str | None:
    with services.db.transaction() as session:
        week = oncall.week_of(
            session,
            lead_offers.week_rule(services),
            services.roster.eligible,
            services.clock.now(),
        )
    return week.user_id


def away_status(services: Services, user_id: str) -> str | None:
    with services.db.transaction() as session:
        back = rotation.away_until(session, [user_id], services.clock.now()).get(user_id)
    return f"Away until {back:%d %B %Y}" if back else None


def connect(services: Services) -> None:
    """Plug the lead offers and the on-call into the incident hooks and the App Home."""
    if lead_offers.on_incident_opened not in services.hooks.incident_opened:
        services.hooks.incident_opened.append(lead_offers.on_incident_opened)
    home.providers.on_call = on_call_now
    home.providers.away = away_status


def _offer_id(body: dict[str, Any]) -> int:
    try:
        return int(body["actions"][0].get("value", ""))
    except (KeyError, IndexError, ValueError):
        return -1


def _answer(respond: Respond, result: leads.Result) -> None:
    respond(
        text=lead_blocks.answer_for_clicker(result),
        response_type="ephemeral",
        replace_original=False,
    )


def _republish_home(services: Services, user_id: str, notice: str | None = None) -> None:
    try:
        services.gateway.publish_home(user_id, home.build_home(services, user_id, notice))
    except SlackError as exc:
        log.warning("could not publish the App Home of %s: %s", user_id, exc.error)


# -- listeners -----------------------------------------------------------------------------
@after_ack
def away_from_home(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    services, user = services_of(context), asker_of(context)
    picked = body["actions"][0].get("selected_date") or ""
    try:
        day = date.fromisoformat(picked)
    except ValueError:
        _republish_home(services, user, "That is not a date: pick your last day away.")
        return
    if set_away(services, user, day) is None:
        _republish_home(services, user, f"{day:%d %B %Y} is already over: pick your last day away.")
    else:
        _republish_home(services, user)


@after_ack
def back_from_home(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    services, user = services_of(context), asker_of(context)
    set_back(services, user)
    _republish_home(services, user)


@after_ack
def accept_offer(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    services = services_of(context)
    with services.db.transaction() as session:
        result = leads.accept(session, _offer_id(body), asker_of(context), services.clock.now())
    lead_offers.deliver(services, result)
    _answer(respond, result)


@after_ack
def volunteer(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    services = services_of(context)
    with services.db.transaction() as session:
        result = leads.volunteer(session, _offer_id(body), asker_of(context), services.clock.now())
    lead_offers.deliver(services, result)
    _answer(respond, result)


def open_pass_form(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Pass opens a form for the reason, in the request: the trigger lapses in 3 seconds."""
    ack()
    services, user = services_of(context), asker_of(context)
    with services.db.transaction() as session:
        offer = leads.get_offer(session, _offer_id(body))
        incident = incidents.get(session, offer.incident_id) if offer else None
    if offer is None or incident is None:
        _answer(respond, leads.Result(leads.Outcome.NOT_FOUND))
    elif not offer.is_pending:
        _answer(respond, leads.refusal(incident, offer, leads.Outcome.NOT_OPEN))
    elif offer.candidate_id != user:
        _answer(respond, leads.refusal(incident, offer, leads.Outcome.NOT_YOURS))
    else:
        form = lead_blocks.pass_modal(offer.id, incident.human_id)
        problem = open_form(services, body["trigger_id"], form, "press Pass again")
        if problem:
            respond(text=problem, response_type="ephemeral", replace_original=False)


def submit_pass(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    values = view["state"]["values"].get(lead_blocks.REASON_BLOCK, {})
    reason = (values.get(lead_blocks.REASON_ACTION) or {}).get("value") or ""
    try:
        offer_id = int(view.get("private_metadata") or "")
    except ValueError:
        offer_id = -1
    with services.db.transaction() as session:
        result = leads.pass_offer(
            session,
            offer_id,
            asker_of(context),
            reason,
            lead_offers.team(services),
            services.clock.now(),
        )
    if result.outcome != leads.Outcome.PASSED:
        ack(
            response_action="errors",
            errors={lead_blocks.REASON_BLOCK: lead_blocks.answer_for_clicker(result)},
        )
        return
    ack()
    lead_offers.deliver(services, result)


# -- parsing -------------------------------------------------------------------------------
def resolve_user(services: Services, word: str) -> str | None:
    """A roster member from `<@U…>`, `<@U…|name>`, a user ID or `@name`."""
    word = word.strip()
    found = MENTION.match(word)
    if found:
        return found.group(1)
    if USER_ID.match(word):
        return word
    name = word.removeprefix("@").lower()
    if not name:
        return None
    for member in services.roster.eligible:
        try:
            info = services.gateway.user_info(member)
        except SlackError:
            continue
        profile = info.get("profile") or {}
        names = {info.get("name"), profile.get("display_name"), profile.get("real_name")}
        if name in {str(n).lower() for n in names if n}:
            return member
    return None


def parse_day(text: str, zone: ZoneInfo, now: datetime) -> date | None:
    word = text.strip().lower()
    today = now.astimezone(zone).date()
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    try:
        return date.fromisoformat(word)
    except ValueError:
        return None


# -- subcommands ---------------------------------------------------------------------------
@subcommand("lead", "lead [@user]", "shows the fix lead, or offers the role to someone.")
def _lead(context: CommandContext) -> Reply:
    services, incident = context.services, context.incident
    assert incident is not None
    if not context.args:
        with services.db.transaction() as session:
            pending = leads.pending_for(session, incident.id)
        return Reply(lead_blocks.lead_status(incident, pending))
    target = resolve_user(services, context.args.split()[0])
    if target is None or target not in services.roster.eligible:
        return Reply(
            "The fix lead must be an active member of the security team. "
            "Mention them: `/disclose lead @name`."
        )
    with services.db.transaction() as session:
        result = leads.request_handoff(
            session,
            incident.id,
            target,
            context.user_id,
            lead_offers.team(services),
            services.clock.now(),
        )
    if result.outcome == leads.Outcome.ALREADY_LED:
        return Reply(f"<@{target}> already leads this.")
    if result.outcome == leads.Outcome.AWAY:
        assert result.back_at is not None
        stays = f": <@{result.lead_id}> stays lead" if result.lead_id else ""
        return Reply(
            f"<@{target}> is away until {slack_date(result.back_at)}, so they were not "
            f"offered the fix-lead role and nothing changed{stays}. Ask someone else, or "
            "ask again once they are back."
        )
    if result.outcome != leads.Outcome.OFFERED:
        return Reply(lead_blocks.answer_for_clicker(result))
    lead_offers.deliver(services, result)
    stays = f" <@{incident.lead_id}> stays lead until then." if incident.lead_id else ""
    return Reply(f"Offered the fix-lead role to <@{target}>; it is theirs once they accept.{stays}")


@subcommand(
    "leads",
    "leads",
    "shows per member: incidents led, open, passed, last led.",
    needs_incident=False,
)
def _leads(context: CommandContext) -> Reply:
    services = context.services
    now = services.clock.now()
    with services.db.transaction() as session:
        rows = leads.stats(session, services.roster.eligible, now)
    text, blocks = lead_blocks.stats_table(rows, now)
    return Reply(text, blocks)


@subcommand(
    "away",
    "away <YYYY-MM-DD>",
    "marks you away until that day (no offers, no on-call).",
    needs_incident=False,
)
def _away(context: CommandContext) -> Reply:
    services = context.services
    zone = ZoneInfo(services.settings.team_timezone)
    now = services.clock.now()
    day = parse_day(context.args, zone, now)
    if day is None:
        return Reply("Give the last day you are away as a date: `/disclose away 2026-04-30`.")
    until = set_away(services, context.user_id, day)
    if until is None:
        return Reply("That day is already over. Give the last day you are away.")
    return Reply(
        f"You are away until {slack_date(until)}: no lead offers and no on-call until "
        "then. `/disclose back` ends it early."
    )


@subcommand("back", "back", "ends your away time.", needs_incident=False)
def _back(context: CommandContext) -> Reply:
    set_back(context.services, context.user_id)
    return Reply("Welcome back: you are in the lead rotation and the on-call again.")


def set_away(services: Services, user_id: str, last_day: date) -> datetime | None:
    """Away until the end of `last_day` in the team's time zone; None if that is past."""
    zone = ZoneInfo(services.settings.team_timezone)
    with services.db.transaction() as session:
        return rotation.go_away(session, user_id, last_day, zone, services.clock.now())


def set_back(services: Services, user_id: str) -> None:
    with services.db.transaction() as session:
        rotation.come_back(session, user_id, services.clock.now())


@subcommand(
    "oncall",
    "oncall [swap @user <week>]",
    "shows the on-call this week and the next four, or gives a week to someone.",
    needs_incident=False,
)
def _oncall(context: CommandContext) -> Reply:
    services = context.services
    rule = lead_offers.week_rule(services)
    now = services.clock.now()
    members = services.roster.eligible
    words = context.args.split()
    if words and words[0].lower() == "swap":
        if len(words) < 2:
            return Reply(
                "Usage: `/disclose oncall swap @user <week>` where week is `this`, "
                "`next`, `+N` or a date in that week (YYYY-MM-DD)."
            )
        target = resolve_user(services, words[1])
        if target is None or target not in members:
            return Reply("On-call must be an active member of the security team.")
        week = oncall.parse_week(" ".join(words[2:]), rule, now)
        if week is None:
            return Reply("Give the week as `this`, `next`, `+N` or a date (YYYY-MM-DD).")
        if rule.week_start(week) < rule.week_start(now):
            return Reply("That week is over; swaps are for this week or later ones.")
        with services.db.transaction() as session:
            swapped = oncall.swap(session, rule, week, target, context.user_id, now)
        return Reply(
            f"<@{target}> is on call for the week of {slack_date(swapped.start, '{date_short}')}."
        )
    with services.db.transaction() as session:
        weeks = oncall.schedule(session, rule, members, now, weeks=5)
        away = rotation.away_until(session, members, now)
    text, blocks = lead_blocks.oncall_table(weeks, away)
    return Reply(text, blocks)
