"""GitHub's range grammar (`= v`, `<= v`, `< v`, `> v`, `>= a, < b`) as OSV events.

Nothing is guessed: a bound becomes an event only when OSV can say exactly the same
thing. `> v` has an exact lowest successor only in SemVer (X.Y.(Z+1)-0); elsewhere it
is refused with a problem, so a person writes the first affected version instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.advisory.ecosystems import SEMVER_ECOSYSTEMS
from bot.advisory.ordering import VersionError, check, compare, semver_successor, sort_key

Events = list[dict[str, str]]
BOUND = re.compile(r"^(>=|<=|>|<|=)?\s*(\S+)$")
# Several ranges in one text (the form, and text written before packages were data).
RANGE_SEPARATORS = re.compile(r"\s*(?:;|\|\||\n)\s*")


@dataclass
class ReadRange:
    """What one range text says: events, single versions, and problems in plain words."""

    ranges: list[Events] = field(default_factory=list)  # each one OSV range's events
    versions: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    empty: bool = False  # `< 0`: GitHub's placeholder, no version at all


def clean_version(ecosystem: str, version: str) -> str:
    """OSV SemVer versions carry no leading "v" (Go tags do; OSV's Go records do not)."""
    if ecosystem in SEMVER_ECOSYSTEMS and version[:1] in ("v", "V") and version[1:2].isdigit():
        return version[1:]
    return version


def _bounds(ecosystem: str, text: str, read: ReadRange) -> list[tuple[str, str]]:
    bounds = []
    for piece in (p.strip() for p in text.split(",")):
        if not piece:
            continue
        found = BOUND.match(piece)
        if not found:
            read.problems.append(f"`{piece}` is not a bound; write it as `>= 1.2.0` or `< 1.3.0`.")
            continue
        version = clean_version(ecosystem, found[2])
        if version != "0":
            problem = check(ecosystem, version)
            if problem:
                read.problems.append(problem + ".")
                continue
        bounds.append((found[1] or "=", version))
    return bounds


def _lower(ecosystem: str, op: str, version: str, read: ReadRange) -> str | None:
    if op == ">=":
        return version
    if ecosystem in SEMVER_ECOSYSTEMS and version != "0":
        return semver_successor(version)
    read.problems.append(
        f"`> {version}` has no exact OSV form in {ecosystem or 'this ecosystem'}: OSV ranges "
        "start at a version; write `>= ` and the first affected version."
    )
    return None


def read_github_range(ecosystem: str, text: str) -> ReadRange:
    """One GitHub `vulnerable_version_range` as the events of one OSV range."""
    read = ReadRange()
    bounds = _bounds(ecosystem, text or "", read)
    if read.problems:
        return read
    if not bounds:
        read.problems.append("No range given; write one such as `>= 1.2.0, < 1.3.0` or `< 2.0`.")
        return read
    lowers = [(op, v) for op, v in bounds if op in (">=", ">")]
    uppers = [(op, v) for op, v in bounds if op in ("<", "<=")]
    exact = [v for op, v in bounds if op == "="]
    if exact:
        if len(bounds) > 1:
            read.problems.append("`= v` names one version and takes no other bound.")
        else:
            # A range from v to v holds every spelling the ecosystem counts as v (SemVer
            # build metadata, PEP 440's 1.0 == 1.0.0); `versions` keeps the literal too.
            read.ranges.append([{"introduced": exact[0]}, {"last_affected": exact[0]}])
            read.versions = exact
        return read
    if len(lowers) > 1 or len(uppers) > 1:
        read.problems.append("A range has at most one lower and one upper bound.")
        return read
    if uppers and uppers[0] == ("<", "0"):
        read.empty = True  # GitHub's placeholder for "no version given yet"
        return read
    start = _lower(ecosystem, *lowers[0], read) if lowers else "0"
    if start is None:
        return read
    events: Events = [{"introduced": start}]
    if uppers:
        op, end = uppers[0]
        order = compare(ecosystem, start, end)
        if order > 0 or (order == 0 and op == "<"):
            read.problems.append(f"`{text.strip()}` is empty: its lower bound is not below {end}.")
            return read
        events.append({"fixed" if op == "<" else "last_affected": end})
    read.ranges.append(events)
    return read


def read_ranges_text(ecosystem: str, text: str) -> ReadRange:
    """Several GitHub ranges, one a line (or separated by `;` or `||`), merged."""
    merged = ReadRange()
    for part in (p for p in RANGE_SEPARATORS.split(text or "") if p.strip()):
        read = read_github_range(ecosystem, part)
        merged.problems += read.problems
        merged.versions += read.versions
        merged.ranges += read.ranges
        merged.empty = merged.empty or read.empty
    return merged


def affects(ecosystem: str, events: Events, version: str) -> bool:
    """OSV's evaluation of one range for one version (the schema's algorithm)."""

    def key(event: dict[str, str]) -> Any:
        return sort_key(ecosystem, next(iter(event.values())))

    target = sort_key(ecosystem, version)
    limits = [sort_key(ecosystem, e["limit"]) for e in events if "limit" in e]
    if limits and not any(target < limit for limit in limits):
        return False
    affected = False
    for event in sorted((e for e in events if "limit" not in e), key=key):
        kind, value = next(iter(event.items()))
        bound = sort_key(ecosystem, value)
        if kind == "introduced" and target >= bound:
            affected = True
        elif (kind == "fixed" and target >= bound) or (kind == "last_affected" and target > bound):
            affected = False
    return affected


__all__ = ["ReadRange", "VersionError", "affects", "read_github_range", "read_ranges_text"]
