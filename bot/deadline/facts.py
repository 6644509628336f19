"""What the planner needs to know about an incident: its phase, severity and dates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime

PHASES = ("triage", "fixing", "embargo", "released", "disclosed", "closed")


@dataclass(frozen=True)
class IncidentFacts:
    """A snapshot of one incident. Every datetime is aware; `None` means "not yet".

    `disclosure_planned_at` is the agreed public disclosure date; `exploited` marks a
    vulnerability known to be exploited in the wild (policies may shorten deadlines).
    `rescheduled` maps deadline kinds to due times a person set by hand; they win over
    the policy's. (Move the public disclosure through `disclosure_planned_at` instead,
    so the distributor notices move with it.)
    """

    reported_at: datetime
    phase: str = "triage"
    severity: str | None = None
    is_public: bool = False
    exploited: bool = False
    acknowledged_at: datetime | None = None
    lead_accepted_at: datetime | None = None
    scored_at: datetime | None = None
    fix_ready_at: datetime | None = None
    disclosure_planned_at: datetime | None = None
    distributors_notified_at: datetime | None = None
    final_notice_at: datetime | None = None
    released_at: datetime | None = None
    disclosed_at: datetime | None = None
    retrospective_done_at: datetime | None = None
    last_update_at: datetime | None = None
    reporter_contacted_at: datetime | None = None  # the team's last message to the reporter
    cve_assigned_at: datetime | None = None
    closed: bool = False
    rescheduled: Mapping[str, datetime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.phase not in PHASES:
            raise ValueError(f"unknown phase {self.phase!r}; allowed: {', '.join(PHASES)}")
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, datetime) and value.utcoffset() is None:
                raise ValueError(f"{item.name} must be an aware datetime, not {value!r}")
        for kind, due in self.rescheduled.items():
            if due.utcoffset() is None:
                raise ValueError(f"rescheduled[{kind!r}] must be an aware datetime, not {due!r}")

    @property
    def is_closed(self) -> bool:
        return self.closed or self.phase == "closed"

    def reached(self, phase: str) -> bool:
        """Whether the incident is in `phase` or a later one."""
        return PHASES.index(self.phase) >= PHASES.index(phase)
