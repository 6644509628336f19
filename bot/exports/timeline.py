"""The whole timeline in Markdown: by day in UTC, with how long each phase lasted."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.exports.context import ExportContext
from bot.incident.models import Phase
from bot.timeline.models import TimelineEvent

DEADLINE_KINDS = ("deadline_met", "deadline_missed")


def duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m"]
    text = " ".join(p for p in parts if p)
    return text if not text.endswith(" 0m") else text[: -len(" 0m")]


def phase_spans(ctx: ExportContext) -> list[tuple[str, datetime, datetime | None]]:
    """(phase, entered, left) from creation and every phase change, in order."""
    spans: list[tuple[str, datetime, datetime | None]] = []
    current, since = Phase.TRIAGE.value, ctx.incident.created_at
    for event in ctx.events:
        if event.kind != "phase_changed":
            continue
        spans.append((current, since, event.at))
        current, since = str(event.data.get("to", "?")), event.at
    spans.append((current, since, None))
    return spans


def _phase_table(ctx: ExportContext) -> list[str]:
    lines = ["| Phase | Entered (UTC) | Lasted |", "|---|---|---|"]
    for phase, entered, left in phase_spans(ctx):
        if phase == Phase.CLOSED.value:
            lasted = "—"
        elif left is None:
            lasted = f"{duration(ctx.now - entered)} so far"
        else:
            lasted = duration(left - entered)
        lines.append(f"| {phase} | {entered:%Y-%m-%d %H:%M} | {lasted} |")
    return lines


def _deadlines(ctx: ExportContext) -> list[str]:
    incident = ctx.incident
    lines = []
    for event in ctx.events:
        if event.kind in DEADLINE_KINDS:
            verdict = "met" if event.kind == "deadline_met" else "missed"
            lines.append(f"- {verdict}: {ctx.readable(event.text)} ({event.at:%Y-%m-%d %H:%M})")
    planned = incident.disclosure_planned_at
    if planned is not None:
        when = f"planned {planned:%Y-%m-%d %H:%M}"
        if incident.disclosed_at is None:
            state = "missed" if ctx.now > planned else "pending"
            lines.append(f"- public disclosure: {state} ({when})")
        else:
            state = "met" if incident.disclosed_at <= planned else "missed"
            lines.append(
                f"- public disclosure: {state} ({when}, disclosed "
                f"{incident.disclosed_at:%Y-%m-%d %H:%M})"
            )
    return lines or ["- none recorded"]


def _entry(ctx: ExportContext, event: TimelineEvent) -> str:
    who = ctx.name(event.actor) if event.actor not in ("bot", "intake") else event.actor
    text = ctx.readable(event.text).replace("\n", " ")
    if event.source_ts:
        marks = []
        if event.source_edited_at:
            marks.append(f"edited {event.source_edited_at:%Y-%m-%d %H:%M}")
        if event.source_deleted_at:
            marks.append(f"deleted in Slack {event.source_deleted_at:%Y-%m-%d %H:%M}")
        note = f" _({'; '.join(marks)})_" if marks else ""
        return f"- {event.at:%H:%M} · 📌 {who}: “{text}”{note}"
    return f"- {event.at:%H:%M} · {who} · {event.kind} · {text}"


def timeline_markdown(ctx: ExportContext) -> str:
    incident = ctx.incident
    lines = [
        f"# {incident.human_id} timeline: {incident.title}",
        "",
        f"Exported {ctx.now:%Y-%m-%d %H:%M} UTC. All times are UTC.",
        "",
        "## Phases",
        "",
        *_phase_table(ctx),
        "",
        "## Deadlines",
        "",
        *_deadlines(ctx),
        "",
        "## Events",
    ]
    day = None
    for event in ctx.events:
        if event.at.date() != day:
            day = event.at.date()
            lines += ["", f"### {day:%Y-%m-%d} ({day:%A})", ""]
        lines.append(_entry(ctx, event))
    return "\n".join(lines) + "\n"
