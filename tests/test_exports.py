"""The export builders on their own: OSV validity for every shape of input, TODO markers."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.advisory.ecosystems import OSV_ECOSYSTEMS
from bot.advisory.model import AffectedPackage, Credit
from bot.exports.advisory import advisory_markdown, tracking_issue_markdown
from bot.exports.context import ExportContext
from bot.exports.osv import osv_record
from bot.exports.timeline import duration, timeline_markdown
from bot.timeline.models import TimelineEvent
from tests.osv_lint import range_problems
from tests.vocabulary import EXPORT_NOW, osv_validator, unsaved_incident


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
        {"external_ref": "https://hackerone.com/reports/1", "disclosed_at": EXPORT_NOW},
    ],
)
def test_every_osv_record_validates(fields: dict[str, object]) -> None:
    record = osv_record(ExportContext(unsaved_incident(**fields), [], EXPORT_NOW))
    osv_validator().validate(record)
    assert range_problems(record) == []
    json.dumps(record)


def test_osv_ranges_and_severity_types() -> None:
    v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    record = osv_record(
        ExportContext(
            unsaved_incident(
                cvss_vector=v4,
                affected_versions="1.2",
                fixed_versions="1.3",
                package_ecosystem="Maven",
                package_name="org.example:lib",
            ),
            [],
            EXPORT_NOW,
        )
    )
    assert record["severity"] == [{"type": "CVSS_V4", "score": v4}]
    # "1.2" names one version: it is listed, never stretched into a range up to the fix.
    (entry,) = record["affected"]
    assert entry["versions"] == ["1.2"]
    assert entry["ranges"] == [
        {"type": "ECOSYSTEM", "events": [{"introduced": "1.2"}, {"last_affected": "1.2"}]}
    ]
    assert entry["package"] == {
        "ecosystem": "Maven",
        "name": "org.example:lib",
        "purl": "pkg:maven/org.example/lib",
    }
    assert record["id"] == "x_SEC-2026-0007"


def test_free_text_of_older_incidents_reads_as_exact_ranges() -> None:
    def events(affected: str, fixed: str = "", ecosystem: str = "PyPI") -> object:
        ctx = ExportContext(
            unsaved_incident(
                affected_versions=affected,
                fixed_versions=fixed,
                package_ecosystem=ecosystem,
                package_name="pkg",
            ),
            [],
            EXPORT_NOW,
        )
        return [r["events"] for r in osv_record(ctx)["affected"][0].get("ranges", [])]

    assert events(">= 2.0.0, < 2.4.2", "2.4.2") == [[{"introduced": "2.0.0"}, {"fixed": "2.4.2"}]]
    # An open range closed by the one fix recorded for it.
    assert events(">= 2.0.0", "2.4.2") == [[{"introduced": "2.0.0"}, {"fixed": "2.4.2"}]]
    assert events("<= 2.4.1") == [[{"introduced": "0"}, {"last_affected": "2.4.1"}]]
    assert events("< 3.0") == [[{"introduced": "0"}, {"fixed": "3.0"}]]
    assert events(">= 1.27.0, < 1.27.10; >= 1.28.0, < 1.28.4", "", "Go") == [
        [{"introduced": "1.27.0"}, {"fixed": "1.27.10"}],
        [{"introduced": "1.28.0"}, {"fixed": "1.28.4"}],
    ]


TEMPLATES = Path(__file__).parent / "data"
V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
V4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N"


def template_headings(name: str) -> list[str]:
    text = (TEMPLATES / name).read_text()
    return [line.strip() for line in text.splitlines() if line.startswith("#")]


def in_order(text: str, parts: list[str]) -> bool:
    at = 0
    for part in parts:
        found = text.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    return True


def full_context(**fields: object) -> ExportContext:
    values: dict[str, object] = dict(
        cve_id="CVE-2026-4242",
        advisory_summary="an attacker may be able to crash the parser",
        cvss_vector=V3,
        cvss_score=7.5,
        severity="High",
        reported_vectors=[{"vector": V3, "source": "github"}, {"vector": V4, "source": "github"}],
        cwe_ids=["CWE-787", "CWE-674"],
        ghsa_id="GHSA-4x9r-hqv2-m7pc",
        lead_id="U0BOB",
        source="github",
        external_ref="https://github.com/octo-org/yaml-kit/security/advisories/GHSA-4x9r-hqv2-m7pc",
        disclosed_at=EXPORT_NOW,
        credits="Rel Manager <rel@example.org> (release manager)",
    )
    values.update(fields)
    packages = [
        AffectedPackage(
            "PyPI",
            "yaml-kit",
            ranges=[[{"introduced": "2.0.0"}, {"fixed": "2.4.1"}]],
            fixed=["2.4.1"],
            fix_links=["https://github.com/octo-org/yaml-kit/commit/5f0e0c1"],
        ),
        AffectedPackage(
            "npm", "yaml-kit-js", ranges=[[{"introduced": "0"}, {"last_affected": "1.2.3"}]]
        ),
    ]
    credits = [
        Credit("rita-researcher", "REPORTER", "https://github.com/rita-researcher", "accepted"),
        Credit("pat-pending", "FINDER", "https://github.com/pat-pending", "pending"),
        Credit("dan-declined", "ANALYST", "https://github.com/dan-declined", "declined"),
        Credit("rev-viewer", "REMEDIATION_REVIEWER", "", "accepted"),
    ]
    events = [TimelineEvent(at=EXPORT_NOW - timedelta(days=1), actor="bot", kind="scored", text="")]
    return ExportContext(
        unsaved_incident(**values),
        events,
        EXPORT_NOW + timedelta(days=5),
        fix_team=["U0FIX"],
        names={"U0BOB": "Bob Okafor", "U0FIX": "Fay Fixer"},
        packages=packages,
        credits=credits,
    )


def test_advisory_md_follows_the_kubernetes_announcement_section_by_section() -> None:
    text = advisory_markdown(full_context())
    headings = template_headings("k8s-vulnerability-announcement-email.md")
    assert headings[0] == "### Am I vulnerable?" and len(headings) == 7
    assert in_order(text, headings), headings
    first = text.splitlines()[0]
    assert first == (
        "Subject: [Security Advisory] CVE-2026-4242: an attacker may be able to crash the parser"
    )
    assert "A security issue was discovered in yaml-kit, yaml-kit-js:" in text
    assert f"rated **High** ([{V3}](https://www.first.org/cvss/calculator/3.1#{V3}))" in text
    assert "assigned **CVE-2026-4242**" in text
    # Am I vulnerable? stays a TODO until someone writes it: never a generic sentence.
    section = text.split("### Am I vulnerable?")[1].split("####")[0].strip()
    assert section.startswith("TODO: how to tell whether a deployment is affected")
    affected = text.split("#### Affected Versions")[1].split("###")[0].split("\n")
    assert "- yaml-kit (PyPI) >= 2.0.0, < 2.4.1" in affected
    assert "- yaml-kit-js (npm) <= 1.2.3" in affected
    assert (
        "- yaml-kit (PyPI) 2.4.1 - fixed by https://github.com/octo-org/yaml-kit/commit/5f0e0c1"
        in text
    )
    assert "**Fix impact:** TODO: side effects of the fix" in text
    assert "See the tracking issue for more details: TODO: the link" in text
    assert "This vulnerability was reported by rita-researcher." in text
    assert "fixed by rev-viewer and Fay Fixer and coordinated by Bob Okafor" in text
    assert "Weaknesses: [CWE-787](https://cwe.mitre.org/data/definitions/787.html)" in text
    assert "The release was managed by Rel Manager." in text
    assert text.rstrip().endswith("Bob Okafor on behalf of the security team")
    for hidden in ("pat-pending", "dan-declined"):
        assert hidden not in text


def test_advisory_md_fills_what_people_wrote() -> None:
    text = advisory_markdown(
        full_context(
            am_i_vulnerable="Run `yaml-kit --version`; 2.0.0 to 2.4.0 are affected.",
            upgrade_steps="rotate the parser cache.",
            mitigation="disabling anchors.",
            fix_impact="Documents nest at most 4096 anchors deep.",
            tracking_issue_url="https://github.com/octo-org/yaml-kit/issues/77",
        )
    )
    assert "### Am I vulnerable?\n\nRun `yaml-kit --version`" in text
    assert "**ACTION REQUIRED:** The following steps must be taken after upgrading: rotate" in text
    assert "Prior to upgrading, this vulnerability can be mitigated by: disabling anchors." in text
    assert "**Fix impact:** Documents nest at most 4096 anchors deep." in text
    assert "more details: https://github.com/octo-org/yaml-kit/issues/77" in text


def test_an_empty_advisory_marks_every_missing_field_todo() -> None:
    text = advisory_markdown(ExportContext(unsaved_incident(), [], EXPORT_NOW))
    for field in (
        "CVE ID",
        "score the issue",
        "how to tell whether a deployment is affected",
        "the affected versions",
        "what users can do before they can upgrade",
        "steps required after upgrading",
        "the versions that contain the fix",
        "how users can tell whether they were exploited",
        "the link to the public tracking issue",
        "who reported",
        "who fixed",
        "the fix lead",
    ):
        assert f"TODO: {field}" in text, field


def test_the_tracking_issue_follows_the_kubernetes_issue_template() -> None:
    text = tracking_issue_markdown(full_context())
    headings = template_headings("k8s-vulnerability-announcement-issue.md")
    assert "## Additional Details" in headings
    assert in_order(text, headings), headings
    assert text.startswith("Title: CVE-2026-4242: an attacker may be able to crash the parser")
    assert f"CVSS Rating: [{V3}](https://www.first.org/cvss/calculator/3.1#{V3})" in text
    template = (TEMPLATES / "k8s-vulnerability-announcement-issue.md").read_text()
    labels = [line for line in template.splitlines() if line.startswith("/") and "$" not in line]
    assert "/label official-cve-feed" in labels
    assert in_order(text, labels)


def test_osv_record_from_a_full_advisory() -> None:
    ctx = full_context()
    record = osv_record(ctx)
    osv_validator().validate(record)
    assert range_problems(record) == []
    assert record["schema_version"] == "1.7.5"
    assert record["aliases"] == ["CVE-2026-4242", "GHSA-4x9r-hqv2-m7pc"]
    assert record["modified"] == "2026-03-10T12:00:00Z"  # disclosure, not the export time
    assert record["published"] == "2026-03-10T12:00:00Z"
    assert record["severity"] == [
        {"type": "CVSS_V3", "score": V3},
        {"type": "CVSS_V4", "score": V4},
    ]
    assert [a["package"]["purl"] for a in record["affected"]] == [
        "pkg:pypi/yaml-kit",
        "pkg:npm/yaml-kit-js",
    ]
    assert record["affected"][1]["ranges"] == [
        {"type": "SEMVER", "events": [{"introduced": "0"}, {"last_affected": "1.2.3"}]}
    ]
    assert record["database_specific"]["cwe_ids"] == ["CWE-787", "CWE-674"]
    assert record["database_specific"]["severity"] == "HIGH"
    assert {"type": "FIX", "url": "https://github.com/octo-org/yaml-kit/commit/5f0e0c1"} in (
        record["references"]
    )
    assert {
        "type": "ADVISORY",
        "url": "https://github.com/advisories/GHSA-4x9r-hqv2-m7pc",
    } in record["references"]
    assert record["credits"] == [
        {
            "name": "rita-researcher",
            "type": "REPORTER",
            "contact": ["https://github.com/rita-researcher"],
        },
        {"name": "rev-viewer", "type": "REMEDIATION_REVIEWER"},
        {"name": "Rel Manager", "type": "OTHER", "contact": ["rel@example.org"]},
        {"name": "Fay Fixer", "type": "REMEDIATION_DEVELOPER"},
        {"name": "Bob Okafor", "type": "COORDINATOR"},
    ]


ECOSYSTEM_NAMES = {
    "Maven": "org.example:lib",
    "Packagist": "acme/lib",
    "Go": "example.org/lib",
    "npm": "@acme/lib",
    "GitHub Actions": "acme/setup-lib",
    "SwiftURL": "github.com/acme/lib",
}


@pytest.mark.parametrize("ecosystem", OSV_ECOSYSTEMS)
def test_osv_validates_for_every_ecosystem(ecosystem: str) -> None:
    name = ECOSYSTEM_NAMES.get(ecosystem, "lib")
    version = "1.4.2"
    package = AffectedPackage(
        ecosystem,
        name,
        ranges=[[{"introduced": "1.0.0"}, {"fixed": version}], [{"introduced": "2.0.0"}]],
        versions=["0.9.1"],
        fixed=[version],
    )
    ctx = ExportContext(unsaved_incident(), [], EXPORT_NOW, packages=[package])
    record = osv_record(ctx)
    osv_validator().validate(record)
    assert range_problems(record) == []
    (entry,) = record["affected"]
    assert entry["package"]["ecosystem"] == ecosystem
    assert (entry["package"].get("purl") is None) == (ecosystem == "Kubernetes")
    semver = ecosystem in ("npm", "Go", "crates.io")
    assert {r["type"] for r in entry["ranges"]} == {"SEMVER" if semver else "ECOSYSTEM"}


def test_timeline_groups_by_utc_day_with_phase_durations() -> None:
    start = EXPORT_NOW - timedelta(days=3)
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
    text = timeline_markdown(
        ExportContext(unsaved_incident(), events, EXPORT_NOW, names={"U0BOB": "Bob"})
    )
    assert "| triage | 2026-03-07 12:00 | 1d 2h |" in text
    assert "| fixing | 2026-03-08 14:00 | 1d 22h so far |" in text
    assert "missed: Fix lead within 24 hours" in text
    assert "### 2026-03-07 (Saturday)" in text and "### 2026-03-08 (Sunday)" in text
    assert "Bob · phase_changed" in text
    assert duration(timedelta(minutes=5)) == "5m"
