"""Team scoring: the table of disagreements between members' vectors."""

from __future__ import annotations

from bot.scoring.compare import diff_vectors

V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def test_agreement() -> None:
    comparison = diff_vectors({"U1": V31, "U2": V31 + "/E:X"})
    assert comparison.disagreements == ()
    assert comparison.unanimous
    assert [m.result.score for m in comparison.members if m.result] == [9.8, 9.8]


def test_metric_by_metric() -> None:
    comparison = diff_vectors(
        {
            "U1": V31,
            "U2": V31.replace("AV:N", "AV:L") + "/E:P",
            "U3": V31.replace("AV:N", "AV:L"),
        }
    )
    assert not comparison.unanimous
    rows = {row.key: row for row in comparison.disagreements}
    assert list(rows) == ["AV", "E"]
    assert dict(rows["AV"].values) == {"U1": "N", "U2": "L", "U3": "L"}
    assert dict(rows["AV"].labels) == {"U1": "Network", "U2": "Local", "U3": "Local"}
    assert rows["AV"].name == "Attack Vector"
    assert dict(rows["E"].labels) == {
        "U1": "Not Defined",
        "U2": "Proof-of-Concept",
        "U3": "Not Defined",
    }
    assert [(m.member, m.result.score) for m in comparison.members if m.result] == [
        ("U1", 9.8),
        ("U2", 7.9),
        ("U3", 8.4),
    ]


def test_bad_vectors_are_reported_not_compared() -> None:
    comparison = diff_vectors({"U1": V31, "U2": "cvss:3.1/AV:N", "U3": V31})
    bad = comparison.members[1]
    assert bad.result is None and bad.error is not None and bad.error.startswith("Write")
    assert comparison.disagreements == ()
    assert not comparison.unanimous


def test_versions_differ() -> None:
    comparison = diff_vectors({"U1": V31, "U2": V40})
    assert comparison.versions == ("3.1", "4.0")
    rows = {row.key: row for row in comparison.disagreements}
    assert "AV" not in rows  # Network in both
    assert dict(rows["AT"].labels) == {"U1": "-", "U2": "None"}
    assert dict(rows["S"].labels) == {"U1": "Unchanged", "U2": "Not Defined"}
    assert not comparison.unanimous


def test_one_member() -> None:
    comparison = diff_vectors({"U1": V40})
    assert comparison.disagreements == () and comparison.unanimous
