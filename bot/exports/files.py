"""The export files of an incident, from the database to text."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from bot.advisory import store
from bot.audit.service import record
from bot.exports.advisory import advisory_markdown, tracking_issue_markdown
from bot.exports.context import MENTION, ExportContext
from bot.exports.osv import osv_json
from bot.exports.retrospective import retrospective_markdown
from bot.exports.timeline import timeline_markdown
from bot.incident import service as incidents
from bot.timeline.service import add_event, events_for

RETROSPECTIVE = "retrospective.md"
BUILDERS: dict[str, Callable[[ExportContext], str]] = {
    "timeline.md": timeline_markdown,
    "advisory.md": advisory_markdown,
    "osv.json": osv_json,
    "tracking-issue.md": tracking_issue_markdown,
}


def load_context(
    session: Session, incident_id: int, now: datetime, names: Mapping[str, str] | None = None
) -> ExportContext:
    incident = incidents.get(session, incident_id)
    assert incident is not None, f"no incident {incident_id}"
    team = [m.user_id for m in incidents.fix_team(session, incident_id, active_only=False)]
    return ExportContext(
        incident,
        events_for(session, incident_id),
        now,
        team,
        names or {},
        # No rows yet (an incident reported as free text): the exports read the text.
        packages=store.packages(session, incident_id) or None,
        credits=store.credits(session, incident_id),
    )


def people_in(ctx: ExportContext) -> set[str]:
    """Every Slack user an export names, so the caller can look their names up."""
    people = {e.actor for e in ctx.events if e.actor not in ("bot", "intake", "github", "email")}
    people.update(ctx.fix_team)
    people.update(u for u in (ctx.incident.lead_id, ctx.incident.opened_by) if u)
    people.update(m for e in ctx.events for m in _mentions(e.text))
    return people


def _mentions(text: str) -> list[str]:
    return MENTION.findall(text or "")


def export_files(ctx: ExportContext) -> list[tuple[str, str]]:
    files = [(name, build(ctx)) for name, build in BUILDERS.items()]
    if ctx.incident.released_at is not None:  # the retrospective follows the release
        files.append((RETROSPECTIVE, retrospective_markdown(ctx)))
    return files


def record_export(
    session: Session, incident_id: int, files: list[str], actor: str, now: datetime
) -> None:
    """The files were shared: a timeline event and an audit row say which, and who asked."""
    add_event(session, incident_id, now, actor, "exported", "Exported " + ", ".join(files))
    record(session, now, actor, "incident.export", incident_id, files=files)
