"""A draft for the blameless retrospective, from the timeline: ready at release.

The process asks for a retrospective 1 to 3 days after the fix is released; this draft
gives the meeting its facts (what happened when, time in each phase, the deadlines met
and missed, who did what) and leaves the judgement to the people in it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

from bot.exports.context import ExportContext
from bot.exports.timeline import duration, phase_spans
from bot.incident.models import Phase

# The events a retrospective retells, in words (the full list is in timeline.md).
STORY = {
    "created": "reported",
    "received": "report received",
    "phase_changed": "phase",
    "lead_accepted": "fix lead",
    "scored": "scored",
    "fix_ready": "fix ready",
    "distributors_notified": "distributors notified",
    "made_public": "made public",
    "cve_reserved": "CVE",
    "cve_published": "CVE",
    "reporter_wrote": "reporter wrote",
    "reporter_replied": "reporter answered",
    "deadline_missed": "deadline missed",
    "closed": "closed",
}
# What each kind of event says about the person who did it.
DEEDS = {
    "update": "status updates",
    "scored": "scores",
    "lead_accepted": "took the fix lead",
    "phase_changed": "phase changes",
    "fix_team_added": "fix team invitations",
    "deadline_done": "deadlines marked done",
    "advisory_edited": "advisory edits",
    "message": "messages kept in the timeline",
    "cve_reserved": "CVE IDs reserved",
    "cve_published": "CVE records published",
    "reporter_replied": "messages to the reporter",
}
MACHINES = ("bot", "intake", "github", "email")


def retrospective_markdown(ctx: ExportContext) -> str:
    incident = ctx.incident
    lines = [
        f"# {incident.human_id} retrospective (draft): {incident.title}",
        "",
        "A blameless look back: what happened, what helped, what to change. Drafted by the "
        "bot from the incident's timeline; all times UTC.",
        "",
    ]
    if incident.released_at is not None:
        start = incident.released_at + timedelta(days=1)
        end = incident.released_at + timedelta(days=3)
        lines += [
            f"Hold it between {start:%Y-%m-%d} and {end:%Y-%m-%d} (1 to 3 days after release).",
            "",
        ]
    lines += ["## Summary", "", *_summary(ctx), "", "## What happened", "", *_story(ctx)]
    lines += ["", "## Time in each phase", "", *_phases(ctx)]
    lines += ["", "## Deadlines", "", *_deadlines(ctx)]
    lines += ["", "## Who did what", "", *_people(ctx)]
    lines += [
        "",
        "## For the meeting",
        "",
        "- What went well?",
        "- What was hard, slow or surprising?",
        "- What do we change (owner, due date)?",
    ]
    return "\n".join(lines) + "\n"


def _summary(ctx: ExportContext) -> list[str]:
    incident = ctx.incident
    lines = [f"- Source: {incident.source}; reported {incident.reported_at:%Y-%m-%d %H:%M}"]
    if incident.severity:
        lines.append(
            f"- Severity: {incident.severity} ({incident.cvss_score}, {incident.cvss_vector})"
        )
    if incident.cve_id:
        lines.append(f"- CVE: {incident.cve_id}")
    lines.append(f"- Fix lead: {ctx.name(incident.lead_id)}")
    for label, moment in (("released", incident.released_at), ("disclosed", incident.disclosed_at)):
        if moment is not None:
            lines.append(f"- Report to {label}: {duration(moment - incident.reported_at)}")
    return lines


def _story(ctx: ExportContext) -> list[str]:
    lines = []
    for event in ctx.events:
        label = STORY.get(event.kind)
        if label is None:
            continue
        text = ctx.readable(event.text).replace("\n", " ")
        if len(text) > 160:
            text = text[:159] + "…"
        lines.append(f"- {event.at:%Y-%m-%d %H:%M} · {label}: {text}")
    return lines or ["- nothing recorded"]


def _phases(ctx: ExportContext) -> list[str]:
    lines = ["| Phase | Entered | Lasted |", "|---|---|---|"]
    for phase, entered, left in phase_spans(ctx):
        if phase == Phase.CLOSED.value:
            lasted = "—"
        else:
            lasted = duration((left or ctx.now) - entered) + ("" if left else " so far")
        lines.append(f"| {phase} | {entered:%Y-%m-%d %H:%M} | {lasted} |")
    return lines


def _deadlines(ctx: ExportContext) -> list[str]:
    met = [e for e in ctx.events if e.kind in ("deadline_met", "deadline_done")]
    missed = [e for e in ctx.events if e.kind == "deadline_missed"]
    lines = [f"- Met: {len(met)}; missed: {len(missed)}"]
    lines += [f"  - met: {ctx.readable(e.text)} ({e.at:%Y-%m-%d %H:%M})" for e in met]
    lines += [f"  - missed: {ctx.readable(e.text)} ({e.at:%Y-%m-%d %H:%M})" for e in missed]
    return lines


def _people(ctx: ExportContext) -> list[str]:
    done: dict[str, Counter[str]] = defaultdict(Counter)
    for event in ctx.events:
        if event.actor in MACHINES or event.kind not in DEEDS:
            continue
        done[event.actor][DEEDS[event.kind]] += 1
    lines = []
    for actor, deeds in sorted(done.items(), key=lambda item: ctx.name(item[0])):
        parts = [f"{what} ({count})" if count > 1 else what for what, count in deeds.items()]
        lines.append(f"- {ctx.name(actor)}: {', '.join(parts)}")
    team = [ctx.name(user) for user in ctx.fix_team]
    if team:
        lines.append(f"- Fix team: {', '.join(team)}")
    return lines or ["- nobody recorded"]
