"""The retrospective draft on its own: phases, deadlines met and missed, who did what."""

from __future__ import annotations

from datetime import timedelta

from bot.exports.context import ExportContext
from bot.exports.files import export_files
from bot.exports.retrospective import retrospective_markdown
from bot.timeline.models import TimelineEvent
from tests.vocabulary import EXPORT_NOW, unsaved_incident

START = EXPORT_NOW - timedelta(days=3)


def event(hours: float, actor: str, kind: str, text: str, **data: object) -> TimelineEvent:
    return TimelineEvent(
        at=START + timedelta(hours=hours), actor=actor, kind=kind, text=text, data=data
    )


def released_context() -> ExportContext:
    case = unsaved_incident(
        created_at=START,
        reported_at=START,
        released_at=START + timedelta(hours=50),
        phase="released",
        lead_id="U0BOB",
        cve_id="CVE-2026-10000",
        severity="High",
        cvss_score=7.5,
        cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
    )
    events = [
        event(0, "email", "received", "Report received by email from rita@example.org"),
        event(2, "U0BOB", "lead_accepted", "<@U0BOB> accepted the fix lead"),
        event(2.5, "U0BOB", "phase_changed", "triage → fixing", to="fixing"),
        event(3, "bot", "deadline_met", "Acknowledge the reporter: met on time"),
        event(5, "U0ALICE", "update", "Patch in review"),
        event(6, "U0ALICE", "update", "Patch merged"),
        event(30, "bot", "deadline_missed", "CVSS score and fix plan: missed"),
        event(40, "U0BOB", "cve_reserved", "CVE-2026-10000 reserved"),
        event(50, "U0BOB", "phase_changed", "fixing → released", to="released"),
    ]
    return ExportContext(
        case, events, EXPORT_NOW, ["U0CAROL"], {"U0BOB": "Bob", "U0ALICE": "Alice"}
    )


def test_the_draft_tells_phases_deadlines_and_people() -> None:
    text = retrospective_markdown(released_context())
    assert text.startswith("# SEC-2026-0007 retrospective (draft): Heap overflow")
    start = START + timedelta(hours=50, days=1)
    assert f"Hold it between {start:%Y-%m-%d}" in text
    assert "| triage | " in text and "| 2h 30m |" in text
    assert "| fixing | " in text and "| 1d 23h 30m |" in text
    assert "- Met: 1; missed: 1" in text
    assert "  - missed: CVSS score and fix plan: missed" in text
    assert "- Alice: status updates (2)" in text
    assert "- Bob: took the fix lead, phase changes (2), CVE IDs reserved" in text
    assert "- Fix team: U0CAROL" in text
    assert "- Report to released: 2d 2h" in text
    assert "fix lead: @Bob accepted the fix lead" in text


def test_the_export_carries_the_draft_only_after_release() -> None:
    released = released_context()
    assert [name for name, _ in export_files(released)][-1] == "retrospective.md"
    before = ExportContext(unsaved_incident(), [], EXPORT_NOW)
    assert "retrospective.md" not in [name for name, _ in export_files(before)]
