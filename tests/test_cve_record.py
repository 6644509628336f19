"""The CNA container builder on its own: every shape of advisory validates, exactly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.cve.advisory import AffectedPackage, Credit, CveAdvisory, Reference, VersionRange
from bot.cve.record import cna_container, fingerprint
from bot.cve.schema_check import container_problems
from tests.vocabulary import EXPORT_NOW, unsaved_incident

V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def advisory(**changes: object) -> CveAdvisory:
    values: dict[str, object] = dict(
        cve_id="CVE-2026-10000",
        title="Heap overflow in the YAML parser",
        description="A crafted document overflows a heap buffer.",
        affected=(AffectedPackage("example.org/yaml", "Go", "example.org/yaml"),),
        references=(Reference("https://example.org/advisories/1"),),
    )
    values.update(changes)
    return CveAdvisory(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"cvss_vectors": (V31, V40)},
        {"cwes": ("CWE-787", "CWE-120")},
        {"credits": (Credit("Rita", "FINDER"), Credit("Bob", "remediation developer"))},
        {"date_public": datetime(2026, 3, 20, 16, 0, tzinfo=UTC), "workaround": "Turn it off."},
        {
            "affected": (
                AffectedPackage(
                    "django",
                    "PyPI",
                    "django",
                    ranges=(VersionRange("4.2", fixed="4.2.11rc1"), VersionRange("5.0")),
                    versions=("3.2.1",),
                ),
            )
        },
        {
            "affected": (
                AffectedPackage(
                    "kube-apiserver", ranges=(VersionRange("0", last_affected="1.28.3"),)
                ),
            )
        },
        {
            "title": "x" * 400,
            "references": (Reference("https://a.example/1", "Advisory", ("vendor-advisory",)),),
        },
    ],
)
def test_every_container_validates(changes: dict[str, object]) -> None:
    container = cna_container(advisory(**changes), vendor="Example")
    assert container_problems(container) == []


def test_versions_read_exactly() -> None:
    package = AffectedPackage(
        "django",
        "PyPI",
        "django",
        ranges=(VersionRange("4.2", fixed="4.2.11rc1"), VersionRange("5.0")),
        versions=("3.2.1",),
    )
    [entry] = cna_container(advisory(affected=(package,)), vendor="Example")["affected"]
    assert entry["collectionURL"] == "https://pypi.python.org"
    assert entry["versions"] == [
        {"version": "4.2", "status": "affected", "lessThan": "4.2.11rc1", "versionType": "python"},
        {"version": "5.0", "status": "affected", "lessThan": "*", "versionType": "python"},
        {"version": "3.2.1", "status": "affected"},
    ]
    assert entry["defaultStatus"] == "unaffected"


def test_metrics_credits_and_problem_types() -> None:
    container = cna_container(
        advisory(
            cvss_vectors=(V31, V40),
            cwes=("CWE-787",),
            credits=(Credit("Rita", "FINDER"), Credit("Acme Fuzz", "TOOL")),
        ),
        vendor="Example",
    )
    assert [sorted(m) for m in container["metrics"]] == [
        ["cvssV3_1", "format", "scenarios"],
        ["cvssV4_0", "format", "scenarios"],
    ]
    assert container["metrics"][1]["cvssV4_0"] == {
        "version": "4.0",
        "vectorString": V40,
        "baseScore": 9.3,
        "baseSeverity": "CRITICAL",
    }
    assert container["credits"] == [
        {"lang": "en", "value": "Rita", "type": "finder"},
        {"lang": "en", "value": "Acme Fuzz", "type": "tool"},
    ]
    assert container["problemTypes"] == [
        {
            "descriptions": [
                {"lang": "en", "cweId": "CWE-787", "description": "CWE-787", "type": "CWE"}
            ]
        }
    ]


def test_the_fingerprint_follows_the_content() -> None:
    one = cna_container(advisory(), vendor="Example")
    assert fingerprint(one) == fingerprint(cna_container(advisory(), vendor="Example"))
    assert fingerprint(one) != fingerprint(cna_container(advisory(title="Other"), vendor="Example"))


def test_an_unknown_package_status_is_unknown_not_unaffected() -> None:
    [entry] = cna_container(advisory(affected=(AffectedPackage("some-tool"),)), vendor="Example")[
        "affected"
    ]
    assert entry == {"vendor": "Example", "product": "some-tool", "defaultStatus": "unknown"}


def test_only_accepted_credits_and_named_people_leave_the_team() -> None:
    from bot.advisory.model import AffectedPackage as Package
    from bot.advisory.model import Credit as TeamCredit
    from bot.cve.advisory import from_export
    from bot.exports.context import ExportContext

    case = unsaved_incident(
        cve_id="CVE-2026-10000",
        advisory_summary="Overflow (CWE-787).",
        source="github",
        lead_id="U0BOB",
        cwe_ids=["CWE-120"],
        external_ref="https://github.com/example/yaml/security/advisories/GHSA-abcd-2345-wxyz",
    )
    context = ExportContext(
        case,
        [],
        EXPORT_NOW,
        fix_team=["U0BOB", "U0CAROL"],
        names={"U0BOB": "Bob Okafor", "U0CAROL": "Carol Díaz"},
        packages=[
            Package(
                "Go",
                "example.org/yaml",
                ranges=[[{"introduced": "0"}, {"fixed": "1.2.3"}, {"introduced": "2.0.0"}]],
                fixed=["1.2.3"],
                fix_links=["https://github.com/example/yaml/commit/abc123"],
            )
        ],
        credits=[
            TeamCredit("Gina", "FINDER", state="pending", source="github"),
            TeamCredit("Hal", "FINDER", state="accepted", source="github"),
        ],
    )
    advisory = from_export(context)
    assert [(c.name, c.kind) for c in advisory.credits] == [
        ("Hal", "FINDER"),
        ("Carol Díaz", "REMEDIATION_DEVELOPER"),
        ("Bob Okafor", "COORDINATOR"),
    ]
    assert advisory.cwes == ("CWE-120", "CWE-787")
    assert advisory.solution == "Fixed in 1.2.3."
    container = cna_container(advisory, vendor="Example")
    assert container_problems(container) == []
    assert container["affected"][0]["versions"] == [
        {"version": "0", "status": "affected", "lessThan": "1.2.3", "versionType": "semver"},
        {"version": "2.0.0", "status": "affected", "lessThan": "*", "versionType": "semver"},
    ]
    assert {"url": "https://github.com/example/yaml/commit/abc123", "tags": ["patch"]} in (
        container["references"]
    )
    assert not any("cve.org" in r["url"] for r in container["references"])
    assert [c["type"] for c in container["credits"]] == [
        "finder",
        "remediation developer",
        "coordinator",
    ]
