"""The incident record and the per-year sequence behind its human ID."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.database import Base, UTCDateTime


class Phase(enum.StrEnum):
    TRIAGE = "triage"
    FIXING = "fixing"
    EMBARGO = "embargo"
    RELEASED = "released"
    DISCLOSED = "disclosed"
    CLOSED = "closed"


class Source(enum.StrEnum):
    EMAIL = "email"
    HACKERONE = "hackerone"
    GITHUB = "github"
    INTERNAL = "internal"
    OTHER = "other"

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self]


SOURCE_LABELS = {
    Source.EMAIL: "Email",
    Source.HACKERONE: "HackerOne",
    Source.GITHUB: "GitHub",
    Source.INTERNAL: "Internal",
    Source.OTHER: "Other",
}

TITLE_MAX = 150
DESCRIPTION_MAX = 3000


class Incident(Base):
    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Set at the very end of the opening transaction (see service.open_incident), so the
    # column allows NULL; no committed row ever has one.
    human_id: Mapped[str] = mapped_column(String(32), unique=True, nullable=True)
    # Idempotency key of whatever opened it (a modal's view id, an intake delivery id):
    # a second submission of the same thing finds this row instead of making another.
    intake_key: Mapped[str | None] = mapped_column(String(200), unique=True)

    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    reporter_name: Mapped[str] = mapped_column(String(200), default="")
    reporter_contact: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(20), default=Source.OTHER.value)
    external_ref: Mapped[str] = mapped_column(String(500), default="")
    component: Mapped[str] = mapped_column(String(200), default="")
    affected_versions: Mapped[str] = mapped_column(String(500), default="")
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)

    phase: Mapped[str] = mapped_column(String(20), default=Phase.TRIAGE.value, index=True)
    resolution: Mapped[str | None] = mapped_column(String(40))
    cvss_vector: Mapped[str | None] = mapped_column(String(300))
    cvss_score: Mapped[float | None] = mapped_column(Float)
    severity: Mapped[str | None] = mapped_column(String(10))

    opened_by: Mapped[str] = mapped_column(String(40))
    commander_id: Mapped[str | None] = mapped_column(String(40))
    lead_id: Mapped[str | None] = mapped_column(String(40), index=True)

    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Lifecycle: when each milestone happened, and what the advisory and exports use.
    next_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fix_ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disclosure_planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    distributors_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disclosed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    phase_before_close: Mapped[str | None] = mapped_column(String(20))
    duplicate_of: Mapped[str | None] = mapped_column(String(32))
    cve_id: Mapped[str | None] = mapped_column(String(32))
    advisory_summary: Mapped[str] = mapped_column(Text, default="")
    advisory_details: Mapped[str] = mapped_column(Text, default="")
    fixed_versions: Mapped[str] = mapped_column(String(500), default="")
    mitigation: Mapped[str] = mapped_column(Text, default="")
    detection: Mapped[str] = mapped_column(Text, default="")
    credits: Mapped[str] = mapped_column(Text, default="")
    package_ecosystem: Mapped[str] = mapped_column(String(40), default="")
    package_name: Mapped[str] = mapped_column(String(200), default="")
    # Advisory data beyond the free text (affected packages and credits are rows of their
    # own, in bot.advisory.records). One GHSA opens one incident: the ID is unique.
    ghsa_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    cwe_ids: Mapped[list[str] | None] = mapped_column(JSON)
    # Every CVSS vector a report brought ({"vector": ..., "source": ...}), 3.x and 4.0.
    reported_vectors: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    # What the packages' free text said that could not be read into ranges: never lost.
    advisory_note: Mapped[str] = mapped_column(Text, default="")
    # The last change to a field an export carries (OSV `modified`).
    advisory_modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    github_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "note" or "alarm" while the thread has not been told of GitHub's publication yet
    # (with the embargo alarm to the lead and commander, "alarm;U1" once U1 has it);
    # None once everyone has been told.
    github_publication_note: Mapped[str | None] = mapped_column(String(200))
    # What GitHub changed that the thread has not been told yet (labels, ", "-separated).
    github_changes_owed: Mapped[str | None] = mapped_column(Text)
    # Sections of the announcement that only a person can write (TODO until they do).
    am_i_vulnerable: Mapped[str] = mapped_column(Text, default="")
    upgrade_steps: Mapped[str] = mapped_column(Text, default="")  # steps after upgrading
    fix_impact: Mapped[str] = mapped_column(Text, default="")
    tracking_issue_url: Mapped[str] = mapped_column(String(500), default="")

    # Progress of the Slack set-up, step by step, so a retry finishes only what is left.
    channel_name: Mapped[str | None] = mapped_column(String(80))
    channel_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    members_invited: Mapped[bool] = mapped_column(Boolean, default=False)
    headline_ts: Mapped[str | None] = mapped_column(String(40))
    headline_pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    topic_set: Mapped[bool] = mapped_column(Boolean, default=False)
    triage_ts: Mapped[str | None] = mapped_column(String(40))
    opener_told: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set once every incident_opened hook (commander, first lead offer) has run.
    opened_hooks_done: Mapped[bool] = mapped_column(Boolean, default=False)
    setup_error: Mapped[str | None] = mapped_column(Text)
    # Whoever runs the set-up holds it until this time, so two runs never race.
    setup_lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def setup_complete(self) -> bool:
        return bool(
            self.channel_id
            and self.members_invited
            and self.headline_ts
            and self.headline_pinned
            and self.topic_set
            and self.triage_ts
        )

    @property
    def is_open(self) -> bool:
        return self.phase != Phase.CLOSED.value


class IdSequence(Base):
    """Last sequence number handed out per year; one row per year, bumped atomically."""

    __tablename__ = "id_sequence"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class FixTeamMember(Base):
    """An engineer pulled into an incident's channel to work on the fix."""

    __tablename__ = "fix_team_member"
    __table_args__ = (UniqueConstraint("incident_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    user_id: Mapped[str] = mapped_column(String(40))
    added_by: Mapped[str] = mapped_column(String(40))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def active(self) -> bool:
        return self.released_at is None
