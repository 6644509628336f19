"""Messages about the fix-lead role: offers, their outcomes, the pass form, the tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.incident.models import Incident
from bot.lead.models import LeadOffer, OfferKind, OfferStatus
from bot.lead.service import MemberStats, Outcome, Result
from bot.oncall.service import Week
from bot.slack.blocks.text import clip, escape, mrkdwn, plain, slack_date, user_mention

Blocks = list[dict[str, Any]]

ACCEPT = "lead_accept"
PASS = "lead_pass"
VOLUNTEER = "lead_volunteer"
PASS_CALLBACK = "lead_pass_submit"
REASON_BLOCK = "reason"
REASON_ACTION = "value"
REASON_MAX = 500


def _button(
    action_id: str, label: str, offer: LeadOffer, style: str | None = None
) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": plain(label),
        "value": str(offer.id),
    }
    if style:
        button["style"] = style
    return button


def _by(offer: LeadOffer) -> str:
    return f" by {slack_date(offer.expires_at)}" if offer.expires_at else ""


def offer_text(offer: LeadOffer, incident: Incident) -> str:
    """The notification text of an open offer (also what a screen reader hears)."""
    if offer.kind == OfferKind.TEAM.value:
        return f"{incident.human_id} needs a fix lead: anyone on the team can volunteer."
    if offer.kind == OfferKind.HANDOFF.value:
        return f"{incident.human_id}: <@{offer.candidate_id}> is asked to take over as fix lead."
    return f"{incident.human_id}: <@{offer.candidate_id}> is offered the fix-lead role."


def channel_offer(offer: LeadOffer, incident: Incident) -> tuple[str, Blocks]:
    """The offer in the incident channel (or, for the whole team, the triage thread)."""
    title = f"*{incident.human_id}* {escape(incident.title)}"
    if offer.kind == OfferKind.TEAM.value:
        commander = (
            f"<@{incident.commander_id}>, as incident commander please make sure someone takes it. "
            if incident.commander_id
            else ""
        )
        body = (
            f":sos: {title} still needs a fix lead: everyone in the rotation passed, was "
            f"away or did not answer. {commander}Anyone on the team can press *Volunteer*."
        )
        buttons = [_button(VOLUNTEER, "Volunteer", offer, "primary")]
    elif offer.kind == OfferKind.HANDOFF.value:
        stays = f" <@{incident.lead_id}> stays lead until then." if incident.lead_id else ""
        body = (
            f":arrows_counterclockwise: <@{offer.offered_by}> asks <@{offer.candidate_id}> to "
            f"take over as fix lead of {title}.{stays} Please accept or pass{_by(offer)}."
        )
        buttons = [_button(ACCEPT, "Accept", offer, "primary"), _button(PASS, "Pass", offer)]
    else:
        body = (
            f":raising_hand: <@{offer.candidate_id}>, you are next in the rotation to lead "
            f"{title}. Please accept or pass{_by(offer)}; anyone on the team may volunteer."
        )
        buttons = [
            _button(ACCEPT, "Accept", offer, "primary"),
            _button(PASS, "Pass", offer),
            _button(VOLUNTEER, "Volunteer", offer),
        ]
    blocks: Blocks = [
        {"type": "section", "text": mrkdwn(body)},
        {"type": "actions", "block_id": f"lead_offer_{offer.id}", "elements": buttons},
    ]
    return offer_text(offer, incident), blocks


def dm_offer(offer: LeadOffer, incident: Incident) -> tuple[str, Blocks]:
    channel = f" in <#{incident.channel_id}>" if incident.channel_id else ""
    what = "take over as fix lead of" if offer.kind == OfferKind.HANDOFF.value else "lead"
    body = (
        f":raising_hand: Would you {what} *{incident.human_id}* {escape(incident.title)}"
        f"{channel}? Please accept or pass{_by(offer)}."
    )
    blocks: Blocks = [
        {"type": "section", "text": mrkdwn(body)},
        {
            "type": "actions",
            "block_id": f"lead_offer_{offer.id}",
            "elements": [
                _button(ACCEPT, "Accept", offer, "primary"),
                _button(PASS, "Pass", offer),
            ],
        },
    ]
    return offer_text(offer, incident), blocks


def outcome_line(offer: LeadOffer, lead_id: str | None) -> str:
    """What an answered offer says once its buttons are gone."""
    who = f"<@{offer.candidate_id}>" if offer.candidate_id else "The team"
    status = offer.status
    if status == OfferStatus.ACCEPTED.value:
        return f":white_check_mark: {who} accepted and is the fix lead."
    if status == OfferStatus.PASSED.value:
        reason = f" ({escape(offer.reason)})" if offer.reason else ""
        return f":fast_forward: {who} passed{reason}."
    if status == OfferStatus.EXPIRED.value:
        return f":hourglass: The offer to {who} lapsed without an answer."
    if lead_id:
        return f":white_check_mark: Closed: <@{lead_id}> is the fix lead."
    return ":heavy_minus_sign: This offer is closed."


def answered_offer(offer: LeadOffer, incident: Incident) -> tuple[str, Blocks]:
    line = f"*{incident.human_id}* fix lead · {outcome_line(offer, incident.lead_id)}"
    section = {"type": "section", "block_id": f"lead_offer_{offer.id}", "text": mrkdwn(line)}
    return clip(line, 3000), [section]


def pass_modal(offer_id: int, human_id: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": PASS_CALLBACK,
        "private_metadata": str(offer_id),
        "title": plain("Pass on the lead role", 24),
        "submit": plain("Pass"),
        "close": plain("Cancel"),
        "blocks": [
            {
                "type": "section",
                "text": mrkdwn(
                    f"The offer for *{human_id}* moves to the next person in the rotation. "
                    "Passing does not cost you your place: you are asked first next time."
                ),
            },
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "optional": True,
                "label": plain("Reason (optional, shown to the team)"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_ACTION,
                    "multiline": True,
                    "max_length": REASON_MAX,
                },
            },
        ],
    }


def answer_for_clicker(result: Result) -> str:
    """The ephemeral answer to whoever pressed a button or ran a command."""
    lead = user_mention(result.lead_id, "nobody")
    candidate = user_mention(result.candidate_id, "someone else")
    answers = {
        Outcome.ACCEPTED: "You are the fix lead now. Thank you!",
        Outcome.HANDED_OFF: "You are the fix lead now; the previous lead has been told.",
        Outcome.VOLUNTEERED: "You volunteered and are the fix lead now. Thank you!",
        Outcome.PASSED: "Passed. You keep your place in the rotation.",
        Outcome.ALREADY_LED: f"{lead} already leads this.",
        Outcome.NOT_YOURS: f"This offer is for {candidate}. Press *Volunteer* to take the "
        "role yourself, or ask for a handoff with `/disclose lead @you`.",
        Outcome.NOT_OPEN: "This offer is no longer open.",
        Outcome.NOT_FOUND: "This offer no longer exists.",
    }
    return answers.get(result.outcome, "Done.")


def thread_update(result: Result, offer: LeadOffer | None) -> str | None:
    """The line posted in the incident's threads for an answer, if it deserves one."""
    reason = f" ({escape(offer.reason)})" if offer is not None and offer.reason else ""
    if result.outcome == Outcome.ACCEPTED:
        return f":white_check_mark: <@{result.lead_id}> accepted the fix-lead role."
    if result.outcome == Outcome.HANDED_OFF:
        return (
            f":arrows_counterclockwise: <@{result.lead_id}> accepted the handoff and "
            f"took over as fix lead from <@{result.previous_lead}>."
        )
    if result.outcome == Outcome.VOLUNTEERED:
        return f":raising_hand: <@{result.lead_id}> volunteered and is the fix lead."
    if result.outcome == Outcome.PASSED and offer is not None:
        if offer.kind == OfferKind.HANDOFF.value:
            stays = user_mention(result.lead_id, "nobody")
            return (
                f":fast_forward: <@{offer.candidate_id}> declined the handoff{reason}; "
                f"{stays} stays lead."
            )
        return f":fast_forward: <@{offer.candidate_id}> passed on the fix-lead role{reason}."
    return None


def lead_status(incident: Incident, pending: Sequence[LeadOffer]) -> str:
    lines = [f"*{incident.human_id}* fix lead: {user_mention(incident.lead_id, 'none yet')}"]
    if incident.commander_id:
        lines.append(f"Incident commander: <@{incident.commander_id}>")
    for offer in pending:
        if offer.kind == OfferKind.TEAM.value:
            lines.append("Open to the whole team: anyone can volunteer.")
        else:
            kind = "handoff" if offer.kind == OfferKind.HANDOFF.value else "offer"
            lines.append(f"Pending {kind} to <@{offer.candidate_id}>{_by(offer)}.")
    if not pending and not incident.lead_id:
        lines.append("No offer is pending.")
    lines.append("`/disclose lead @someone` offers them the role (they must accept).")
    return "\n".join(lines)


def stats_table(rows: Sequence[MemberStats], now: datetime) -> tuple[str, Blocks]:
    lines = ["*Fix leads per member* (led · open now · passed · last led)"]
    for row in rows:
        last = slack_date(row.last_led, "{date_short}") if row.last_led else "never"
        away = (
            f" · _away until {slack_date(row.away_until, '{date_short}')}_"
            if row.away_until
            else ""
        )
        lines.append(
            f"<@{row.user_id}>: {row.led} led · {row.open} open · {row.passed} passed · "
            f"last {last}{away}"
        )
    text = "\n".join(lines)
    return clip(text, 3000), [{"type": "section", "text": mrkdwn(text)}]


def oncall_table(weeks: Sequence[Week], away: dict[str, datetime]) -> tuple[str, Blocks]:
    lines = ["*On call* (incident commander)"]
    for index, week in enumerate(weeks):
        label = "This week" if index == 0 else slack_date(week.start, "Week of {date_short}")
        who = user_mention(week.user_id, "nobody on the roster")
        notes = []
        if week.swapped:
            notes.append("swapped")
        if week.user_id in away and away[week.user_id] > week.start:
            notes.append("away")
        suffix = f" _({', '.join(notes)})_" if notes else ""
        lines.append(f"{label}: {who}{suffix}")
    text = "\n".join(lines)
    return text, [{"type": "section", "text": mrkdwn(text)}]
