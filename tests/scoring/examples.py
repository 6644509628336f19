"""FIRST's published CVSS examples (ground truth), from tests/data (see SOURCES.md there)."""

from __future__ import annotations

from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "data"


def _rows(name: str) -> list[list[str]]:
    lines = (EXAMPLES_DIR / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


def v3_examples() -> list[tuple[str, str, float]]:
    """(name, vector, published base score) from the CVSS v3.0/v3.1 user guides."""
    return [(name, vector, float(score)) for name, vector, score in _rows("first-v3-examples.tsv")]


def v40_examples() -> list[tuple[str, float]]:
    """(vector, published score over every metric given) from FIRST's CVSS v4.0 examples."""
    return [(vector, float(score)) for score, vector in _rows("first-v40-examples.tsv")]


def all_examples() -> list[tuple[str, float]]:
    """Every published (vector, score) pair."""
    return [(vector, score) for _, vector, score in v3_examples()] + v40_examples()
