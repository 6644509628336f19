"""A planned deadline: what is due, by whom, when, and whether it was met."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class DeadlineKind(enum.StrEnum):
    """Stable keys: storage and buttons refer to deadlines by these."""

    ACKNOWLEDGE = "acknowledge"
    LEAD_ASSIGNED = "lead_assigned"
    SCORE_AND_PLAN = "score_and_plan"
    FIX_READY = "fix_ready"
    DISTRIBUTOR_NOTICE = "distributor_notice"
    FINAL_NOTICE = "final_notice"
    FIX_RELEASED = "fix_released"
    PUBLIC_DISCLOSURE = "public_disclosure"
    RETROSPECTIVE = "retrospective"
    STALE_UPDATE = "stale_update"
    REPORTER_UPDATE = "reporter_update"
    CVE_ASSIGNED = "cve_assigned"


class Owner(enum.StrEnum):
    """The role that owes the step; the caller maps it to a person."""

    FIX_LEAD = "fix_lead"
    COMMANDER = "commander"
    TEAM = "team"


class Status(enum.StrEnum):
    OPEN = "open"
    MET_ON_TIME = "met_on_time"
    MET_LATE = "met_late"


LABELS: dict[DeadlineKind, str] = {
    DeadlineKind.ACKNOWLEDGE: "Acknowledge the reporter",
    DeadlineKind.LEAD_ASSIGNED: "Fix lead and fix team assembled",
    DeadlineKind.SCORE_AND_PLAN: "CVSS score and fix plan",
    DeadlineKind.FIX_READY: "Fix ready (merged privately)",
    DeadlineKind.DISTRIBUTOR_NOTICE: "Notify private distributors",
    DeadlineKind.FINAL_NOTICE: "Final notice to distributors",
    DeadlineKind.FIX_RELEASED: "Release the fixed versions",
    DeadlineKind.PUBLIC_DISCLOSURE: "Publish the advisory",
    DeadlineKind.RETROSPECTIVE: "Retrospective",
    DeadlineKind.STALE_UPDATE: "Post a status update",
    DeadlineKind.REPORTER_UPDATE: "Write to the reporter",
    DeadlineKind.CVE_ASSIGNED: "Reserve a CVE ID",
}

OWNERS: dict[DeadlineKind, Owner] = {
    DeadlineKind.ACKNOWLEDGE: Owner.COMMANDER,
    DeadlineKind.LEAD_ASSIGNED: Owner.TEAM,
    DeadlineKind.SCORE_AND_PLAN: Owner.FIX_LEAD,
    DeadlineKind.FIX_READY: Owner.FIX_LEAD,
    DeadlineKind.DISTRIBUTOR_NOTICE: Owner.FIX_LEAD,
    DeadlineKind.FINAL_NOTICE: Owner.FIX_LEAD,
    DeadlineKind.FIX_RELEASED: Owner.FIX_LEAD,
    DeadlineKind.PUBLIC_DISCLOSURE: Owner.FIX_LEAD,
    DeadlineKind.RETROSPECTIVE: Owner.FIX_LEAD,
    DeadlineKind.STALE_UPDATE: Owner.COMMANDER,
    DeadlineKind.REPORTER_UPDATE: Owner.FIX_LEAD,  # the lead manages the communication
    DeadlineKind.CVE_ASSIGNED: Owner.FIX_LEAD,
}


@dataclass(frozen=True)
class Deadline:
    """One step's deadline.

    `critical` nudges ignore quiet hours. `opens_at` is when the step's clock started or
    its window opened (e.g. distributor notice no earlier than four weeks ahead): no
    reminder goes out before it.
    """

    kind: DeadlineKind
    label: str
    due_at: datetime
    owner: Owner
    critical: bool
    status: Status = Status.OPEN
    met_at: datetime | None = None
    opens_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status is Status.OPEN

    @property
    def lateness(self) -> timedelta | None:
        """How late the step was met; `None` while open or when met on time."""
        if self.status is Status.MET_LATE and self.met_at is not None:
            return self.met_at - self.due_at
        return None
