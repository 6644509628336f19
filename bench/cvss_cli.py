"""Benchmark, run by hand: the CVSS command line's batch throughput against the library.

    python bench/cvss_cli.py [--count 20000] [--rounds 5]

Scores the same distinct, mixed CVSS 3.1 / 4.0 vectors twice in one process: through
`bot.scoring.cli.main(["--json", "-"])` with an in-memory stdin and stdout, and with a plain
loop over the `cvss` library computing the same scores and severities (no validation, no
output). Prints both rates and their ratio; the target is the CLI at 80% of the library's
rate or better. Times are CPU time of this process, and each round takes the two
measurements back to back; the best round of each is reported, to keep other processes'
load out of the comparison.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cvss import CVSS3, CVSS4

from bot.scoring.cli import main
from bot.scoring.metrics import CVSS31, CVSS40, Catalogue


def random_vector(rng: random.Random, cat: Catalogue) -> str:
    """All base metrics, and each other metric with a one-in-four chance."""
    fields = [
        f"{m.key}:{rng.choice(m.codes)}" for m in cat.metrics if m.required or rng.random() < 0.25
    ]
    return f"{cat.prefix}/" + "/".join(fields)


def distinct_vectors(count: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    vectors: dict[str, None] = {}
    while len(vectors) < count:
        vectors[random_vector(rng, CVSS31 if rng.random() < 0.5 else CVSS40)] = None
    return list(vectors)


def library_loop(vectors: list[str]) -> float:
    start = time.process_time()
    for vector in vectors:
        if vector.startswith("CVSS:4.0/"):
            parsed = CVSS4(vector)
            parsed.base_score, parsed.severity  # noqa: B018
        else:
            parsed = CVSS3(vector)
            parsed.scores(), parsed.severities()
    return time.process_time() - start


def cli_batch(vectors: list[str]) -> float:
    stdin, stdout = io.StringIO("\n".join(vectors) + "\n"), io.StringIO()
    start = time.process_time()
    status = main(["--json", "-"], stdin=stdin, stdout=stdout)
    elapsed = time.process_time() - start
    lines = stdout.getvalue().count("\n")
    if status != 0 or lines != len(vectors):
        raise SystemExit(f"the CLI failed: status {status}, {lines} lines for {len(vectors)}")
    return elapsed


def measure(vectors: list[str], rounds: int) -> tuple[float, float]:
    """Vectors per second through the library loop and through the CLI, best of rounds."""
    library, cli = float("inf"), float("inf")
    for _ in range(rounds):
        library = min(library, library_loop(vectors))
        cli = min(cli, cli_batch(vectors))
    return len(vectors) / library, len(vectors) / cli


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    vectors = distinct_vectors(args.count)
    v4 = [v for v in vectors if v.startswith("CVSS:4.0/")]
    v3 = [v for v in vectors if not v.startswith("CVSS:4.0/")]
    print(f"{len(vectors)} distinct vectors: {len(v3)} CVSS 3.1, {len(v4)} CVSS 4.0")
    library_rate, cli_rate = measure(vectors, args.rounds)
    print(f"cvss library loop : {library_rate:9,.0f} vectors/s")
    print(f"CLI --json -      : {cli_rate:9,.0f} vectors/s")
    print(f"ratio CLI/library : {cli_rate / library_rate:.0%} (target: at least 80%)")
    for name, subset in (("CVSS 3.1 only", v3), ("CVSS 4.0 only", v4)):
        library_rate, cli_rate = measure(subset, args.rounds)
        print(
            f"{name}     : library {library_rate:,.0f}/s, CLI {cli_rate:,.0f}/s, "
            f"ratio {cli_rate / library_rate:.0%}"
        )


if __name__ == "__main__":
    main_bench()
