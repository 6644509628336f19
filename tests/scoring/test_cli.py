"""The command line: fields, errors that do not stop a batch, exit status, text output."""

from __future__ import annotations

import io
import json

import pytest

from bot.scoring.cli import as_json, json_line, main
from bot.scoring.engine import score

V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def run(*args: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    status = main(list(args), stdin=io.StringIO(stdin), stdout=out)
    return status, out.getvalue()


def test_json_fields_v3() -> None:
    status, out = run("--json", V31 + "/E:P")
    assert status == 0
    assert json.loads(out) == {
        "vector": V31 + "/E:P",
        "clean_vector": V31 + "/E:P",
        "version": "3.1",
        "score": 9.3,
        "severity": "Critical",
        "base_score": 9.8,
        "base_severity": "Critical",
        "temporal_score": 9.3,
        "temporal_severity": "Critical",
        "environmental_score": 9.3,
        "environmental_severity": "Critical",
    }


def test_json_fields_v4() -> None:
    status, out = run("--json", f"  {V40}/E:U/U:Clear ")
    assert status == 0
    assert json.loads(out) == {
        "vector": f"  {V40}/E:U/U:Clear ",
        "clean_vector": f"{V40}/E:U/U:Clear",
        "version": "4.0",
        "score": 8.1,
        "severity": "High",
        "nomenclature": "CVSS-BT",
    }


def test_json_v30() -> None:
    _, out = run("--json", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/RC:U")
    line = json.loads(out)
    assert (line["version"], line["score"], line["temporal_score"]) == ("3.0", 9.3, 9.3)


def test_stdin_batch_keeps_order_and_goes_on_after_errors() -> None:
    lines = [
        V31,
        "cvss:3.1/AV:N",
        V40 + "/E:A",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",
    ]
    status, out = run("--json", "-", "", stdin="\r\n".join(lines) + "\r\n")
    assert status == 1
    objects = [json.loads(line) for line in out.splitlines()]
    assert [o["vector"] for o in objects] == [*lines, ""]
    assert [o.get("score") for o in objects] == [9.8, None, 9.3, None, None]
    assert objects[1] == {
        "vector": "cvss:3.1/AV:N",
        "error": 'Write the prefix in capitals: "CVSS:3.1", not "cvss:3.1". Missing base '
        "metrics: Attack Complexity (AC), Privileges Required (PR), User Interaction (UI), "
        "Scope (S), Confidentiality (C), Integrity (I), Availability (A).",
    }
    assert objects[4] == {"vector": "", "error": "The vector is empty."}


def test_stdin_skips_blank_lines_and_comments() -> None:
    stdin = f"# vectors from the triage sheet\n\n{V31}\n   \n  # {V40}\n{V40}\n"
    status, out = run("-", stdin=stdin)
    assert status == 0
    assert [line.split(" => ")[0] for line in out.splitlines()] == [V31, V40]


def test_text_errors_go_to_standard_error() -> None:
    out, err = io.StringIO(), io.StringIO()
    status = main([V31, "nope", V40], stdout=out, stderr=err)
    assert status == 1
    assert [line.split(" => ")[0] for line in out.getvalue().splitlines()] == [V31, V40]
    assert err.getvalue().startswith("nope => error: The vector must start with a version")


def test_large_batch_in_chunks() -> None:
    vectors = [V31, V40] * 5000
    status, out = run("--json", "-", stdin="\n".join(vectors))  # no final newline
    assert status == 0
    scores = [json.loads(line)["score"] for line in out.splitlines()]
    assert scores == [9.8, 9.3] * 5000


def test_arguments_and_stdin_mixed_in_order() -> None:
    status, out = run("--json", V40, "-", V31, stdin=V31 + "\n")
    assert status == 0
    assert [json.loads(line)["version"] for line in out.splitlines()] == ["4.0", "3.1", "3.1"]


def test_json_lines_are_what_json_dumps_writes() -> None:
    for vector in (V31, V31 + "/E:F/MAV:A/CR:H", "CVSS:3.0/AV:P/AC:H/PR:H/UI:R/S:C/C:N/I:N/A:N",
                   V40, V40 + "/E:P/MSI:S/S:P"):  # fmt: skip
        line, ok = json_line(vector)
        assert ok and line == json.dumps(as_json(vector, score(vector))) + "\n"
    line, ok = json_line('"odd\\ é"')
    assert not ok and json.loads(line)["vector"] == '"odd\\ é"'


def test_text_output() -> None:
    status, out = run(V31, V40 + "/MAV:L", V31 + "/E:U/CR:L", V31 + "/E:U", V31 + "/E:X")
    assert status == 0
    assert out.splitlines() == [
        f"{V31} => 9.8 Critical (CVSS 3.1 base)",  # no temporal or environmental metric set
        f"{V40}/MAV:L => 8.6 High (CVSS-BE)",
        f"{V31}/E:U/CR:L => 8.7 High (CVSS 3.1 environmental; base 9.8, temporal 9.0)",
        f"{V31}/E:U => 9.0 Critical (CVSS 3.1 temporal; base 9.8)",
        f"{V31}/E:X => 9.8 Critical (CVSS 3.1 base)",
    ]


def test_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run()[0] == 2
    assert run("--bogus", V31)[0] == 2
    assert "usage: python -m bot cvss" in capsys.readouterr().err
