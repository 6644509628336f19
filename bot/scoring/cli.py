"""`python -m bot cvss`: score vectors from the command line or, with "-", from stdin.

    python -m bot cvss VECTOR [VECTOR ...] [--json]
    python -m bot cvss --json - < vectors.txt

One output line per vector, in input order; from stdin, blank lines and `#` comments are
skipped. In text mode a bad vector's message goes to standard error. With --json each
line is a JSON object with
`vector` (as given), `clean_vector`, `version`, `score` and `severity`, plus
`base_score`, `temporal_score`, `environmental_score` and their severities for CVSS 3.x,
or `nomenclature` for CVSS 4.0. A bad vector gives {"vector": ..., "error": ...} on its
line; the batch goes on and the exit status is 1 at the end (2 for a usage error).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from json.encoder import encode_basestring_ascii
from typing import TextIO

from bot.scoring.engine import ScoreResult, Scores, compute, result_of
from bot.scoring.parsing import Vector, VectorError, parse_vector
from bot.scoring.severity import severity_of

_CHUNK_BYTES = 1 << 16  # stdin is read, and output written, this much at a time


def main(
    argv: list[str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the command; argv holds the arguments after `cvss` (default: sys.argv[1:]).

    stdin, stdout and stderr default to the process's own. Returns the exit status.
    """
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    parser = argparse.ArgumentParser(
        prog="python -m bot cvss",
        description="Score CVSS 3.0, 3.1 and 4.0 vectors. Use - to read one vector per line "
        "from standard input (blank lines and lines starting with # are skipped). Errors go "
        "to standard error (with --json, as error objects in line order); the exit status "
        "is 1 if any vector was wrong. Reads no settings.",
    )
    parser.add_argument("vectors", nargs="+", metavar="VECTOR", help='a vector, or "-" for stdin')
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse has printed the usage already
        return int(exit_.code or 0)

    scored, failed = (json_scored, json_failed) if args.json else (text_scored, text_failed)
    all_ok = True
    # Text errors go to standard error; a JSON batch keeps its error objects in line order.
    errors = stdout if args.json else stderr
    for chunk in _chunks(args.vectors, stdin):
        out = []
        for raw in chunk:
            try:
                vector = parse_vector(raw)
            except VectorError as error:
                if errors is stdout:
                    out.append(failed(raw, error))
                else:
                    stdout.write("".join(out))
                    out = []
                    errors.write(failed(raw, error))
                all_ok = False
                continue
            out.append(scored(raw, vector, compute(vector)))
        stdout.write("".join(out))
    stdout.flush()
    return 0 if all_ok else 1


def _chunks(arguments: list[str], stdin: TextIO) -> Iterator[list[str]]:
    """The vectors in order, in batches: each argument, or stdin's lines for "-"."""
    for argument in arguments:
        if argument != "-":
            yield [argument]
            continue
        while lines := stdin.readlines(_CHUNK_BYTES):
            vectors = [line.rstrip("\r\n") for line in lines]
            yield [v for v in vectors if v.strip() and not v.lstrip().startswith("#")]


def json_line(raw: str) -> tuple[str, bool]:
    """One JSON line for a vector, and whether it scored."""
    try:
        vector = parse_vector(raw)
    except VectorError as error:
        return json_failed(raw, error), False
    return json_scored(raw, vector, compute(vector)), True


def json_failed(raw: str, error: VectorError) -> str:
    return _ERROR_LINE.format(_quote(raw), _quote(error.message))


def json_scored(raw: str, vector: Vector, numbers: Scores) -> str:
    """The JSON line of a scored vector.

    Built from templates rather than json.dumps: every value but `vector` is one of ours
    (a clean vector, a version, a number, a severity) and needs no escaping, and skipping a
    dict and the encoder per line makes large batches markedly faster. The output is what
    json.dumps would give for the same fields (the tests check that).
    """
    if numbers.base is None:
        return _V4_LINE.format(
            _quote(raw), vector.clean, numbers.score, severity_of(numbers.score), numbers.kind
        )
    temporal, environmental = numbers.temporal, numbers.environmental
    assert temporal is not None and environmental is not None  # a 3.x vector has all three
    return _V3_LINE.format(
        _quote(raw),
        vector.clean,
        vector.version,
        numbers.score,
        severity_of(numbers.score),
        numbers.base,
        severity_of(numbers.base),
        temporal,
        severity_of(temporal),
        environmental,
        severity_of(environmental),
    )


def as_json(raw: str, result: ScoreResult) -> dict[str, object]:
    """The JSON object of a scored vector (json_line writes the same, faster)."""
    fields: dict[str, object] = {
        "vector": raw,
        "clean_vector": result.clean_vector,
        "version": result.version,
        "score": result.score,
        "severity": result.severity,
    }
    if result.nomenclature is not None:
        fields["nomenclature"] = result.nomenclature
    else:
        fields.update(
            base_score=result.base_score,
            base_severity=result.base_severity,
            temporal_score=result.temporal_score,
            temporal_severity=result.temporal_severity,
            environmental_score=result.environmental_score,
            environmental_severity=result.environmental_severity,
        )
    return fields


_quote = encode_basestring_ascii  # a JSON string literal, as json.dumps writes it
_ERROR_LINE = '{{"vector": {}, "error": {}}}\n'
_V4_LINE = (
    '{{"vector": {}, "clean_vector": "{}", "version": "4.0", "score": {!r}, '
    '"severity": "{}", "nomenclature": "{}"}}\n'
)
_V3_LINE = (
    '{{"vector": {}, "clean_vector": "{}", "version": "{}", "score": {!r}, "severity": "{}", '
    '"base_score": {!r}, "base_severity": "{}", "temporal_score": {!r}, '
    '"temporal_severity": "{}", "environmental_score": {!r}, "environmental_severity": "{}"}}\n'
)


def text_failed(raw: str, error: VectorError) -> str:
    return f"{raw} => error: {error.message}\n"


def text_scored(raw: str, vector: Vector, numbers: Scores) -> str:
    """A readable line: the vector, then its score and severity."""
    return f"{raw} => {describe(result_of(vector, numbers))}\n"


def describe(result: ScoreResult) -> str:
    """ "9.8 Critical (CVSS 3.1 base; temporal 9.1, environmental 9.1)" and the like."""
    headline = f"{result.score:.1f} {result.severity}"
    if result.nomenclature is not None:
        return f"{headline} ({result.nomenclature})"
    groups = _metric_groups(result)
    others = [
        f"{kind} {value:.1f}"
        for kind, value in (
            ("base", result.base_score),
            ("temporal", result.temporal_score),
            ("environmental", result.environmental_score),
        )
        if kind != result.score_kind and value is not None and kind in groups
    ]
    detail = f"; {', '.join(others)}" if others else ""
    return f"{headline} (CVSS {result.version} {result.score_kind}{detail})"


def _metric_groups(result: ScoreResult) -> set[str]:
    """The metric groups the vector sets (Not Defined, X, counts as unset): a base-only
    vector's temporal and environmental scores only repeat its base score."""
    groups = {"base"}
    for key, value in result.metrics.items():
        if value == "X":
            continue
        if key in TEMPORAL_METRICS:
            groups.add("temporal")
        elif key in ENVIRONMENTAL_METRICS:
            groups.add("environmental")
    return groups


TEMPORAL_METRICS = frozenset({"E", "RL", "RC"})
ENVIRONMENTAL_METRICS = frozenset(
    {"CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA"}
)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
