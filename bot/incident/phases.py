"""The process rules of an incident: which phase may follow which, and what each needs.

Pure functions over an incident's fields. Each check returns the list of what is
missing, in plain words; an empty list means the step may go ahead.
"""

from __future__ import annotations

import enum
from datetime import datetime

from bot.incident.models import Incident, Phase

FORWARD = (Phase.TRIAGE, Phase.FIXING, Phase.EMBARGO, Phase.RELEASED, Phase.DISCLOSED)


class Resolution(enum.StrEnum):
    FIXED = "fixed"
    NOT_A_VULNERABILITY = "not_a_vulnerability"
    DUPLICATE = "duplicate"
    OUT_OF_SCOPE = "out_of_scope"
    WONT_FIX = "wont_fix"

    @property
    def label(self) -> str:
        return RESOLUTION_LABELS[self]


RESOLUTION_LABELS = {
    Resolution.FIXED: "Fixed",
    Resolution.NOT_A_VULNERABILITY: "Not a vulnerability",
    Resolution.DUPLICATE: "Duplicate",
    Resolution.OUT_OF_SCOPE: "Out of scope",
    Resolution.WONT_FIX: "Won't fix",
}
# What people type for each resolution, after lowercasing and dropping spaces, - and _.
RESOLUTION_WORDS = {
    "fixed": Resolution.FIXED,
    "notavulnerability": Resolution.NOT_A_VULNERABILITY,
    "notvulnerability": Resolution.NOT_A_VULNERABILITY,
    "notavuln": Resolution.NOT_A_VULNERABILITY,
    "invalid": Resolution.NOT_A_VULNERABILITY,
    "duplicate": Resolution.DUPLICATE,
    "dup": Resolution.DUPLICATE,
    "outofscope": Resolution.OUT_OF_SCOPE,
    "wontfix": Resolution.WONT_FIX,
    "won'tfix": Resolution.WONT_FIX,
}
USAGE_RESOLUTIONS = "fixed, not-a-vulnerability, duplicate <ID>, out-of-scope, wont-fix"


def _squash(text: str) -> str:
    return "".join(ch for ch in text.lower().replace("’", "'") if ch not in " -_")


def parse_phase(text: str) -> Phase | None:
    try:
        return Phase(text.strip().lower())
    except ValueError:
        return None


def parse_resolution(text: str) -> Resolution | None:
    return RESOLUTION_WORDS.get(_squash(text))


def phase_list() -> str:
    return " → ".join(phase.value for phase in (*FORWARD, Phase.CLOSED))


def next_phases(incident: Incident) -> list[Phase]:
    """Where a phase change may go from here (closing has its own step)."""
    if incident.phase == Phase.CLOSED.value:
        return []
    index = FORWARD.index(Phase(incident.phase))
    following = list(FORWARD[index + 1 : index + 2])
    # An issue that is already public has nothing to embargo.
    if incident.is_public and incident.phase == Phase.FIXING.value:
        following.append(Phase.RELEASED)
    return following


def check_transition(incident: Incident, target: Phase, now: datetime) -> list[str]:
    """What stops `incident` from moving to `target` now; empty when nothing does."""
    current = incident.phase
    if current == target.value:
        return [f"{incident.human_id} is already in {target.value}."]
    if current == Phase.CLOSED.value:
        return [f"{incident.human_id} is closed; reopen it first with `/disclose reopen`."]
    if target == Phase.CLOSED:
        return [
            f"Closing needs a resolution: `/disclose close <resolution>` ({USAGE_RESOLUTIONS})."
        ]
    allowed = next_phases(incident)
    if target not in allowed:
        names = " or ".join(phase.value for phase in allowed)
        return [
            f"{incident.human_id} is in {current}; from there the next phase is {names} "
            f"(phases go {phase_list()})."
        ]
    return _requirements(incident, target, now)


def _requirements(incident: Incident, target: Phase, now: datetime) -> list[str]:
    missing: list[str] = []
    if target == Phase.FIXING and not incident.lead_id:
        missing.append("a fix lead: someone has to accept the fix-lead role first")
    if target == Phase.EMBARGO:
        if incident.disclosure_planned_at is None:
            missing.append(
                "a planned public disclosure date (the Notify distributors form asks for it)"
            )
        elif incident.disclosure_planned_at <= now:
            missing.append("a planned public disclosure date in the future")
    if target == Phase.RELEASED and not incident.fixed_versions.strip():
        missing.append("the fixed versions (the Released form or `/disclose advisory` sets them)")
    if not missing:
        return []
    return [f"{incident.human_id} cannot move to {target.value} yet. It needs " + _and(missing)]


def check_close(
    incident: Incident, resolution: Resolution, duplicate_of: str | None, duplicate_known: bool
) -> list[str]:
    """What stops closing with this resolution; `duplicate_known` says the other ID exists."""
    if incident.phase == Phase.CLOSED.value:
        return [f"{incident.human_id} is already closed."]
    problems: list[str] = []
    if resolution == Resolution.FIXED and incident.phase not in (
        Phase.RELEASED.value,
        Phase.DISCLOSED.value,
    ):
        problems.append(
            f"Closing as fixed needs a released fix; {incident.human_id} is in {incident.phase}. "
            "Close it with another resolution, or move it to released first."
        )
    if resolution == Resolution.DUPLICATE:
        if not duplicate_of:
            problems.append("A duplicate needs the ID of the incident it duplicates.")
        elif duplicate_of == incident.human_id:
            problems.append("An incident cannot be a duplicate of itself.")
        elif not duplicate_known:
            problems.append(f"There is no incident {duplicate_of}.")
    return problems


def check_reopen(incident: Incident) -> list[str]:
    if incident.phase != Phase.CLOSED.value:
        return [f"{incident.human_id} is open (in {incident.phase}); only a closed one reopens."]
    return []


def reopen_phase(incident: Incident) -> Phase:
    """A reopened incident goes back to where it was closed from (triage if unknown)."""
    try:
        return Phase(incident.phase_before_close or Phase.TRIAGE.value)
    except ValueError:
        return Phase.TRIAGE


def _and(items: list[str]) -> str:
    if len(items) == 1:
        return items[0] + "."
    return "; ".join(items[:-1]) + "; and " + items[-1] + "."
