"""Affected packages in Slack: a block per package in the Advisory fields form (add and
remove rebuild the form in place), and `/disclose affected`, the form's twin."""

from __future__ import annotations

import logging
import re
import shlex
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.advisory import store
from bot.advisory.editing import MAX_PACKAGES, PackageInput, describe, draft_of, read_package
from bot.advisory.legacy import package_from_text
from bot.advisory.model import AffectedPackage
from bot.incident.models import Incident
from bot.services import Services
from bot.slack.blocks import lifecycle as lifecycle_blocks
from bot.slack.blocks.text import escape
from bot.slack.gateway import SlackError
from bot.slack.lifecycle import Lifecycle
from bot.slack.listeners.commands import CommandContext, Reply, subcommand
from bot.slack.middleware import incident_of, services_of

log = logging.getLogger(__name__)
SLOT = re.compile(r"^pkg_(\d+)x(\d+)_name$")
AFFECTED_USAGE = (
    "Use `/disclose affected` to list the packages, "
    "`/disclose affected <ecosystem> <name> <ranges> [fixed <versions>] [links <urls>]` to add "
    "or replace one (ranges as GitHub writes them, `;` between ranges, e.g. "
    '`/disclose affected PyPI yaml-kit ">= 2.0, < 2.4.1; >= 3.0, < 3.0.2" fixed 2.4.1, 3.0.2`), '
    "or `/disclose affected remove <ecosystem> <name>`."
)


def current_drafts(services: Services, incident: Incident) -> list[PackageInput]:
    """The packages as the form shows them; for an incident reported as free text, what
    that text reads as, so the form starts from it and saving keeps it."""
    with services.db.transaction() as session:
        found = store.packages(session, incident.id)
    if not found:
        package, _ = package_from_text(
            incident.package_ecosystem or "",
            incident.package_name or incident.component or "",
            incident.affected_versions or "",
            incident.fixed_versions or "",
        )
        if package is not None:
            draft = draft_of(package)
            # Text that did not read is shown as written, for a person to correct.
            draft.ranges = draft.ranges if not package.note else package.range_text
            return [draft]
        if incident.affected_versions:
            return [PackageInput(ranges=incident.affected_versions, fixed=incident.fixed_versions)]
    return [draft_of(p) for p in found]


def advisory_form(services: Services, incident: Incident) -> dict[str, Any]:
    return lifecycle_blocks.advisory_modal(incident, current_drafts(services, incident))


# -- the form's package blocks ------------------------------------------------------------


def slots(block_ids: list[str]) -> list[str]:
    """The package slots of a form, in the order shown."""
    found = []
    for block_id in block_ids:
        match = SLOT.match(block_id or "")
        if match:
            found.append(f"{match[1]}x{match[2]}")
    return found


def drafts_from(value: Callable[[str], Any], slot_ids: list[str]) -> list[PackageInput]:
    def field(slot: str, name: str) -> str:
        return str(value(lifecycle_blocks.package_block_id(slot, name)) or "")

    return [
        PackageInput(*(field(slot, name) for name in lifecycle_blocks.PACKAGE_FIELDS))
        for slot in slot_ids
    ]


def read_drafts(
    drafts: list[PackageInput], slot_ids: list[str]
) -> tuple[list[AffectedPackage], dict[str, str]]:
    """The packages of the form, or an error under each input that is wrong."""
    packages: list[AffectedPackage] = []
    errors: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    for slot, draft in zip(slot_ids, drafts, strict=True):
        if draft.blank:
            continue
        package, problems = read_package(draft)
        for name, problem in problems.items():
            errors[lifecycle_blocks.package_block_id(slot, name)] = problem
        if package is None:
            continue
        key = (package.ecosystem, package.name)
        if key in seen:
            errors[lifecycle_blocks.package_block_id(slot, "name")] = (
                "This package is listed already."
            )
        seen.add(key)
        packages.append(package)
    return packages, errors


def _view_value(view: dict[str, Any]) -> Callable[[str], Any]:
    values = view.get("state", {}).get("values", {})

    def value(block_id: str) -> Any:
        element = (values.get(block_id) or {}).get(lifecycle_blocks.VALUE) or {}
        if "selected_option" in element:
            return (element["selected_option"] or {}).get("value")
        return element.get("value")

    return value


def _rebuild(
    body: dict[str, Any],
    context: BoltContext,
    change: Callable[[list[str], list[PackageInput]], None],
) -> None:
    """The advisory form again with its package blocks changed, keeping what was typed."""
    services, incident = services_of(context), incident_of(context)
    view = body.get("view") or {}
    block_ids = [b.get("block_id", "") for b in view.get("blocks", [])]
    slot_ids = slots(block_ids)
    drafts = drafts_from(_view_value(view), slot_ids)
    change(slot_ids, drafts)
    generation = 1 + max((int(s.split("x")[0]) for s in slot_ids), default=0)
    modal = lifecycle_blocks.advisory_modal(incident, drafts, generation)
    # Keep what was typed in the other fields: they become the rebuilt form's values.
    typed = _view_value(view)
    for block in modal["blocks"]:
        block_id = block.get("block_id", "")
        if block.get("type") == "input" and not block_id.startswith("pkg_"):
            current = typed(block_id)
            element = block["element"]
            if element.get("type") == "plain_text_input":
                element.pop("initial_value", None)
                if current:
                    element["initial_value"] = str(current)
    try:
        services.gateway.update_view(view["id"], modal, view.get("hash"))
    except SlackError as error:
        log.warning("could not rebuild the advisory form: %s", error.error)


# -- listeners -----------------------------------------------------------------------------
def add_package(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Add package: one more empty package block (up to the limit)."""
    ack()

    def change(slot_ids: list[str], drafts: list[PackageInput]) -> None:
        if len(drafts) < MAX_PACKAGES:
            drafts.append(PackageInput())

    _rebuild(body, context, change)


def remove_package(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Remove on a package block: the button's value is "<incident ID>|<slot>"."""
    ack()
    slot = body["actions"][0].get("value", "").partition("|")[2]

    def change(slot_ids: list[str], drafts: list[PackageInput]) -> None:
        if slot in slot_ids:
            del drafts[slot_ids.index(slot)]

    _rebuild(body, context, change)


# -- /disclose affected ------------------------------------------------------------------


def _words(args: str) -> list[str]:
    try:
        return shlex.split(args)
    except ValueError:
        return args.split()


def parse_affected(args: str) -> tuple[str, PackageInput | None, str]:
    """("list" | "set" | "remove", the package typed, a usage problem)."""
    words = _words(args)
    if not words:
        return "list", None, ""
    if words[0].lower() == "remove":
        if len(words) < 3:
            return "remove", None, AFFECTED_USAGE
        return "remove", PackageInput(words[1], " ".join(words[2:])), ""
    if len(words) < 3:
        return "set", None, AFFECTED_USAGE
    ecosystem, name, rest = words[0], words[1], words[2:]
    parts: dict[str, list[str]] = {"ranges": [], "fixed": [], "links": []}
    current = "ranges"
    for word in rest:
        if word.lower() in ("fixed", "links") and current != word.lower():
            current = word.lower()
            continue
        parts[current].append(word)
    ranges = " ".join(parts["ranges"]).replace(";", "\n")
    return (
        "set",
        PackageInput(ecosystem, name, ranges, " ".join(parts["fixed"]), "\n".join(parts["links"])),
        "",
    )


@subcommand(
    "affected",
    "affected [<ecosystem> <name> <ranges> [fixed …] [links …] | remove <ecosystem> <name>]",
    "lists, adds, replaces or removes an affected package (the form's twin).",
)
def _affected(context: CommandContext) -> Reply:
    assert context.incident is not None
    services, incident = context.services, context.incident
    verb, typed, problem = parse_affected(context.args)
    if problem:
        return Reply(problem)
    with services.db.transaction() as session:
        current = store.packages(session, incident.id)
    if verb == "list":
        listing = escape(describe(current))
        return Reply(f"Affected packages of {incident.human_id}:\n{listing}\n\n{AFFECTED_USAGE}")
    assert typed is not None
    if verb == "remove":
        from bot.advisory.ecosystems import osv_ecosystem

        key = (osv_ecosystem(typed.ecosystem) or typed.ecosystem, typed.name)
        kept = [p for p in current if (p.ecosystem, p.name) != key]
        if len(kept) == len(current):
            return Reply(f"{incident.human_id} lists no package {escape(' '.join(key))}.")
        packages = kept
    else:
        package, problems = read_package(typed)
        if package is None:
            return Reply("Nothing changed. " + " ".join(problems.values()))
        replaced = [
            p for p in current if (p.ecosystem, p.name) != (package.ecosystem, package.name)
        ]
        if len(replaced) == len(current) and len(current) >= MAX_PACKAGES:
            return Reply(f"An incident lists at most {MAX_PACKAGES} packages.")
        index = next(
            (
                i
                for i, p in enumerate(current)
                if (p.ecosystem, p.name) == (package.ecosystem, package.name)
            ),
            len(current),
        )
        packages = [*replaced[:index], package, *replaced[index:]]
    outcome = Lifecycle(services).edit_advisory(incident.id, {}, context.user_id, packages)
    outcome.finish()
    if outcome.problems:
        return Reply(" ".join(outcome.problems))
    return Reply(f"Affected packages of {incident.human_id}:\n{escape(describe(packages))}")
