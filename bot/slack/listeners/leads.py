"""Fix lead and on-call: the offer buttons, the pass form and their `/disclose` subcommands."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, Respond

from bot.incident import service as incidents
from bot.lead import rotation
from bot.lead import service as leads
from bot.oncall import service as oncall
from bot.services import Services
from bot.slack import lead_offers
from bot.slack.blocks import home as home_views
from bot.slack.blocks import leads as views
from bot.slack.blocks.text import slack_date
from bot.slack.follow_up import after_ack
from bot.slack.gateway import SlackError
from bot.slack.listeners import home
from bot.slack.listeners.commands import NOT_ON_ROSTER, CommandContext, Reply, subcommand

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


def register(app: App, services: Services) -> None:
    if lead_offers.on_incident_opened not in services.hooks.incident_opened:
        services.hooks.incident_opened.append(lead_offers.on_incident_opened)
    home.providers.on_call = on_call_now
    home.providers.away = away_status

    def _refuse(respond: Respond) -> None:
        respond(text=NOT_ON_ROSTER, response_type="ephemeral", replace_original=False)

    def _offer_id(body: dict[str, Any]) -> int:
        try:
            return int(body["actions"][0].get("value", ""))
        except (KeyError, IndexError, ValueError):
            return -1

    def _answer(respond: Respond, result: leads.Result) -> None:
        respond(
            text=views.answer_for_clicker(result),
            response_type="ephemeral",
            replace_original=False,
        )

    def _republish_home(user_id: str, notice: str | None = None) -> None:
        try:
            services.gateway.publish_home(user_id, home.build_home(services, user_id, notice))
        except SlackError as exc:
            log.warning("could not publish the App Home of %s: %s", user_id, exc.error)

    @app.action(home_views.AWAY_UNTIL)
    @after_ack(services)
    def away_from_home(body: dict[str, Any], respond: Respond) -> None:
        user = body["user"]["id"]
        if not services.roster.is_member(user):
            return  # the Home tab of someone off the team has no such picker
        picked = body["actions"][0].get("selected_date") or ""
        try:
            day = date.fromisoformat(picked)
        except ValueError:
            _republish_home(user, "That is not a date: pick your last day away.")
            return
        if set_away(services, user, day) is None:
            _republish_home(user, f"{day:%d %B %Y} is already over: pick your last day away.")
        else:
            _republish_home(user)

    @app.action(home_views.BACK)
    @after_ack(services)
    def back_from_home(body: dict[str, Any], respond: Respond) -> None:
        user = body["user"]["id"]
        if not services.roster.is_member(user):
            return
        set_back(services, user)
        _republish_home(user)

    @app.action(views.ACCEPT)
    @after_ack(services)
    def accept(body: dict[str, Any], respond: Respond) -> None:
        user = body["user"]["id"]
        if not services.roster.is_member(user):
            _refuse(respond)
            return
        with services.db.transaction() as session:
            result = leads.accept(session, _offer_id(body), user, services.clock.now())
        lead_offers.deliver(services, result)
        _answer(respond, result)

    @app.action(views.VOLUNTEER)
    @after_ack(services)
    def volunteer(body: dict[str, Any], respond: Respond) -> None:
        user = body["user"]["id"]
        if not services.roster.is_member(user):
            _refuse(respond)
            return
        with services.db.transaction() as session:
            result = leads.volunteer(session, _offer_id(body), user, services.clock.now())
        lead_offers.deliver(services, result)
        _answer(respond, result)

    @app.action(views.PASS)
    def pass_clicked(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        user = body["user"]["id"]
        if not services.roster.is_member(user):
            _refuse(respond)
            return
        offer_id = _offer_id(body)
        with services.db.transaction() as session:
            offer = leads.get_offer(session, offer_id)
            incident = incidents.get(session, offer.incident_id) if offer else None
        if offer is None or incident is None:
            _answer(respond, leads.Result(leads.Outcome.NOT_FOUND))
            return
        if not offer.is_pending:
            _answer(respond, leads.refusal(incident, offer, leads.Outcome.NOT_OPEN))
        elif offer.candidate_id != user:
            _answer(respond, leads.refusal(incident, offer, leads.Outcome.NOT_YOURS))
        else:
            try:
                services.gateway.open_view(
                    body["trigger_id"], views.pass_modal(offer.id, incident.human_id)
                )
            except SlackError as exc:
                respond(
                    text=f"The form could not open ({exc.plain}). Please press Pass again.",
                    response_type="ephemeral",
                    replace_original=False,
                )

    @app.view(views.PASS_CALLBACK)
    def pass_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        if not services.roster.is_member(user):
            ack(response_action="errors", errors={views.REASON_BLOCK: NOT_ON_ROSTER})
            return
        values = view["state"]["values"].get(views.REASON_BLOCK, {})
        reason = (values.get(views.REASON_ACTION) or {}).get("value") or ""
        try:
            offer_id = int(view.get("private_metadata") or "")
        except ValueError:
            offer_id = -1
        with services.db.transaction() as session:
            result = leads.pass_offer(
                session, offer_id, user, reason, lead_offers.team(services), services.clock.now()
            )
        if result.outcome != leads.Outcome.PASSED:
            ack(
                response_action="errors",
                errors={views.REASON_BLOCK: views.answer_for_clicker(result)},
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
        return Reply(views.lead_status(incident, pending))
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
        return Reply(views.answer_for_clicker(result))
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
    text, blocks = views.stats_table(rows, now)
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
    text, blocks = views.oncall_table(weeks, away)
    return Reply(text, blocks)
