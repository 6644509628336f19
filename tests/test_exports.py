"""The export builders on their own: OSV validity for every shape of input, TODO markers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.exports.advisory import advisory_markdown
from bot.exports.context import ExportContext
from bot.exports.osv import osv_record
from bot.exports.timeline import duration, timeline_markdown
from bot.exports.versions import range_events
from bot.incident.models import Incident
from bot.timeline.models import TimelineEvent
from tests.vocabulary import osv_validator

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def incident(**fields: object) -> Incident:
    values: dict[str, object] = dict(
        human_id="SEC-2026-0007",
        title="Heap overflow",
        description="",
        reporter_name="",
        reporter_contact="",
        source="email",
        external_ref="",
        component="",
        affected_versions="",
        fixed_versions="",
        phase="triage",
        cve_id=None,
        advisory_summary="",
        advisory_details="",
        mitigation="",
        detection="",
        credits="",
        package_ecosystem="",
        package_name="",
        cvss_vector=None,
        cvss_score=None,
        severity=None,
        lead_id=None,
        opened_by="U0ALICE",
        created_at=NOW - timedelta(days=3),
        disclosed_at=None,
        disclosure_planned_at=None,
    )
    values.update(fields)
    return Incident(**values)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"cvss_vector": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
        {"cvss_vector": "CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", "cve_id": "CVE-2026-1"},
        {"affected_versions": "all of them", "fixed_versions": "soon"},
        {
            "affected_versions": "r12, r13",
            "fixed_versions": "r14",
            "package_ecosystem": "Maven",
            "package_name": "org.example:lib",
        },
        {"affected_versions": "<= 2.4.1"},
        {"external_ref": "GHSA-abcd-2345-wxyz", "reporter_name": "Rita", "credits": "Ann\nBo"},
        {"external_ref": "https://hackerone.com/reports/1", "disclosed_at": NOW},
    ],
)
def test_every_osv_record_validates(fields: dict[str, object]) -> None:
    record = osv_record(ExportContext(incident(**fields), [], NOW))
    osv_validator().validate(record)
    json.dumps(record)


def test_osv_ranges_and_severity_types() -> None:
    v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    record = osv_record(
        ExportContext(
            incident(
                cvss_vector=v4,
                affected_versions="1.2",
                fixed_versions="1.3",
                package_ecosystem="Maven",
                package_name="org.example:lib",
            ),
            [],
            NOW,
        )
    )
    assert record["severity"] == [{"type": "CVSS_V4", "score": v4}]
    ranges = record["affected"][0]["ranges"]
    assert ranges == [{"type": "ECOSYSTEM", "events": [{"introduced": "1.2"}, {"fixed": "1.3"}]}]
    assert record["id"] == "x_SEC-2026-0007"


def test_version_text_becomes_branch_ranges() -> None:
    assert range_events(">= 2.0.0, < 2.4.2", "2.4.2") == [
        {"introduced": "2.0.0"},
        {"fixed": "2.4.2"},
    ]
    assert range_events("1.27.0 - 1.27.9, 1.28.0-1.28.3", "1.27.10, 1.28.4") == [
        {"introduced": "1.27.0"},
        {"fixed": "1.27.10"},
        {"introduced": "1.28.0"},
        {"fixed": "1.28.4"},
    ]
    assert range_events("<= 2.4.1", "") == [{"introduced": "0"}, {"last_affected": "2.4.1"}]


def test_an_empty_advisory_marks_every_missing_field_todo() -> None:
    text = advisory_markdown(ExportContext(incident(), [], NOW))
    for field in (
        "CVE ID",
        "score the issue",
        "the affected versions",
        "what users can do before they can upgrade",
        "the versions that contain the fix",
        "how users can tell whether they were exploited",
        "further details",
        "who reported",
        "who fixed",
    ):
        assert f"TODO: {field}" in text, field


def test_timeline_groups_by_utc_day_with_phase_durations() -> None:
    start = NOW - timedelta(days=3)
    events = [
        TimelineEvent(at=start, actor="U0ALICE", kind="created", text="opened", data={}),
        TimelineEvent(
            at=start + timedelta(hours=26),
            actor="U0BOB",
            kind="phase_changed",
            text="Phase triage → fixing",
            data={"from": "triage", "to": "fixing"},
        ),
        TimelineEvent(
            at=start + timedelta(hours=27),
            actor="bot",
            kind="deadline_missed",
            text="Fix lead within 24 hours",
            data={},
        ),
    ]
    text = timeline_markdown(ExportContext(incident(), events, NOW, names={"U0BOB": "Bob"}))
    assert "| triage | 2026-03-07 12:00 | 1d 2h |" in text
    assert "| fixing | 2026-03-08 14:00 | 1d 22h so far |" in text
    assert "missed: Fix lead within 24 hours" in text
    assert "### 2026-03-07 (Saturday)" in text and "### 2026-03-08 (Sunday)" in text
    assert "Bob · phase_changed" in text
    assert duration(timedelta(minutes=5)) == "5m"
