"""Opening and finding incidents. Pure storage and rules: nothing here talks to Slack."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.audit.service import record
from bot.incident.ids import bump_sequence, format_human_id
from bot.incident.models import FixTeamMember, Incident, Phase
from bot.incident.phases import (
    USAGE_RESOLUTIONS,
    Resolution,
    check_close,
    check_reopen,
    check_transition,
    parse_resolution,
    reopen_phase,
)
from bot.incident.validation import IncidentDraft, without_nul
from bot.scoring.engine import parse_vector, score
from bot.timeline.models import TimelineEvent
from bot.timeline.service import add_event


def _score_fields(vector: str | None) -> dict[str, object]:
    if not vector or not vector.strip():
        return {}
    result = score(parse_vector(vector))
    return {
        "cvss_vector": result.clean_vector,
        "cvss_score": result.score,
        "severity": result.severity,
    }


def open_incident(
    session: Session,
    draft: IncidentDraft,
    *,
    opened_by: str,
    now: datetime,
    prefix: str,
    intake_key: str | None = None,
) -> tuple[Incident, bool]:
    """Store a new incident, or return the one this intake key already opened.

    Returns (incident, created). The caller validates the draft first.
    """
    draft = without_nul(draft)
    draft = replace(draft, title=draft.title.strip(), external_ref=draft.external_ref.strip())
    if intake_key is not None:
        existing = session.scalar(select(Incident).where(Incident.intake_key == intake_key))
        if existing is not None:
            return existing, False
    incident = Incident(
        intake_key=intake_key,
        title=draft.title,
        description=draft.description,
        reporter_name=draft.reporter_name,
        reporter_contact=draft.reporter_contact,
        source=draft.source,
        external_ref=draft.external_ref,
        component=draft.component,
        affected_versions=draft.affected_versions,
        is_public=draft.is_public,
        phase=Phase.TRIAGE.value,
        opened_by=opened_by,
        reported_at=draft.reported_at or now,
        created_at=now,
        updated_at=now,
        **_score_fields(draft.cvss_vector),
    )
    try:
        with session.begin_nested():
            session.add(incident)
            session.flush()
    except IntegrityError:
        # A concurrent twin with the same intake key committed first: that one is ours.
        existing = session.scalar(select(Incident).where(Incident.intake_key == intake_key))
        if intake_key is None or existing is None:
            raise
        return existing, False
    add_event(
        session,
        incident.id,
        now,
        opened_by,
        "created",
        f"Opened from {draft.source}",
        {"source": draft.source, "public": draft.is_public},
    )
    if incident.cvss_vector:
        add_event(
            session,
            incident.id,
            now,
            opened_by,
            "scored",
            f"Initial vector {incident.cvss_vector} ({incident.cvss_score} {incident.severity})",
        )
    record(session, now, opened_by, "incident.open", incident.id, source=draft.source)
    # Numbered last: the year's sequence row stays locked only for the end of this
    # transaction, and a refused twin (above) never takes a number, so IDs stay gap-free.
    number = bump_sequence(session, now.year)
    incident.human_id = format_human_id(prefix, now.year, number)
    session.flush()
    return incident, True


def get_by_human_id(session: Session, human_id: str) -> Incident | None:
    return session.scalar(select(Incident).where(Incident.human_id == human_id))


def get_by_channel(session: Session, channel_id: str) -> Incident | None:
    return session.scalar(select(Incident).where(Incident.channel_id == channel_id))


def get(session: Session, incident_id: int) -> Incident | None:
    return session.get(Incident, incident_id)


def lock(session: Session, incident_id: int) -> Incident | None:
    """Load an incident and hold its row until commit (PostgreSQL; SQLite serialises anyway)."""
    return session.scalar(select(Incident).where(Incident.id == incident_id).with_for_update())


def unfinished_setups(session: Session) -> list[Incident]:
    """Open incidents whose Slack set-up, or the features that start after it, stopped
    part-way (a failure or a crash)."""
    query = (
        select(Incident)
        .where(Incident.phase != Phase.CLOSED.value)
        .where(
            (Incident.channel_id.is_(None))
            | (Incident.members_invited.is_(False))
            | (Incident.headline_ts.is_(None))
            | (Incident.headline_pinned.is_(False))
            | (Incident.topic_set.is_(False))
            | (Incident.triage_ts.is_(None))
            | (Incident.opener_told.is_(False))
            | (Incident.opened_hooks_done.is_(False))
        )
        .order_by(Incident.id)
    )
    return list(session.scalars(query))


# -- lifecycle --------------------------------------------------------------------------
# Every change below writes a timeline event and an audit row in the caller's transaction;
# the Slack side refreshes the headline and posts the thread reply after the commit.


class StepRefused(Exception):
    """A lifecycle step that may not happen now; `problems` say why, in plain words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


def _locked(session: Session, incident_id: int) -> Incident:
    incident = lock(session, incident_id)
    if incident is None:
        raise StepRefused([f"There is no incident {incident_id}."])
    return incident


def _phase_event(
    session: Session, incident: Incident, old: str, new: str, actor: str, now: datetime, why: str
) -> None:
    text = f"Phase {old} → {new}" + (f": {why}" if why else "")
    add_event(session, incident.id, now, actor, "phase_changed", text, {"from": old, "to": new})
    record(session, now, actor, "incident.phase", incident.id, old=old, new=new, why=why)


FIXED_VERSIONS_MAX = 500  # the column's size


def change_phase(
    session: Session,
    incident_id: int,
    target: Phase,
    *,
    actor: str,
    now: datetime,
    why: str = "",
    disclosure_planned_at: datetime | None = None,
    fixed_versions: str | None = None,
) -> Incident:
    """Move to `target` if the rules allow it, with whatever the step brings along."""
    incident = _locked(session, incident_id)
    if fixed_versions is not None and len(fixed_versions.strip()) > FIXED_VERSIONS_MAX:
        raise StepRefused(
            [
                f"The fixed versions are {len(fixed_versions.strip())} characters long; at most "
                f"{FIXED_VERSIONS_MAX} are allowed. Nothing was changed."
            ]
        )
    if disclosure_planned_at is not None:
        incident.disclosure_planned_at = disclosure_planned_at
    if fixed_versions is not None and fixed_versions.strip():
        from bot.advisory.store import record_fixed_versions

        incident.fixed_versions = fixed_versions.strip()
        incident.advisory_modified_at = now
        record_fixed_versions(session, incident)
    problems = check_transition(incident, target, now)
    if problems:
        raise StepRefused(problems)
    old = incident.phase
    incident.phase = target.value
    incident.updated_at = now
    if target == Phase.EMBARGO:
        incident.distributors_notified_at = now
        planned = incident.disclosure_planned_at
        assert planned is not None
        add_event(
            session,
            incident.id,
            now,
            actor,
            "distributors_notified",
            f"Distributors notified; public disclosure planned for {planned:%Y-%m-%d %H:%M} UTC",
            {"planned": planned.isoformat()},
        )
    elif target == Phase.RELEASED:
        incident.released_at = now
    elif target == Phase.DISCLOSED:
        incident.disclosed_at = now
    _phase_event(session, incident, old, target.value, actor, now, why)
    return incident


def close_incident(
    session: Session,
    incident_id: int,
    resolution_text: str,
    *,
    actor: str,
    now: datetime,
    why: str = "",
    duplicate_of: str | None = None,
) -> Incident:
    resolution = parse_resolution(resolution_text)
    if resolution is None:
        raise StepRefused(
            [f"`{resolution_text or '(none)'}` is not a resolution; use {USAGE_RESOLUTIONS}."]
        )
    incident = _locked(session, incident_id)
    duplicate_of = (duplicate_of or "").strip().upper() or None
    known = duplicate_of is not None and get_by_human_id(session, duplicate_of) is not None
    problems = check_close(incident, resolution, duplicate_of, known)
    if problems:
        raise StepRefused(problems)
    old = incident.phase
    incident.phase_before_close = old
    incident.phase = Phase.CLOSED.value
    incident.resolution = resolution.value
    incident.duplicate_of = duplicate_of if resolution == Resolution.DUPLICATE else None
    incident.closed_at = now
    incident.updated_at = now
    label = resolution.label + (f" of {duplicate_of}" if incident.duplicate_of else "")
    _phase_event(session, incident, old, Phase.CLOSED.value, actor, now, why or label)
    add_event(session, incident.id, now, actor, "closed", f"Closed: {label}", {"resolution": label})
    return incident


def reopen_incident(
    session: Session, incident_id: int, *, actor: str, now: datetime, why: str = ""
) -> Incident:
    incident = _locked(session, incident_id)
    problems = check_reopen(incident)
    if problems:
        raise StepRefused(problems)
    target = reopen_phase(incident)
    incident.phase = target.value
    incident.resolution = None
    incident.duplicate_of = None
    incident.closed_at = None
    incident.phase_before_close = None
    incident.updated_at = now
    _phase_event(session, incident, Phase.CLOSED.value, target.value, actor, now, why or "reopened")
    return incident


def record_update(
    session: Session,
    incident_id: int,
    text: str,
    *,
    actor: str,
    now: datetime,
    next_update_at: datetime | None = None,
) -> Incident:
    """A status update from the team; it resets the stale-update clock."""
    text = text.strip()
    if not text:
        raise StepRefused(["An update needs some text: `/disclose update <what changed>`."])
    incident = _locked(session, incident_id)
    incident.last_update_at = now
    incident.next_update_at = next_update_at
    incident.updated_at = now
    data = {"next_update_at": next_update_at.isoformat()} if next_update_at else {}
    add_event(session, incident.id, now, actor, "update", text, data)
    record(session, now, actor, "incident.update", incident.id, length=len(text))
    return incident


def mark_fix_ready(session: Session, incident_id: int, *, actor: str, now: datetime) -> Incident:
    incident = _locked(session, incident_id)
    if incident.phase != Phase.FIXING.value:
        raise StepRefused(
            [f"A fix is marked ready during fixing; {incident.human_id} is in {incident.phase}."]
        )
    if incident.fix_ready_at is not None:
        raise StepRefused([f"The fix of {incident.human_id} is already marked ready."])
    incident.fix_ready_at = now
    incident.updated_at = now
    add_event(session, incident.id, now, actor, "fix_ready", "Fix ready (merged privately)")
    record(session, now, actor, "incident.fix_ready", incident.id)
    return incident


def mark_public(
    session: Session, incident_id: int, *, actor: str, now: datetime, why: str = ""
) -> Incident:
    """The issue became public (a leak, a public report): there is no embargo left to keep,
    and the policy collapses the deadlines. There is no way back to private."""
    incident = _locked(session, incident_id)
    if incident.phase == Phase.CLOSED.value:
        raise StepRefused([f"{incident.human_id} is closed; reopen it first."])
    if incident.is_public:
        raise StepRefused([f"{incident.human_id} is already marked public."])
    incident.is_public = True
    incident.updated_at = now
    note = f"Marked public: {why}" if why else "Marked public"
    add_event(session, incident.id, now, actor, "made_public", note, {"why": why})
    record(session, now, actor, "incident.public", incident.id, why=why)
    return incident


ADVISORY_FIELDS = (
    "cve_id",
    "advisory_summary",
    "advisory_details",
    "affected_versions",
    "fixed_versions",
    "mitigation",
    "detection",
    "credits",
    "package_ecosystem",
    "package_name",
    "am_i_vulnerable",
    "upgrade_steps",
    "fix_impact",
    "tracking_issue_url",
    "cwe_ids",
)


PACKAGE_TEXT_FIELDS = {"affected_versions", "fixed_versions", "package_ecosystem", "package_name"}


def set_advisory_fields(
    session: Session, incident_id: int, values: dict[str, str], *, actor: str, now: datetime
) -> list[str]:
    """Store what the exports use; returns the names that changed. Validate values first."""
    incident = _locked(session, incident_id)
    changed = []
    for name in ADVISORY_FIELDS:
        if name not in values:
            continue
        value = values[name].strip()
        if name == "cwe_ids":
            from bot.advisory.model import clean_cwes

            cwes, _ = clean_cwes(value.replace(",", " ").split())
            if cwes != list(incident.cwe_ids or []):
                incident.cwe_ids = cwes
                changed.append(name)
            continue
        current = getattr(incident, name) or ""
        if value != current:
            setattr(incident, name, value or (None if name == "cve_id" else ""))
            changed.append(name)
    if changed:
        from bot.advisory.store import follow_text_fields

        incident.updated_at = now
        incident.advisory_modified_at = now
        if set(changed) & PACKAGE_TEXT_FIELDS:
            follow_text_fields(session, incident)
        add_event(
            session,
            incident.id,
            now,
            actor,
            "advisory_edited",
            "Advisory fields edited: " + ", ".join(changed),
            {"fields": changed},
        )
        record(session, now, actor, "incident.advisory", incident.id, fields=changed)
    return changed


# -- fix team ---------------------------------------------------------------------------


def fix_team(session: Session, incident_id: int, active_only: bool = True) -> list[FixTeamMember]:
    query = select(FixTeamMember).where(FixTeamMember.incident_id == incident_id)
    if active_only:
        query = query.where(FixTeamMember.released_at.is_(None))
    return list(session.scalars(query.order_by(FixTeamMember.id)))


def add_fix_team_member(
    session: Session, incident_id: int, user_id: str, *, actor: str, now: datetime
) -> tuple[FixTeamMember, bool]:
    """Returns (member, newly added); adding someone already on the team changes nothing."""
    incident = _locked(session, incident_id)
    member = session.scalar(
        select(FixTeamMember)
        .where(FixTeamMember.incident_id == incident.id)
        .where(FixTeamMember.user_id == user_id)
    )
    if member is not None and member.active:
        return member, False
    if member is None:
        member = FixTeamMember(
            incident_id=incident.id, user_id=user_id, added_by=actor, added_at=now
        )
        session.add(member)
    else:
        member.added_by, member.added_at, member.released_at = actor, now, None
    session.flush()
    add_event(
        session, incident.id, now, actor, "fix_team_added", f"<@{user_id}> joined the fix team"
    )
    record(session, now, actor, "incident.fix_team_add", incident.id, user=user_id)
    return member, True


def release_fix_team_member(
    session: Session, incident_id: int, user_id: str, *, actor: str, now: datetime
) -> bool:
    member = session.scalar(
        select(FixTeamMember)
        .where(FixTeamMember.incident_id == incident_id)
        .where(FixTeamMember.user_id == user_id)
        .where(FixTeamMember.released_at.is_(None))
    )
    if member is None:
        return False
    member.released_at = now
    add_event(session, incident_id, now, actor, "fix_team_released", f"<@{user_id}> released")
    record(session, now, actor, "incident.fix_team_release", incident_id, user=user_id)
    return True


# -- messages the team adds to the timeline -----------------------------------------------


def capture_message(
    session: Session,
    incident_id: int,
    *,
    channel: str,
    ts: str,
    author: str,
    text: str,
    actor: str,
    now: datetime,
    how: str,
) -> tuple[TimelineEvent, bool]:
    """A Slack message as a timeline row at its original time; once per message."""
    existing = captured(session, channel, ts)
    if existing is not None:
        return existing, False
    posted = datetime.fromtimestamp(float(ts), tz=UTC)
    savepoint = session.begin_nested()
    try:
        event = add_event(
            session, incident_id, posted, author, "message", text, {"added_by": actor, "via": how}
        )
        event.source_channel, event.source_ts, event.source_author = channel, ts, author
        session.flush()
    except IntegrityError:
        # The reaction and the shortcut raced; the other one stored it.
        savepoint.rollback()
        found = captured(session, channel, ts)
        assert found is not None
        return found, False
    savepoint.commit()
    record(session, now, actor, "timeline.capture", incident_id, channel=channel, ts=ts, via=how)
    return event, True


def captured(session: Session, channel: str, ts: str) -> TimelineEvent | None:
    return session.scalar(
        select(TimelineEvent)
        .where(TimelineEvent.source_channel == channel)
        .where(TimelineEvent.source_ts == ts)
    )


def captured_edited(session: Session, channel: str, ts: str, text: str, now: datetime) -> bool:
    event = captured(session, channel, ts)
    if event is None or event.text == text:
        return False
    event.data = {
        **(event.data or {}),
        "original_text": event.data.get("original_text", event.text),
    }
    event.text = text
    event.source_edited_at = now
    record(session, now, event.source_author or "?", "timeline.capture_edited", event.incident_id)
    return True


def captured_deleted(session: Session, channel: str, ts: str, now: datetime) -> bool:
    event = captured(session, channel, ts)
    if event is None or event.source_deleted_at is not None:
        return False
    event.source_deleted_at = now
    record(session, now, event.source_author or "?", "timeline.capture_deleted", event.incident_id)
    return True


def by_triage_thread(session: Session, thread_ts: str) -> Incident | None:
    return session.scalar(select(Incident).where(Incident.triage_ts == thread_ts))


def open_incidents(session: Session) -> list[Incident]:
    query = select(Incident).where(Incident.phase != Phase.CLOSED.value).order_by(Incident.id)
    return list(session.scalars(query))
