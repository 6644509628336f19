"""Reading the version text people type ("<= 1.28.3, 1.29.0") into OSV range events."""

from __future__ import annotations

import re
from dataclasses import dataclass

VERSION = r"v?\d+(?:\.\d+)*(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?"
BOUND = re.compile(rf"^(>=|<=|>|<|=)?\s*({VERSION})$")
SPAN = re.compile(rf"^({VERSION})\s*(?:-|–|to)\s*({VERSION})$")
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
SEPARATORS = re.compile(r"\s*(?:,|;|\n|\band\b|\|\|)\s*")


@dataclass(frozen=True)
class Bound:
    op: str  # ">=", ">", "<=", "<" or "=" (a single version)
    version: str


def clean(version: str) -> str:
    """OSV versions carry no leading v (SEMVER ranges forbid it)."""
    return version[1:] if version[:1] in ("v", "V") and version[1:2].isdigit() else version


def parse_affected(text: str) -> tuple[list[Bound], list[str]]:
    """Bounds understood, and the pieces that were not (kept for the reader, not guessed)."""
    bounds: list[Bound] = []
    unread: list[str] = []
    for piece in (p.strip() for p in SEPARATORS.split(text or "")):
        if not piece:
            continue
        span = SPAN.match(piece)
        if span:
            bounds += [Bound(">=", clean(span[1])), Bound("<=", clean(span[2]))]
            continue
        found = BOUND.match(piece)
        if found:
            bounds.append(Bound(found[1] or "=", clean(found[2])))
        else:
            unread.append(piece)
    return bounds, unread


def parse_versions(text: str) -> list[str]:
    """A plain list of versions ("1.28.4, v1.29.1"), in order, without duplicates."""
    found = [clean(p.strip()) for p in SEPARATORS.split(text or "") if p.strip()]
    return list(dict.fromkeys(v for v in found if re.fullmatch(VERSION, v)))


def sort_key(version: str) -> tuple[tuple[int, ...], str]:
    core, _, rest = version.partition("-")
    numbers = tuple(int(n) for n in re.findall(r"\d+", core))
    # A pre-release sorts before its release: "" (release) must come after any suffix.
    return numbers, rest or "~"


def _branch(version: str) -> tuple[int, ...]:
    return sort_key(version)[0][:2]


def _opening(starts: list[str], upper: str, previous: str | None, inclusive: bool) -> str:
    """Where the affected stretch that ends at `upper` begins.

    The lowest version named as affected between the previous stretch's end and `upper`;
    failing that "0" for the first stretch, or the .0 release of `upper`'s branch.
    """
    below = [
        v
        for v in starts
        if (sort_key(v) <= sort_key(upper) if inclusive else sort_key(v) < sort_key(upper))
        and (previous is None or sort_key(v) > sort_key(previous))
    ]
    if below:
        return min(below, key=sort_key)
    if previous is None:
        return "0"
    return ".".join(str(n) for n in _branch(upper)) + ".0"


def range_events(affected: str, fixed: str) -> list[dict[str, str]]:
    """introduced/fixed (or last_affected) events, one pair per affected stretch.

    Each fixed version ends a stretch; with nothing fixed yet, each `<=` bound is the last
    affected version of one.
    """
    bounds, _ = parse_affected(affected)
    starts = [b.version for b in bounds if b.op in (">=", ">", "=")]
    fixes = sorted(parse_versions(fixed), key=sort_key)
    if fixes:
        ends, kind = fixes, "fixed"
    else:
        ends = sorted((b.version for b in bounds if b.op == "<="), key=sort_key)
        kind = "last_affected"
    events: list[dict[str, str]] = []
    previous: str | None = None
    for upper in ends:
        opening = _opening(starts, upper, previous, inclusive=kind == "last_affected")
        events += [{"introduced": opening}, {kind: upper}]
        previous = upper
    return events


def is_semver(version: str) -> bool:
    return version == "0" or bool(SEMVER.match(version))


def listed_versions(affected: str) -> list[str]:
    """Single versions named as affected ("1.29.0"), for OSV's `versions` list."""
    bounds, _ = parse_affected(affected)
    return [b.version for b in bounds if b.op == "="]
