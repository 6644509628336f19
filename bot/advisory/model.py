"""The advisory's data: affected packages, credits and weaknesses, and their OSV shapes.

This is the API the exports (OSV, advisory.md, CVE records) build from:
`AffectedPackage.osv()`, `Credit.osv()`, `public_credits()`, `range_phrase()`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.advisory.ecosystems import SEMVER_ECOSYSTEMS, purl
from bot.advisory.ordering import is_semver
from bot.advisory.ranges import Events, affects

CWE_ID = re.compile(r"^CWE-[1-9]\d*$")
# OSV's credit types; GitHub's `credits_detailed[].type` words are these in lower case.
CREDIT_TYPES = (
    "FINDER",
    "REPORTER",
    "ANALYST",
    "COORDINATOR",
    "REMEDIATION_DEVELOPER",
    "REMEDIATION_REVIEWER",
    "REMEDIATION_VERIFIER",
    "TOOL",
    "SPONSOR",
    "OTHER",
)
CREDIT_STATES = ("accepted", "pending", "declined")
# The Kubernetes announcement thanks release managers; OSV credits them as OTHER.
RELEASE_MANAGER = {"RELEASE_MANAGER", "RELEASE_MANAGERS"}


@dataclass
class AffectedPackage:
    ecosystem: str  # OSV's name ("PyPI"); "" while nobody has said
    name: str
    ranges: list[Events] = field(default_factory=list)  # one OSV range per entry
    versions: list[str] = field(default_factory=list)  # affected versions named one by one
    fixed: list[str] = field(default_factory=list)  # the versions that carry the fix
    fix_links: list[str] = field(default_factory=list)  # commits or pull requests of the fix
    range_text: str = ""  # the ranges as written, kept for the reader
    note: str = ""  # what could not be read into ranges, in plain words

    @property
    def purl(self) -> str | None:
        return purl(self.ecosystem, self.name)

    @property
    def range_type(self) -> str:
        values = [v for events in self.ranges for e in events for v in e.values()]
        if self.ecosystem in SEMVER_ECOSYSTEMS and all(v == "0" or is_semver(v) for v in values):
            return "SEMVER"
        return "ECOSYSTEM"

    def affects(self, version: str) -> bool:
        if version in self.versions:
            return True
        return any(affects(self.ecosystem, events, version) for events in self.ranges)

    def osv(self) -> dict[str, Any]:
        """This package's entry of OSV `affected`."""
        package: dict[str, str] = {"ecosystem": self.ecosystem, "name": self.name}
        if self.purl:
            package["purl"] = self.purl
        entry: dict[str, Any] = {"package": package}
        if self.ranges:
            kind = self.range_type
            entry["ranges"] = [{"type": kind, "events": events} for events in self.ranges]
        if self.versions:
            entry["versions"] = list(self.versions)
        notes = {"ranges_as_written": self.range_text, "not_read": self.note}
        notes = {k: v for k, v in notes.items() if v}
        if notes:
            entry["database_specific"] = notes
        return entry

    def range_phrases(self) -> list[str]:
        """Each affected stretch in GitHub's words (`>= 12.0, < 12.6.7`)."""
        phrases = [range_phrase(events) for events in self.ranges]
        phrases += [f"= {v}" for v in self.versions if f"= {v}" not in phrases]
        if not phrases and self.range_text:
            phrases.append(self.range_text)
        return phrases


def range_phrase(events: Events, *, grammar: bool = False) -> str:
    """GitHub's words for one range; `grammar` writes ">= 0" for "all versions", so the
    phrase reads back through `read_github_range` unchanged."""
    if len(events) == 2 and events[0].get("introduced") == events[1].get("last_affected"):
        return f"= {events[0]['introduced']}"  # one version (how `= v` reads)
    parts = []
    for event in events:
        kind, value = next(iter(event.items()))
        if kind == "introduced" and (value != "0" or (grammar and len(events) == 1)):
            parts.append(f">= {value}")
        elif kind == "fixed":
            parts.append(f"< {value}")
        elif kind == "last_affected":
            parts.append(f"<= {value}")
        elif kind == "limit":
            parts.append(f"(limit {value})")
    return ", ".join(parts) or "all versions"


@dataclass
class Credit:
    name: str
    type: str = "OTHER"  # one of CREDIT_TYPES
    contact: str = ""  # an address or a profile URL
    state: str = "accepted"  # GitHub's credit state; only accepted ones leave the incident
    source: str = "team"  # "github" or "team"
    role: str = ""  # what OSV has no type for, in words ("release manager")

    @property
    def public(self) -> bool:
        return self.state == "accepted"

    def osv(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.contact:
            entry["contact"] = [self.contact]
        return entry


def public_credits(credits: list[Credit]) -> list[Credit]:
    """The credits that may be shown outside the incident: accepted ones, once each."""
    seen: set[tuple[str, str]] = set()
    found = []
    for credit in credits:
        key = (credit.name.lower(), credit.type)
        if credit.public and key not in seen:
            seen.add(key)
            found.append(credit)
    return found


def parse_credit_line(line: str) -> Credit | None:
    """A team-written credit: `Name <contact> (TYPE)`; contact and type optional."""
    line = line.strip(" -*•\t")
    if not line:
        return None
    kind, role = "OTHER", ""
    typed = re.search(r"\(([A-Za-z_ ]+)\)\s*$", line)
    word = typed[1].strip().upper().replace(" ", "_") if typed else ""
    if typed and (word in CREDIT_TYPES or word in RELEASE_MANAGER):
        kind = word if word in CREDIT_TYPES else "OTHER"
        role = "release manager" if word in RELEASE_MANAGER else ""
        line = line[: typed.start()].strip()
    contact = ""
    mailed = re.search(r"<([^>]+)>\s*$", line)
    if mailed:
        contact, line = mailed[1].strip(), line[: mailed.start()].strip()
    return Credit(name=line, type=kind, contact=contact, role=role) if line else None


def clean_cwes(values: list[str]) -> tuple[list[str], list[str]]:
    """CWE IDs in order without duplicates, and the values that are not CWE IDs."""
    good: list[str] = []
    bad: list[str] = []
    for value in values:
        value = value.strip().upper()
        if not value:
            continue
        if not value.startswith("CWE-") and value.isdigit():
            value = f"CWE-{value}"
        (good if CWE_ID.match(value) else bad).append(value)
    return list(dict.fromkeys(good)), bad
