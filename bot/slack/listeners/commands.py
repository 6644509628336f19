"""`/disclose` subcommands: a small registry that feature modules add to."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.incident.models import Incident
from bot.services import Services
from bot.slack.blocks.text import escape

OUTSIDER_HELP = (
    "*`/disclose`* with no text opens the form to report a vulnerability privately to the "
    "security team; you get a receipt with the incident ID. *`/cvss <vector>`* scores a CVSS "
    "vector. Managing incidents is for the security team."
)
NOT_IN_INCIDENT = "Run this in an incident's channel. `/disclose help` lists what you can do."


@dataclass
class Reply:
    text: str
    blocks: list[dict[str, Any]] | None = None


@dataclass
class CommandContext:
    services: Services
    user_id: str
    channel_id: str
    args: str
    trigger_id: str
    incident: Incident | None = None
    extra: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[CommandContext], Reply | None]


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    handler: Handler
    needs_incident: bool = True


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(
    name: str, usage: str, summary: str, needs_incident: bool = True
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        SUBCOMMANDS[name] = Subcommand(name, usage, summary, handler, needs_incident)
        return handler

    return register


def dispatch(
    services: Services, command: dict[str, Any], incident: Incident | None
) -> Reply | None:
    """Run a subcommand for a roster member (the listener's middleware checked that) in the
    channel of `incident`, if any, and return the ephemeral answer."""
    # The command is registered with should_escape, so mentions arrive as <@U…|name> and
    # the user's own &, < and > arrive as entities: decode those, keep mention markup.
    text = html.unescape((command.get("text") or "").strip())
    name, _, args = text.partition(" ")
    user_id = command["user_id"]
    found = SUBCOMMANDS.get(name.lower())
    if found is None:
        return Reply(f"I don't know `/disclose {escape(name)}`. " + help_text())
    context = CommandContext(
        services=services,
        user_id=user_id,
        channel_id=command.get("channel_id", ""),
        args=args.strip(),
        trigger_id=command.get("trigger_id", ""),
        incident=incident,
    )
    if found.needs_incident and incident is None:
        return Reply(NOT_IN_INCIDENT)
    return found.handler(context)


def help_text() -> str:
    lines = ["*`/disclose`* opens the form to report a vulnerability."]
    for sub in sorted(SUBCOMMANDS.values(), key=lambda s: s.name):
        lines.append(f"*`/disclose {sub.usage}`* {sub.summary}")
    return "\n".join(lines)


@subcommand("help", "help", "shows this list.", needs_incident=False)
def _help(context: CommandContext) -> Reply:
    return Reply(help_text())


@subcommand("status", "status", "shows the incident's current state, only to you.")
def _status(context: CommandContext) -> Reply:
    from bot.slack.blocks.incident import headline_blocks, headline_text
    from bot.slack.incident_messages import current_state

    assert context.incident is not None
    state = current_state(context.services, context.incident.id)
    return Reply(
        headline_text(state.incident),
        headline_blocks(state.incident, state.next_deadline, state.notes),
    )
