"""Editing affected packages: what a person types (form or command), checked and read.

The form and `/disclose affected` share this: one package is an ecosystem, a name, its
ranges in GitHub's grammar (one a line), the fixed versions and the links to the fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.advisory.ecosystems import OSV_ECOSYSTEMS, osv_ecosystem
from bot.advisory.model import AffectedPackage, range_phrase
from bot.advisory.ordering import check
from bot.advisory.ranges import clean_version, read_ranges_text

NAME_MAX = 200
MAX_PACKAGES = 10


@dataclass
class PackageInput:
    """One package as typed: every field a string, as the form holds it."""

    ecosystem: str = ""
    name: str = ""
    ranges: str = ""
    fixed: str = ""
    links: str = ""

    @property
    def blank(self) -> bool:
        return not any(v.strip() for v in (self.ecosystem, self.name, self.ranges, self.fixed))


def draft_of(package: AffectedPackage) -> PackageInput:
    """The package as the form shows it; text that never read stays, for a person to fix."""
    lines = [range_phrase(events, grammar=True) for events in package.ranges]
    lines += [f"= {v}" for v in package.versions if f"= {v}" not in lines]
    if package.note and package.range_text:
        lines = [package.range_text]
    return PackageInput(
        ecosystem=package.ecosystem,
        name=package.name,
        ranges="\n".join(lines),
        fixed=", ".join(package.fixed),
        links="\n".join(package.fix_links),
    )


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\n", ",").split(",") if p.strip()]


def read_package(typed: PackageInput) -> tuple[AffectedPackage | None, dict[str, str]]:
    """The package typed, or a plain-words problem for each field that is wrong
    (keys: ecosystem, name, ranges, fixed, links)."""
    problems: dict[str, str] = {}
    ecosystem = osv_ecosystem(typed.ecosystem)
    name = typed.name.strip()
    if ecosystem is None:
        problems["ecosystem"] = (
            f"`{typed.ecosystem.strip() or '(none)'}` is not an OSV ecosystem; use one of: "
            + ", ".join(OSV_ECOSYSTEMS)
            + "."
        )
    if not name:
        problems["name"] = "Name the package (for Maven `group:artifact`)."
    elif len(name) > NAME_MAX:
        problems["name"] = f"The package name is {len(name)} characters; at most {NAME_MAX}."
    elif ecosystem == "Maven" and ":" not in name:
        problems["name"] = "A Maven package is named `group:artifact`."
    if ecosystem is None:
        return None, problems
    read = read_ranges_text(ecosystem, typed.ranges)
    if read.problems:
        problems["ranges"] = " ".join(read.problems)
    elif not read.ranges and not read.versions and typed.ranges.strip():
        problems["ranges"] = "No affected version in these ranges."
    fixed = [clean_version(ecosystem, v) for v in _split(typed.fixed)]
    bad = [f"{v} ({check(ecosystem, v)})" for v in fixed if check(ecosystem, v)]
    if bad:
        problems["fixed"] = "Not versions of this ecosystem: " + "; ".join(bad)
    links = _split(typed.links)
    if any(not link.startswith("https://") for link in links):
        problems["links"] = "Links to the fix start with https:// (a commit or pull request)."
    if problems:
        return None, problems
    assert ecosystem is not None
    return (
        AffectedPackage(
            ecosystem=ecosystem,
            name=name,
            ranges=read.ranges,
            versions=read.versions,
            fixed=list(dict.fromkeys(fixed)),
            fix_links=list(dict.fromkeys(links)),
            range_text=typed.ranges.strip(),
        ),
        {},
    )


def describe(packages: list[AffectedPackage]) -> str:
    """One line per package, for a thread note or an answer."""
    if not packages:
        return "no affected packages"
    lines = []
    for p in packages:
        ranges = "; ".join(p.range_phrases()) or "no range yet"
        fixed = f", fixed in {', '.join(p.fixed)}" if p.fixed else ""
        lines.append(f"{p.name} ({p.ecosystem or 'no ecosystem'}) {ranges}{fixed}")
    return "\n".join(lines)
