"""The OSV linter's range checks (ossf/osv-schema, tools/osv-linter, checks/ranges.go),
written again in Python so every exported record is held to them without Go.

RNG:001 every range has an introduced event; RNG:002 no fixed value equals an introduced
value of the same range; and what the schema's evaluation needs besides: the events of a
range in ascending order, the first one an introduced, no two introduced in a row.
"""

from __future__ import annotations

import itertools
from typing import Any

from bot.advisory.ordering import sort_key


def range_problems(record: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for entry in record.get("affected", []):
        ecosystem = entry.get("package", {}).get("ecosystem", "")
        for osv_range in entry.get("ranges", []):
            events = osv_range["events"]
            starts = [e["introduced"] for e in events if "introduced" in e]
            ends = [e["fixed"] for e in events if "fixed" in e]
            if not starts:
                problems.append(f"RNG:001 no introduced event in {events}")
            problems += [f"RNG:002 overlapping event {v!r}" for v in ends if v in starts]
            values = [next(iter(e.values())) for e in events]
            keys = [sort_key(ecosystem, v) for v in values]
            if keys != sorted(keys):
                problems.append(f"events out of order: {events}")
            kinds = [next(iter(e)) for e in events]
            if kinds and kinds[0] != "introduced":
                problems.append(f"a range must open with introduced: {events}")
            for left, right in itertools.pairwise(kinds):
                if left == right == "introduced":
                    problems.append(f"two introduced events in a row: {events}")
    return problems
