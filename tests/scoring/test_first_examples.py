"""Ground truth: every FIRST example scores exactly as published, through each path."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.scoring.cli import main
from bot.scoring.engine import score
from bot.slack.blocks.cvss import CvssState, from_metadata, to_metadata
from tests.scoring.examples import all_examples, v3_examples, v40_examples

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = all_examples()


def test_the_examples_are_all_there() -> None:
    assert len(v3_examples()) == 28
    assert len(v40_examples()) == 42


@pytest.mark.parametrize(("vector", "published"), EXAMPLES, ids=[v for v, _ in EXAMPLES])
def test_score(vector: str, published: float) -> None:
    result = score(vector)
    assert result.score == published
    if result.version != "4.0":  # the user guides publish base scores of base-only vectors
        assert result.score_kind == "base"
        assert result.base_score == published


def test_cli_in_process() -> None:
    stdin = io.StringIO("".join(f"{vector}\n" for vector, _ in EXAMPLES))
    stdout = io.StringIO()
    assert main(["--json", "-"], stdin=stdin, stdout=stdout) == 0
    lines = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert [(line["vector"], line["score"]) for line in lines] == EXAMPLES


def test_cli_subprocess() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "bot.scoring.cli", "--json", "-"],
        input="".join(f"{vector}\n" for vector, _ in EXAMPLES),
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    lines = [json.loads(line) for line in completed.stdout.splitlines()]
    assert [(line["vector"], line["score"]) for line in lines] == EXAMPLES


@pytest.mark.parametrize(("vector", "published"), EXAMPLES, ids=[v for v, _ in EXAMPLES])
def test_modal_state(vector: str, published: float) -> None:
    """Pasted into the modal and carried through private_metadata, as on submit."""
    state = from_metadata(to_metadata(CvssState().with_vector(vector)))
    outcome = state.outcome()
    assert outcome.score == published  # type: ignore[union-attr]
