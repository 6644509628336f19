"""The README's first command: `python -m bot demo` after a plain install (no test extras)."""

from __future__ import annotations

import os
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
sys.argv = ["bot", "demo"]
runpy.run_module("bot", run_name="__main__")
"""


def section(output: str, person: str) -> str:
    start = output.index(f"==== What {person} sees ====")
    end = output.find("==== What ", start + 10)
    return output[start : end if end != -1 else len(output)]


def test_the_demo_runs_without_the_test_extras_and_shows_each_person_their_view() -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SLACK_")}
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_TEST_EXTRAS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    output = done.stdout
    assert "The bot opened SEC-2026-0001 in #sec-2026-0001-" in output
    alice = section(output, "alice")
    assert "#security-triage (private)" in alice
    assert "#sec-2026-0001-path-traversal-in-the-artifact-uploader (private)" in alice
    assert "pinned: # SEC-2026-0001 · Path traversal in the artifact uploader" in alice
    # Dave reported SEC-2026-0002 from outside the team: a receipt, and nothing of any
    # incident's detail.
    dave = section(output, "dave")
    assert "received your report (reference SEC-2026-0002)" in dave
    assert "Admin panel reachable without login" not in dave
    assert "Path traversal" not in dave
    assert "(private)" not in dave
    # The embargo act: the email a distributor receives, and its acknowledgement.
    assert "---- The email security@acme-linux.example receives ----" in output
    assert "Subject: [EMBARGOED] CVE pending: Token replay in the webhook signer" in output
    assert ", America/Los_Angeles)" in output and "/ack?t=ack1." in output
    assert "Your acknowledgement is recorded." in output
    assert "1 of 1 acknowledged" in output
