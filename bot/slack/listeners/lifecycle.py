"""Headline buttons, modals and `/disclose` subcommands for running an incident."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.exports import fields as advisory_fields
from bot.incident import service as incidents
from bot.incident.models import Incident, Phase
from bot.incident.phases import (
    USAGE_RESOLUTIONS,
    check_transition,
    parse_phase,
    parse_resolution,
    phase_list,
)
from bot.services import Services
from bot.slack.blocks import lifecycle as views
from bot.slack.follow_up import after_ack
from bot.slack.gateway import SlackError
from bot.slack.lifecycle import Lifecycle, Outcome
from bot.slack.listeners import advisory_packages
from bot.slack.listeners.commands import NOT_ON_ROSTER, CommandContext, Reply, subcommand

log = logging.getLogger(__name__)
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|\b([UW][A-Z0-9]{6,})\b")
DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}:\d{2}))?(?:\s*UTC)?(?:\s+(.*))?$", re.S)
HUMAN_ID = re.compile(r"[A-Za-z][A-Za-z0-9]*-\d{4}-\d+")
CLOSE_USAGE = f"Closing needs a resolution: `/disclose close <resolution>` ({USAGE_RESOLUTIONS})."
# Public disclosures go out at 4pm UTC unless a time is given (the Kubernetes default).
DISCLOSURE_TIME = time(16, 0)


def answer(outcome: Outcome) -> str:
    return views.refused(outcome.problems) if outcome.problems else outcome.message


def mentioned_users(text: str) -> list[str]:
    return list(dict.fromkeys(m.group(1) or m.group(2) for m in MENTION.finditer(text)))


def without_mentions(text: str) -> str:
    return " ".join(MENTION.sub("", text).split())


def parse_planned(text: str) -> tuple[datetime | None, str]:
    """`2026-03-20 [16:00] [why]` as an aware UTC datetime and the rest of the text."""
    found = DATE.match(text.strip())
    if not found:
        return None, text.strip()
    try:
        day = datetime.strptime(found[1], "%Y-%m-%d").date()
        hour = datetime.strptime(found[2], "%H:%M").time() if found[2] else DISCLOSURE_TIME
    except ValueError:
        return None, text.strip()
    return datetime.combine(day, hour, tzinfo=UTC), (found[3] or "").strip()


def _from_epoch(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value not in (None, "") else None


BLOCK_ORDER = "__block_order__"  # asks `value` for the view's block IDs, in order


def _state(view: dict[str, Any]) -> Callable[[str], Any]:
    values = view["state"]["values"]

    def value(block_id: str) -> Any:
        if block_id == BLOCK_ORDER:
            return [block.get("block_id", "") for block in view.get("blocks", [])]
        element = (values.get(block_id) or {}).get(views.VALUE) or {}
        for key in ("value", "selected_date_time", "selected_users"):
            if key in element:
                return element[key]
        if "selected_option" in element:
            return (element["selected_option"] or {}).get("value")
        return None

    return value


# -- subcommands ----------------------------------------------------------------------------


def _lifecycle(context: CommandContext) -> tuple[Lifecycle, Incident]:
    assert context.incident is not None
    return Lifecycle(context.services), context.incident


def _done(outcome: Outcome) -> Reply:
    """Subcommands run after the ack, so the Slack side of a step follows at once."""
    outcome.finish()
    return Reply(answer(outcome), outcome.blocks if outcome.ok else None)


@subcommand("update", "update <text>", "posts a status update in the incident's thread.")
def _update(context: CommandContext) -> Reply:
    steps, incident = _lifecycle(context)
    return _done(steps.update(incident.id, context.args, context.user_id))


@subcommand(
    "phase",
    "phase <name> [date | versions | why]",
    f"moves the incident on ({phase_list()}); embargo takes the public disclosure "
    "date (YYYY-MM-DD [HH:MM] UTC), released the fixed versions.",
)
def _phase(context: CommandContext) -> Reply:
    steps, incident = _lifecycle(context)
    name, _, rest = context.args.partition(" ")
    target = parse_phase(name)
    if target is None:
        return Reply(f"Which phase? Phases go {phase_list()}: `/disclose phase fixing`.")
    if target == Phase.CLOSED:
        return Reply(CLOSE_USAGE)
    planned, versions, why = None, None, rest.strip()
    if target == Phase.EMBARGO:
        planned, why = parse_planned(rest)
        if planned is None and rest.strip():
            return Reply("Give the public disclosure date as `YYYY-MM-DD [HH:MM]` (UTC).")
    if target == Phase.RELEASED and rest.strip():
        versions, why = rest.strip(), ""
    outcome = steps.change_phase(
        incident.id,
        target,
        context.user_id,
        why,
        disclosure_planned_at=planned,
        fixed_versions=versions,
    )
    return _done(outcome)


def split_resolution(words: list[str]) -> tuple[str, list[str]]:
    """Resolutions may be typed as several words ("not a vulnerability", "won't fix")."""
    for count in range(min(len(words), 3), 0, -1):
        if parse_resolution(" ".join(words[:count])) is not None:
            return " ".join(words[:count]), words[count:]
    return words[0], words[1:]


@subcommand("close", "close <resolution> [duplicate ID] [why]", f"closes it ({USAGE_RESOLUTIONS}).")
def _close(context: CommandContext) -> Reply:
    steps, incident = _lifecycle(context)
    words = context.args.split()
    if not words:
        return Reply(CLOSE_USAGE)
    resolution, rest = split_resolution(words)
    duplicate = ""
    if rest and HUMAN_ID.fullmatch(rest[0]):
        duplicate, rest = rest[0], rest[1:]
    return _done(steps.close(incident.id, resolution, context.user_id, " ".join(rest), duplicate))


@subcommand("reopen", "reopen [why]", "reopens a closed incident.")
def _reopen(context: CommandContext) -> Reply:
    steps, incident = _lifecycle(context)
    return _done(steps.reopen(incident.id, context.user_id, context.args))


@subcommand("fixready", "fixready", "records that the fix is merged privately.")
def _fix_ready(context: CommandContext) -> Reply:
    steps, incident = _lifecycle(context)
    return _done(steps.fix_ready(incident.id, context.user_id))


@subcommand("public", "public [why]", "marks the issue as already public; the deadlines collapse.")
def _public(context: CommandContext) -> Reply:
    steps, incident = _lifecycle(context)
    return _done(steps.make_public(incident.id, context.user_id, context.args))


@subcommand(
    "export",
    "export",
    "uploads timeline.md, advisory.md, tracking-issue.md and osv.json to this channel.",
)
def _export(context: CommandContext) -> Reply:
    steps, incident = _lifecycle(context)
    return Reply(answer(steps.export(incident.id, context.user_id)))


@subcommand(
    "advisory",
    "advisory",
    "edits the CVE ID, affected packages, mitigation, detection, CWEs, credits.",
)
def _advisory(context: CommandContext) -> Reply | None:
    assert context.incident is not None
    try:
        context.services.gateway.open_view(
            context.trigger_id, advisory_packages.advisory_form(context.services, context.incident)
        )
    except SlackError as exc:
        return Reply(f"The form could not open ({exc.plain}). Please run the command again.")
    return None


@subcommand(
    "fixteam",
    "fixteam add|release @user [role]",
    "invites engineers to the fix team (with the embargo rules) or releases them.",
)
def _fixteam(context: CommandContext) -> Reply:
    steps, incident = _lifecycle(context)
    verb, _, rest = context.args.partition(" ")
    users = mentioned_users(rest)
    if verb not in ("add", "release") or not users:
        return Reply(
            "Use `/disclose fixteam add @user [role]` or `/disclose fixteam release @user`."
        )
    if verb == "add":
        # Only the first mention is the person added: "ask @mallory if stuck" in the role
        # must not invite and brief mallory too.
        first, others = users[0], users[1:]
        role = without_mentions(rest)
        reply = answer(steps.add_fix_team(incident.id, [first], context.user_id, role))
        if others:
            named = ", ".join(f"<@{user}>" for user in others)
            reply += (
                f"\nOnly the first person named is added; {named} "
                "need their own `/disclose fixteam add @user`."
            )
        return Reply(reply)
    replies = [answer(steps.release_fix_team(incident.id, user, context.user_id)) for user in users]
    return Reply("\n".join(replies))


# -- buttons ----------------------------------------------------------------------------------

ButtonRun = Callable[[Incident, str, dict[str, Any]], str | None]


@dataclass
class Submitted:
    """A modal's answer: field errors keep it open; otherwise `after` runs past the ack."""

    errors: dict[str, str] = field(default_factory=dict)
    after: Callable[[], Any] | None = None


SubmitRun = Callable[[Incident, str, Callable[[str], Any]], Submitted]


def register(app: App, services: Services) -> None:
    steps = Lifecycle(services)

    def find(human_id: str) -> Incident | None:
        with services.db.transaction() as session:
            return incidents.get_by_human_id(session, human_id)

    def button(action_id: str, opens_view: bool = False) -> Callable[[ButtonRun], ButtonRun]:
        """A headline button: ack, roster check, the incident, then `run(incident, user, body)`
        whose text (if any) goes back to the person alone. The work follows the ack in the
        background, except for a button that opens a modal while its trigger is fresh."""

        def wrap(run: ButtonRun) -> ButtonRun:
            def handle(body: dict[str, Any], respond: Respond) -> None:
                user = body["user"]["id"]
                if not services.roster.is_member(user):
                    respond(text=NOT_ON_ROSTER, response_type="ephemeral", replace_original=False)
                    return
                value = body["actions"][0].get("value", "")
                incident = find(value.split("|")[0])
                if incident is None:
                    respond(text="That incident no longer exists.", replace_original=False)
                    return
                text = run(incident, user, body)
                if text:
                    respond(text=text, response_type="ephemeral", replace_original=False)

            if opens_view:

                @app.action(action_id)
                def in_request(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
                    ack()
                    handle(body, respond)

            else:
                app.action(action_id)(after_ack(services)(handle))
            return run

        return wrap

    def modal(builder: Callable[[Incident], dict[str, Any]]) -> ButtonRun:
        def run(incident: Incident, user: str, body: dict[str, Any]) -> str | None:
            try:
                services.gateway.open_view(body["trigger_id"], builder(incident))
            except SlackError as exc:
                return f"The form could not open ({exc.plain}). Please press the button again."
            return None

        return run

    def quiet(outcome: Outcome) -> str | None:
        """Success shows in the thread and headline; only a refusal needs its own answer."""
        outcome.finish()
        return answer(outcome) if outcome.problems else None

    button("lifecycle_update", opens_view=True)(modal(views.update_modal))
    button("lifecycle_embargo", opens_view=True)(modal(views.embargo_modal))
    button("lifecycle_released", opens_view=True)(modal(views.released_modal))
    button("lifecycle_close", opens_view=True)(modal(views.close_modal))
    button("lifecycle_advisory", opens_view=True)(
        modal(lambda incident: advisory_packages.advisory_form(services, incident))
    )
    button("lifecycle_fixteam", opens_view=True)(modal(views.fixteam_modal))
    button("lifecycle_start_fixing")(
        lambda incident, user, body: quiet(
            steps.change_phase(incident.id, Phase.FIXING, user, "accepted as a vulnerability")
        )
    )
    button("lifecycle_fix_ready")(
        lambda incident, user, body: quiet(steps.fix_ready(incident.id, user))
    )
    button("lifecycle_disclosed")(
        lambda incident, user, body: quiet(
            steps.change_phase(incident.id, Phase.DISCLOSED, user, "advisory published")
        )
    )
    button("lifecycle_reopen")(lambda incident, user, body: quiet(steps.reopen(incident.id, user)))
    button("lifecycle_export")(lambda incident, user, body: answer(steps.export(incident.id, user)))
    button(views.RELEASE_MEMBER_ACTION)(
        lambda incident, user, body: answer(
            steps.release_fix_team(incident.id, body["actions"][0]["value"].partition("|")[2], user)
        )
    )
    register_submissions(app, services, steps, find)
    advisory_packages.register(app, services)


# -- modal submissions ------------------------------------------------------------------------


def register_submissions(
    app: App, services: Services, steps: Lifecycle, find: Callable[[str], Incident | None]
) -> None:
    def submission(callback_id: str, first_block: str) -> Callable[[SubmitRun], SubmitRun]:
        """A modal's submit: roster check, the incident, `run`, the ack, then `after`."""

        def wrap(run: SubmitRun) -> SubmitRun:
            @app.view(callback_id)
            def handle(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
                user = body["user"]["id"]
                if not services.roster.is_member(user):
                    ack(response_action="errors", errors={first_block: NOT_ON_ROSTER})
                    return
                incident = find(view.get("private_metadata", ""))
                if incident is None:
                    ack(response_action="errors", errors={first_block: "That incident is gone."})
                    return
                result = run(incident, user, _state(view))
                if result.errors:
                    ack(response_action="errors", errors=result.errors)
                    return
                ack()
                if result.after is not None:
                    result.after()

            return run

        return wrap

    def step(outcome: Outcome, block: str) -> Submitted:
        if outcome.problems:
            return Submitted({block: " ".join(outcome.problems)})
        return Submitted(after=outcome.finish)

    @submission(views.UPDATE_CALLBACK, "text")
    def update(incident: Incident, user: str, value: Callable[[str], Any]) -> Submitted:
        now = services.clock.now()
        target = parse_phase(value("phase") or "")
        next_update = _from_epoch(value("next_update"))
        if next_update is not None and next_update <= now:
            return Submitted({"next_update": "Pick a time in the future."})
        if target is not None:
            problems = check_transition(incident, target, now)
            if problems:
                return Submitted({"phase": " ".join(problems)})
        outcome = steps.update(incident.id, value("text") or "", user, next_update)
        if outcome.problems:
            return Submitted({"text": " ".join(outcome.problems)})

        def after() -> None:
            outcome.finish()
            if target is not None:
                moved = steps.change_phase(incident.id, target, user).finish()
                if moved.problems:
                    services.gateway.dm(user, answer(moved))

        return Submitted(after=after)

    @submission(views.EMBARGO_CALLBACK, "planned")
    def embargo(incident: Incident, user: str, value: Callable[[str], Any]) -> Submitted:
        planned = _from_epoch(value("planned"))
        if planned is None:
            return Submitted({"planned": "Pick the date and time of the public disclosure."})
        why = value("why") or ""
        outcome = steps.change_phase(
            incident.id, Phase.EMBARGO, user, why, disclosure_planned_at=planned
        )
        if outcome.problems or outcome.blocks is None:
            return step(outcome, "planned")

        def after() -> None:
            outcome.finish()
            # The modal is closed by now, so the date warning and its offer go by DM.
            try:
                services.gateway.dm(user, outcome.message, outcome.blocks)
            except SlackError as exc:
                log.warning("could not send the disclosure date warning to %s: %s", user, exc.error)

        return Submitted(after=after)

    @submission(views.RELEASED_CALLBACK, "fixed_versions")
    def released(incident: Incident, user: str, value: Callable[[str], Any]) -> Submitted:
        versions = value("fixed_versions") or ""
        why = value("why") or ""
        outcome = steps.change_phase(
            incident.id, Phase.RELEASED, user, why, fixed_versions=versions
        )
        return step(outcome, "fixed_versions")

    @submission(views.CLOSE_CALLBACK, "resolution")
    def close(incident: Incident, user: str, value: Callable[[str], Any]) -> Submitted:
        duplicate = (value("duplicate_of") or "").strip()
        why = value("why") or ""
        outcome = steps.close(incident.id, value("resolution") or "", user, why, duplicate)
        text = " ".join(outcome.problems).lower()
        block = "duplicate_of" if "duplicate" in text or "no incident" in text else "resolution"
        return step(outcome, block)

    @submission(views.ADVISORY_CALLBACK, "cve_id")
    def advisory(incident: Incident, user: str, value: Callable[[str], Any]) -> Submitted:
        # The packages have blocks of their own; their older text fields follow them.
        names = [n for n in incidents.ADVISORY_FIELDS if n not in incidents.PACKAGE_TEXT_FIELDS]
        given = advisory_fields.normalise({name: value(name) or "" for name in names})
        problems = advisory_fields.validate(given)
        slot_ids = advisory_packages.slots(value(BLOCK_ORDER) or [])
        packages, package_problems = advisory_packages.read_drafts(
            advisory_packages.drafts_from(value, slot_ids), slot_ids
        )
        problems.update(package_problems)
        if problems:
            return Submitted(problems)
        return step(steps.edit_advisory(incident.id, given, user, packages), "cve_id")

    @submission(views.FIXTEAM_CALLBACK, "users")
    def fixteam(incident: Incident, user: str, value: Callable[[str], Any]) -> Submitted:
        users = list(value("users") or [])
        if not users:
            return Submitted({"users": "Choose at least one person."})
        role = value("role") or ""

        def after() -> None:
            outcome = steps.add_fix_team(incident.id, users, user, role)
            if outcome.problems and incident.channel_id:
                services.gateway.ephemeral(incident.channel_id, user, answer(outcome))

        return Submitted(after=after)
