"""The README's first command: `python -m bot demo` after a plain install (no test extras):
one incident told from report to close, rendered as people read Slack, nothing left behind."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Runs the demo with the test extras made unimportable, as on a machine that only ran
# `pip install -e .` (jsonschema is a runtime dependency: CVE records are validated).
WITHOUT_TEST_EXTRAS = """
import runpy, sys
class NoTestExtras:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"websockets", "hypothesis", "pytest"}:
            raise ModuleNotFoundError(f"No module named {name!r} (a test extra)")
        return None
sys.meta_path.insert(0, NoTestExtras())
sys.argv = ["bot", "demo", *sys.argv[1:]]
runpy.run_module("bot", run_name="__main__")
"""
RAW_MARKUP = re.compile(r"<[@#!][A-Za-z0-9^]|<!date|\{date_")


def demo(tmp_path: Path, *args: str) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SLACK_")}
    env["TMPDIR"] = str(tmp_path)  # where its temporary folders go, to see them removed
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_TEST_EXTRAS, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr == "", done.stderr[-3000:]  # no warning, no traceback
    assert list(tmp_path.iterdir()) == []  # no disclosure-demo-* folder left behind
    return done.stdout


def section(output: str, heading: str) -> str:
    start = output.index(f"==== {heading} ====")
    end = output.find("====================\n", start + len(heading) + 30)
    return output[start : end if end != -1 else len(output)]


def test_the_demo_tells_one_incident_from_report_to_close(tmp_path: Path) -> None:
    output = demo(tmp_path)
    assert not RAW_MARKUP.findall(output), RAW_MARKUP.findall(output)[:5]
    assert "The bot opened SEC-2026-0001 in #sec-2026-0001-path-traversal-" in output
    for heading in ("Reminders", "fix-lead", "Team scoring", "timeline", "Embargo", "exports"):
        assert heading in output
    # One incident runs the whole way; the second is the outside report at the end.
    assert "moved from Disclosed to *Closed* by @bob as Fixed" in output
    assert "Acknowledge the reporter: marked done by @alice" in output
    assert "Where the vectors differ" in output and "@bob picked the final vector" in output
    assert "---- advisory.md ----\nSubject: [Security Advisory] CVE-2026-41234" in output
    assert '"aliases": [\n    "CVE-2026-41234"' in output  # osv.json's contents
    assert "The endpoint answers 201" in output and "SEC-2026-0002" in output
    assert "*Embargo rules*" in section(output, "What only frank sees")
    # The distributors act: the email a distributor receives, and its acknowledgement.
    assert "---- The email security@acme-linux.example receives ----" in output
    assert "Subject: [EMBARGOED] CVE pending: Token replay in the webhook signer" in output
    assert ", America/Los_Angeles)" in output and "/ack?t=ack1." in output
    assert "Your acknowledgement is recorded." in output
    assert "1 of 1 acknowledged" in output

    # The shared conversations are printed once; each person gets only what differs.
    assert output.count("#security-triage (private) members:") == 1
    team = section(output, "What the whole team sees")
    assert "pinned: # SEC-2026-0001 · Path traversal in the artifact uploader" in team
    alice = section(output, "What only alice sees")
    assert "App Home of @alice" in alice and "#security-triage (private)" not in alice
    carol = section(output, "What only carol sees")
    assert "Owner: @carol (the incident commander)" in carol  # the commander's DMs
    frank = section(output, "What only frank sees")
    assert "(private)" not in frank and "Admin panel" not in frank


def test_one_act_is_played_with_the_report_it_needs(tmp_path: Path) -> None:
    output = demo(tmp_path, "--act", "lead")
    assert "== Alice runs /disclose in #general ==" in output
    assert "== The fix-lead role is offered round-robin ==" in output
    assert "Team scoring" not in output and "advisory.md" not in output
