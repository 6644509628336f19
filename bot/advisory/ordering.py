"""Each ecosystem's own version order: SemVer 2, PEP 440, and a dotted order for the rest.

OSV compares the versions of an ECOSYSTEM range the way the ecosystem does; this module
is the bot's stand-in, used to keep events ordered and to check a version against a range.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from packaging.version import InvalidVersion, Version

from bot.advisory.ecosystems import SEMVER_ECOSYSTEMS

SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)
# Qualifiers that come after the plain release in Maven's order; every other word before.
AFTER_RELEASE = {"sp", "post", "patch", "pl", "p"}
# Words that name the release itself (Maven's 1.0.Final, 1.0-GA, 1.0.RELEASE).
RELEASE_WORDS = {"final", "ga", "release"}


class VersionError(ValueError):
    """A version this ecosystem cannot order."""


def is_semver(version: str) -> bool:
    return bool(SEMVER.match(version))


def _semver_key(version: str) -> tuple[Any, ...]:
    found = SEMVER.match(version)
    if not found:
        raise VersionError(f"{version!r} is not a SemVer 2 version (MAJOR.MINOR.PATCH)")
    core = tuple(int(found[i]) for i in (1, 2, 3))
    if found[4] is None:
        # A release outranks every pre-release of the same core.
        return (core, 1, ())
    parts = []
    for part in found[4].split("."):
        # Numeric identifiers sort before alphanumeric ones, numerically among themselves.
        parts.append((0, int(part), "") if part.isdigit() else (1, 0, part))
    return (core, 0, tuple(parts))


def _pep440_key(version: str) -> Version:
    try:
        return Version(version)
    except InvalidVersion:
        raise VersionError(f"{version!r} is not a PEP 440 version") from None


def _dotted_key(version: str) -> tuple[Any, ...]:
    """Numbers compare as numbers, trailing zeros do not count ("12.0" is "12.0.0"), and a
    word such as rc, beta or SNAPSHOT makes a pre-release of the numbers before it."""
    tokens = re.findall(r"\d+|[A-Za-z]+", version)
    if not tokens or not tokens[0].isdigit():
        raise VersionError(f"{version!r} does not start with a number")
    numbers: list[int] = []
    rest = tokens
    while rest and rest[0].isdigit():
        numbers.append(int(rest[0]))
        rest = rest[1:]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    if rest and rest[0].lower() in RELEASE_WORDS and len(rest) == 1:
        rest = []
    if not rest:
        return (tuple(numbers), 1, ())
    word = rest[0].lower()
    tail = tuple((0, int(t), "") if t.isdigit() else (1, 0, t.lower()) for t in rest[1:])
    rank = 2 if word in AFTER_RELEASE else 0
    return (tuple(numbers), rank, ((1, 0, word), *tail))


def sort_key(ecosystem: str, version: str) -> Any:
    """A key that orders versions of this ecosystem; "0" is below every version."""
    if version == "0":
        return (0, ())
    if ecosystem in SEMVER_ECOSYSTEMS:
        return (1, _semver_key(version))
    if ecosystem == "PyPI":
        return (1, _pep440_key(version))
    return (1, _dotted_key(version))


def compare(ecosystem: str, left: str, right: str) -> int:
    a, b = sort_key(ecosystem, left), sort_key(ecosystem, right)
    return int(a > b) - int(a < b)


def sorted_versions(ecosystem: str, versions: list[str]) -> list[str]:
    def order(left: str, right: str) -> int:
        return compare(ecosystem, left, right)

    return sorted(versions, key=functools.cmp_to_key(order))


def check(ecosystem: str, version: str) -> str | None:
    """A plain-words problem with the version, or None when the ecosystem can order it."""
    try:
        sort_key(ecosystem, version)
    except VersionError as error:
        return str(error)
    return None


def semver_successor(version: str) -> str:
    """The lowest SemVer version above `version` (for GitHub's `> v`), exactly.

    After a release X.Y.Z comes X.Y.(Z+1)-0; after a pre-release, the same pre-release
    with one more identifier ".0". Build metadata does not count in SemVer order.
    """
    found = SEMVER.match(version)
    if not found:
        raise VersionError(f"{version!r} is not a SemVer 2 version (MAJOR.MINOR.PATCH)")
    major, minor, patch = (int(found[i]) for i in (1, 2, 3))
    if found[4] is None:
        return f"{major}.{minor}.{patch + 1}-0"
    return f"{major}.{minor}.{patch}-{found[4]}.0"
