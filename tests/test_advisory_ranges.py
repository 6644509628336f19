"""Affected packages against the world's records: GitHub's range grammar read into OSV
events, compared with the OSV records GitHub publishes for the same advisories."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.advisory.ecosystems import OSV_ECOSYSTEMS, osv_ecosystem, purl
from bot.advisory.model import AffectedPackage
from bot.advisory.ordering import check as version_problem
from bot.advisory.ordering import compare, semver_successor, sorted_versions
from bot.advisory.ranges import affects, read_github_range
from bot.intake.github import read_advisory

DATA = Path(__file__).parent / "data"
CASES = json.loads((DATA / "ghsa_osv_affected.json").read_text())["cases"]
RICH = json.loads((DATA / "github_repository_advisory_reported.json").read_text())


def as_delivered(vulnerabilities: list[dict[str, Any]]) -> dict[str, Any]:
    """The rich webhook fixture carrying these vulnerabilities, as GitHub would send it."""
    document = copy.deepcopy(RICH)
    document["repository_advisory"]["vulnerabilities"] = vulnerabilities
    return document


def neighbours(ecosystem: str, version: str) -> list[str]:
    """Versions just around `version`: the next and previous of each numeric part, and a
    pre-release of it, written as the ecosystem writes them."""
    if version == "0":
        return ["0.0.1", "0.1.0", "1.0.0"]
    core = version.split("-")[0].split("+")[0]
    numbers = [int(n) for n in core.split(".") if n.isdigit()]
    found = []
    for i in range(len(numbers)):
        for step in (-1, 1):
            changed = numbers[:i] + [numbers[i] + step] + [0] * (len(numbers) - i - 1)
            if changed[i] >= 0:
                found.append(".".join(map(str, changed)))
    if ecosystem in ("npm", "Go", "crates.io"):
        found = [v if v.count(".") >= 2 else v + ".0" for v in found]
        found += [f"{version}-rc.1", f"{version}-0", f"{version}+build.5"]
        if len(numbers) == 3 and "-" not in version:
            after = f"{numbers[0]}.{numbers[1]}.{numbers[2] + 1}"
            found += [f"{after}-0", f"{after}-alpha"]  # just above a release
    elif ecosystem == "PyPI":
        found += [f"{version}rc1", f"{version}.post1", f"{version}.dev0", f"{version}.1"]
    else:
        found += [f"{version}-rc1", f"{version}.1", f"{version}.0"]
    return found


def reference_affects(entries: list[dict[str, Any]], name: str, version: str) -> bool:
    for entry in entries:
        if entry["package"]["name"] != name:
            continue
        ecosystem = entry["package"]["ecosystem"]
        if version in entry.get("versions", []):
            return True
        if any(affects(ecosystem, r["events"], version) for r in entry.get("ranges", [])):
            return True
    return False


@pytest.mark.parametrize("case", CASES, ids=[c["ghsa"] for c in CASES])
def test_ghsa_ranges_match_the_published_osv_record(case: dict[str, Any]) -> None:
    advisory, problems = read_advisory(as_delivered(case["github"]))
    assert advisory is not None, problems
    reference = case["affected"]
    ours = {(p.ecosystem, p.name): p for p in advisory.packages}
    assert set(ours) == {(e["package"]["ecosystem"], e["package"]["name"]) for e in reference}
    for (ecosystem, name), package in ours.items():
        assert package.note == "", package.note
        named = {
            value
            for entry in [package.osv(), *reference]
            for r in entry.get("ranges", [])
            for event in r["events"]
            for value in event.values()
        }
        probes = {p for v in named for p in (v, *neighbours(ecosystem, v))} - {"0"}
        wrong = {
            probe: (package.affects(probe), reference_affects(reference, name, probe))
            for probe in sorted_versions(ecosystem, sorted(probes))
            if package.affects(probe) != reference_affects(reference, name, probe)
        }
        assert wrong == {}, f"(ours, GitHub's) differ for {name}: {wrong}"
        assert len(probes) >= 8


def test_the_xwiki_branches_start_where_github_says() -> None:
    """The old export invented X.Y.0 starts: 12.0 to 12.5.x came out as not affected."""
    advisory, _ = read_advisory(as_delivered(CASES[0]["github"]))
    assert advisory is not None
    (package,) = advisory.packages
    assert package.ecosystem == "Maven"
    assert all(package.affects(v) for v in ("12.0", "12.1", "12.5.3", "12.6.6", "12.10.1"))
    assert not any(package.affects(v) for v in ("11.5", "12.6.7", "12.9", "12.10.2", "13.0"))
    assert package.osv()["package"]["purl"] == "pkg:maven/org.xwiki.commons/xwiki-commons-core"
    assert {r["type"] for r in package.osv()["ranges"]} == {"ECOSYSTEM"}


@pytest.mark.parametrize(
    ("ecosystem", "text", "ranges", "versions"),
    [
        ("PyPI", ">= 2.0.0, < 2.4.1", [[{"introduced": "2.0.0"}, {"fixed": "2.4.1"}]], []),
        ("RubyGems", "< 4.2.8", [[{"introduced": "0"}, {"fixed": "4.2.8"}]], []),
        ("Maven", "<= 3.1", [[{"introduced": "0"}, {"last_affected": "3.1"}]], []),
        ("npm", ">= 1.0.0", [[{"introduced": "1.0.0"}]], []),
        ("npm", "> 2.1.0", [[{"introduced": "2.1.1-0"}]], []),
        (
            "Go",
            "> v1.2.3, <= v1.4.0",
            [[{"introduced": "1.2.4-0"}, {"last_affected": "1.4.0"}]],
            [],
        ),
        (
            "crates.io",
            "= 0.3.1",
            [[{"introduced": "0.3.1"}, {"last_affected": "0.3.1"}]],
            ["0.3.1"],
        ),
        ("PyPI", "<= 1.0, >= 0.9", [[{"introduced": "0.9"}, {"last_affected": "1.0"}]], []),
    ],
)
def test_github_grammar_reads_exactly(
    ecosystem: str, text: str, ranges: list[Any], versions: list[str]
) -> None:
    read = read_github_range(ecosystem, text)
    assert read.problems == []
    assert (read.ranges, read.versions) == (ranges, versions)


def test_greater_than_is_exact_in_semver_and_refused_elsewhere() -> None:
    events = read_github_range("npm", "> 2.1.0").ranges[0]
    assert not affects("npm", events, "2.1.0")
    assert not affects("npm", events, "2.1.0+build.7")  # build metadata does not count
    assert affects("npm", events, "2.1.1-0") and affects("npm", events, "2.1.1-alpha")
    assert affects("npm", events, "2.1.1") and affects("npm", events, "3.0.0")
    assert semver_successor("1.0.0-rc.1") == "1.0.0-rc.1.0"
    assert compare("npm", "1.0.0-rc.1", "1.0.0-rc.1.0") < 0
    for ecosystem in ("PyPI", "Maven", "RubyGems"):
        read = read_github_range(ecosystem, "> 2.1.0")
        assert read.ranges == [] and "no exact OSV form" in read.problems[0]


@pytest.mark.parametrize(
    ("ecosystem", "text", "problem"),
    [
        ("npm", "< 2", "not a SemVer 2 version"),
        ("PyPI", ">= banana", "not a PEP 440 version"),
        ("PyPI", ">= 2.0, < 1.0", "is empty"),
        ("Maven", ">= 1.0, >= 2.0", "at most one lower"),
        ("Maven", "about 2.0", "not a bound"),
        ("PyPI", "= 1.0, < 2.0", "takes no other bound"),
    ],
)
def test_ranges_that_do_not_read_say_why(ecosystem: str, text: str, problem: str) -> None:
    read = read_github_range(ecosystem, text)
    assert read.ranges == [] and any(problem in p for p in read.problems), read.problems


def test_githubs_placeholder_is_no_package() -> None:
    assert read_github_range("", "<0").empty
    advisory, _ = read_advisory(
        as_delivered(
            [
                {
                    "package": {"ecosystem": "", "name": ""},
                    "vulnerable_version_range": "<0",
                    "patched_versions": ">0",
                }
            ]
        )
    )
    assert advisory is not None and advisory.packages == []


def test_semver_precedence_follows_the_spec() -> None:
    # The example ordering of semver.org, section 11.
    ordered = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "2.0.0",
        "2.1.0",
        "2.1.1",
    ]
    assert sorted_versions("npm", list(reversed(ordered))) == ordered
    assert compare("Go", "1.0.0+a", "1.0.0+b") == 0


def test_pep_440_and_dotted_orders() -> None:
    assert sorted_versions("PyPI", ["1.0", "1.0rc1", "1.0.post1", "1.0.dev0", "0.9"]) == [
        "0.9",
        "1.0.dev0",
        "1.0rc1",
        "1.0",
        "1.0.post1",
    ]
    assert compare("Maven", "12.0", "12.0.0") == 0
    assert compare("Maven", "12.6.7", "12.10.0") < 0
    assert compare("Maven", "12.0-rc1", "12.0") < 0
    assert compare("Maven", "5.3.0.RELEASE", "5.3.0") == 0
    assert (
        compare("Maven", "2.5.Final", "2.5.1") < 0 and compare("Maven", "1.0-SNAPSHOT", "1.0") < 0
    )
    assert compare("RubyGems", "5.2.4.3", "5.2.4.2") > 0


@pytest.mark.parametrize(
    ("word", "name"),
    [
        ("pip", "PyPI"),
        ("maven", "Maven"),
        ("rubygems", "RubyGems"),
        ("go", "Go"),
        ("rust", "crates.io"),
        ("composer", "Packagist"),
        ("nuget", "NuGet"),
        ("actions", "GitHub Actions"),
        ("pub", "Pub"),
        ("erlang", "Hex"),
        ("swift", "SwiftURL"),
        ("npm", "npm"),
        ("PyPI", "PyPI"),
    ],
)
def test_githubs_ecosystem_words_become_osv_names(word: str, name: str) -> None:
    assert osv_ecosystem(word) == name
    schema = json.loads((DATA / "osv-schema.json").read_text())
    assert name in schema["$defs"]["ecosystemName"]["enum"]


def test_every_offered_ecosystem_is_one_the_schema_knows() -> None:
    schema = json.loads((DATA / "osv-schema.json").read_text())
    assert set(OSV_ECOSYSTEMS) <= set(schema["$defs"]["ecosystemName"]["enum"])


@pytest.mark.parametrize(
    ("ecosystem", "name", "expected"),
    [
        ("npm", "@angular/core", "pkg:npm/%40angular/core"),
        ("npm", "lodash", "pkg:npm/lodash"),
        ("PyPI", "Django_Rest", "pkg:pypi/django-rest"),
        (
            "Maven",
            "org.xwiki.commons:xwiki-commons-core",
            "pkg:maven/org.xwiki.commons/xwiki-commons-core",
        ),
        ("Go", "golang.org/x/net", "pkg:golang/golang.org/x/net"),
        ("Packagist", "guzzlehttp/guzzle", "pkg:composer/guzzlehttp/guzzle"),
        ("RubyGems", "activesupport", "pkg:gem/activesupport"),
        ("crates.io", "smallvec", "pkg:cargo/smallvec"),
        ("Maven", "no-colon", None),
    ],
)
def test_purls(ecosystem: str, name: str, expected: str | None) -> None:
    assert purl(ecosystem, name) == expected


def test_a_package_lists_single_versions_too() -> None:
    package = AffectedPackage("PyPI", "x", ranges=[[{"introduced": "0"}, {"fixed": "1.0"}]])
    package.versions = ["1.5"]
    assert package.affects("0.5") and package.affects("1.5") and not package.affects("1.2")


# -- every GitHub range, read exactly: the events say what the constraints say ----------

semver_versions = st.builds(
    lambda major, minor, patch, pre: f"{major}.{minor}.{patch}" + (f"-{pre}" if pre else ""),
    st.integers(0, 3),
    st.integers(0, 3),
    st.integers(0, 3),
    st.sampled_from(["", "0", "rc.1", "alpha", "alpha.1", "beta.2"]),
)
pep440_versions = st.builds(
    lambda release, suffix: ".".join(map(str, release)) + suffix,
    st.lists(st.integers(0, 3), min_size=1, max_size=3),
    st.sampled_from(["", "rc1", "a2", ".post1", ".dev0", "b1.post2"]),
)
OPERATORS = {
    ">=": lambda c: c >= 0,
    ">": lambda c: c > 0,
    "<=": lambda c: c <= 0,
    "<": lambda c: c < 0,
    "=": lambda c: c == 0,
}


@st.composite
def github_ranges(draw: st.DrawFn, versions: st.SearchStrategy[str]) -> list[tuple[str, str]]:
    shape = draw(st.sampled_from(["=", "<", "<=", ">", ">=", "><", "><=", ">=<", ">=<="]))
    if shape in ("=", "<", "<=", ">", ">="):
        return [(shape, draw(versions))]
    lower = ">=" if shape.startswith(">=") else ">"
    upper = shape[len(lower) :]
    return [(lower, draw(versions)), (upper, draw(versions))]


def holds(ecosystem: str, constraints: list[tuple[str, str]], version: str) -> bool:
    return all(OPERATORS[op](compare(ecosystem, version, bound)) for op, bound in constraints)


@pytest.mark.parametrize(
    ("ecosystem", "versions"), [("npm", semver_versions), ("PyPI", pep440_versions)]
)
def test_every_range_reads_exactly(ecosystem: str, versions: st.SearchStrategy[str]) -> None:
    @settings(max_examples=300, deadline=None)
    @given(github_ranges(versions), st.lists(versions, min_size=1, max_size=12))
    def reads_exactly(constraints: list[tuple[str, str]], probes: list[str]) -> None:
        text = ", ".join(f"{op} {v}" for op, v in constraints)
        read = read_github_range(ecosystem, text)
        if read.problems:
            # Refused only where OSV cannot say it exactly, or the range is empty.
            exact_gap = ecosystem != "npm" and any(op == ">" for op, _ in constraints)
            assert exact_gap or "is empty" in " ".join(read.problems), (text, read.problems)
            return
        package = AffectedPackage(ecosystem, "p", ranges=read.ranges, versions=read.versions)
        bounds = [v for _, v in constraints]
        near = [
            n
            for v in bounds
            for n in neighbours(ecosystem, v)
            if version_problem(ecosystem, n) is None
        ]
        for probe in {*probes, *bounds, *near}:
            assert package.affects(probe) == holds(ecosystem, constraints, probe), (text, probe)

    reads_exactly()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Quinn Analyst", ("Quinn Analyst", "OTHER", "", "")),
        (
            "Fay <fay@example.org> (remediation developer)",
            ("Fay", "REMEDIATION_DEVELOPER", "fay@example.org", ""),
        ),
        ("- Rita (FINDER)", ("Rita", "FINDER", "", "")),
        (
            "Rel <https://rel.example> (release manager)",
            ("Rel", "OTHER", "https://rel.example", "release manager"),
        ),
        ("Odd (not a type)", ("Odd (not a type)", "OTHER", "", "")),
    ],
)
def test_team_credit_lines(line: str, expected: tuple[str, str, str, str]) -> None:
    from bot.advisory.model import parse_credit_line

    credit = parse_credit_line(line)
    assert credit is not None
    assert (credit.name, credit.type, credit.contact, credit.role) == expected
