"""Headline buttons, modals and `/disclose` subcommands for running an incident."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

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
from bot.slack.blocks import lifecycle as lifecycle_blocks
from bot.slack.follow_up import after_ack
from bot.slack.gateway import SlackError
from bot.slack.lifecycle import Lifecycle, Outcome
from bot.slack.listeners import advisory_packages
from bot.slack.listeners.commands import CommandContext, Reply, subcommand
from bot.slack.middleware import asker_of, incident_of, services_of
from bot.slack.modals import open_form

log = logging.getLogger(__name__)
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|\b([UW][A-Z0-9]{6,})\b")
DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}:\d{2}))?(?:\s*UTC)?(?:\s+(.*))?$", re.S)
HUMAN_ID = re.compile(r"[A-Za-z][A-Za-z0-9]*-\d{4}-\d+")
CLOSE_USAGE = f"Closing needs a resolution: `/disclose close <resolution>` ({USAGE_RESOLUTIONS})."
# Public disclosures go out at 4pm UTC unless a time is given (the Kubernetes default).
DISCLOSURE_TIME = time(16, 0)
BLOCK_ORDER = "__block_order__"  # asks `value` for the view's block IDs, in order


def answer(outcome: Outcome) -> str:
    return lifecycle_blocks.refused(outcome.problems) if outcome.problems else outcome.message


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


def _state(view: dict[str, Any]) -> Callable[[str], Any]:
    values = view["state"]["values"]

    def value(block_id: str) -> Any:
        if block_id == BLOCK_ORDER:
            return [block.get("block_id", "") for block in view.get("blocks", [])]
        element = (values.get(block_id) or {}).get(lifecycle_blocks.VALUE) or {}
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
    form = advisory_packages.advisory_form(context.services, context.incident)
    problem = open_form(context.services, context.trigger_id, form, "run the command again")
    return Reply(problem) if problem else None


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
# Each button's incident comes from its value (listener middleware); the person is on the
# roster (middleware too). A button that opens a form does so in the request, while its
# trigger is fresh; the others do their work after the ack.


def _step(context: BoltContext) -> tuple[Lifecycle, Incident, str]:
    return Lifecycle(services_of(context)), incident_of(context), asker_of(context)


def _tell(respond: Respond, text: str | None) -> None:
    if text:
        respond(text=text, response_type="ephemeral", replace_original=False)


def _quietly(respond: Respond, outcome: Outcome) -> None:
    """Success shows in the thread and headline; only a refusal needs its own answer."""
    outcome.finish()
    _tell(respond, answer(outcome) if outcome.problems else None)


def _open(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    form: Callable[[Incident], dict[str, Any]],
) -> None:
    ack()
    problem = open_form(
        services_of(context),
        body["trigger_id"],
        form(incident_of(context)),
        "press the button again",
    )
    _tell(respond, problem)


def open_update_form(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    _open(ack, body, respond, context, lifecycle_blocks.update_modal)


def open_embargo_form(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    _open(ack, body, respond, context, lifecycle_blocks.embargo_modal)


def open_released_form(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    _open(ack, body, respond, context, lifecycle_blocks.released_modal)


def open_close_form(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    _open(ack, body, respond, context, lifecycle_blocks.close_modal)


def open_advisory_form(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    services = services_of(context)
    _open(ack, body, respond, context, lambda i: advisory_packages.advisory_form(services, i))


def open_fixteam_form(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    _open(ack, body, respond, context, lifecycle_blocks.fixteam_modal)


@after_ack
def start_fixing(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    steps, incident, user = _step(context)
    _quietly(
        respond, steps.change_phase(incident.id, Phase.FIXING, user, "accepted as a vulnerability")
    )


@after_ack
def fix_ready(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    steps, incident, user = _step(context)
    _quietly(respond, steps.fix_ready(incident.id, user))


@after_ack
def disclosed(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    steps, incident, user = _step(context)
    _quietly(respond, steps.change_phase(incident.id, Phase.DISCLOSED, user, "advisory published"))


@after_ack
def reopen(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    steps, incident, user = _step(context)
    _quietly(respond, steps.reopen(incident.id, user))


@after_ack
def export(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    steps, incident, user = _step(context)
    _tell(respond, answer(steps.export(incident.id, user)))


@after_ack
def release_member(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """The Release button on a fix-team note: its value is "<incident ID>|<user ID>"."""
    steps, incident, user = _step(context)
    member = body["actions"][0]["value"].partition("|")[2]
    _tell(respond, answer(steps.release_fix_team(incident.id, member, user)))


# -- modal submissions ------------------------------------------------------------------------


@dataclass
class Submitted:
    """A modal's answer: field errors keep it open; otherwise `after` runs past the ack."""

    errors: dict[str, str] = field(default_factory=dict)
    after: Callable[[], Any] | None = None


Value = Callable[[str], Any]
SubmitRun = Callable[[Lifecycle, Incident, str, Value], Submitted]
SubmitListener = Callable[[Ack, dict[str, Any], BoltContext], None]


def submission(run: SubmitRun) -> SubmitListener:
    """A form's submit listener: `run(steps, incident, user, value)` decides, then the ack
    (with field errors, if any), then `after`. The incident comes from the form's
    private_metadata, checked by listener middleware like the roster."""

    def listener(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        steps, incident, user = _step(context)
        result = run(steps, incident, user, _state(view))
        if result.errors:
            ack(response_action="errors", errors=result.errors)
            return
        ack()
        if result.after is not None:
            result.after()

    listener.__name__, listener.__qualname__ = run.__name__, run.__qualname__
    listener.__doc__ = run.__doc__
    return listener


def _step_result(outcome: Outcome, block: str) -> Submitted:
    if outcome.problems:
        return Submitted({block: " ".join(outcome.problems)})
    return Submitted(after=outcome.finish)


@submission
def submit_update(steps: Lifecycle, incident: Incident, user: str, value: Value) -> Submitted:
    services = steps.services
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


@submission
def submit_embargo(steps: Lifecycle, incident: Incident, user: str, value: Value) -> Submitted:
    planned = _from_epoch(value("planned"))
    if planned is None:
        return Submitted({"planned": "Pick the date and time of the public disclosure."})
    why = value("why") or ""
    outcome = steps.change_phase(
        incident.id, Phase.EMBARGO, user, why, disclosure_planned_at=planned
    )
    if outcome.problems or outcome.blocks is None:
        return _step_result(outcome, "planned")
    gateway = steps.services.gateway

    def after() -> None:
        outcome.finish()
        # The modal is closed by now, so the date warning and its offer go by DM.
        try:
            gateway.dm(user, outcome.message, outcome.blocks)
        except SlackError as exc:
            log.warning("could not send the disclosure date warning to %s: %s", user, exc.error)

    return Submitted(after=after)


@submission
def submit_released(steps: Lifecycle, incident: Incident, user: str, value: Value) -> Submitted:
    versions = value("fixed_versions") or ""
    why = value("why") or ""
    outcome = steps.change_phase(incident.id, Phase.RELEASED, user, why, fixed_versions=versions)
    return _step_result(outcome, "fixed_versions")


@submission
def submit_close(steps: Lifecycle, incident: Incident, user: str, value: Value) -> Submitted:
    duplicate = (value("duplicate_of") or "").strip()
    why = value("why") or ""
    outcome = steps.close(incident.id, value("resolution") or "", user, why, duplicate)
    text = " ".join(outcome.problems).lower()
    block = "duplicate_of" if "duplicate" in text or "no incident" in text else "resolution"
    return _step_result(outcome, block)


@submission
def submit_advisory(steps: Lifecycle, incident: Incident, user: str, value: Value) -> Submitted:
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
    return _step_result(steps.edit_advisory(incident.id, given, user, packages), "cve_id")


@submission
def submit_fixteam(steps: Lifecycle, incident: Incident, user: str, value: Value) -> Submitted:
    users = list(value("users") or [])
    if not users:
        return Submitted({"users": "Choose at least one person."})
    role = value("role") or ""
    gateway = steps.services.gateway

    def after() -> None:
        outcome = steps.add_fix_team(incident.id, users, user, role)
        if outcome.problems and incident.channel_id:
            gateway.ephemeral(incident.channel_id, user, answer(outcome))

    return Submitted(after=after)
