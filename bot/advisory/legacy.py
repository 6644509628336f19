"""Reading the free-text advisory fields of older incidents into packages."""

from __future__ import annotations

from bot.advisory.ecosystems import osv_ecosystem
from bot.advisory.model import AffectedPackage
from bot.advisory.ordering import check, compare
from bot.advisory.ranges import RANGE_SEPARATORS, clean_version, read_github_range


def _pieces(text: str) -> list[str]:
    """Ranges in the text: GitHub's grammar per `;`/line, else one bound or version a comma."""
    pieces: list[str] = []
    for part in (p.strip() for p in RANGE_SEPARATORS.split(text or "") if p.strip()):
        bounds = [b.strip() for b in part.split(",") if b.strip()]
        lower = any(b.startswith(">") for b in bounds)
        upper = any(b.startswith("<") for b in bounds)
        pieces += [part] if lower and upper and len(bounds) == 2 else bounds
    return pieces


def package_from_text(
    ecosystem_word: str, name: str, affected: str, fixed: str
) -> tuple[AffectedPackage | None, str]:
    """The package the old fields describe, and a note of whatever could not be read."""
    ecosystem = osv_ecosystem(ecosystem_word) or ""
    if not name.strip() or not (affected.strip() or fixed.strip()):
        return None, ""
    package = AffectedPackage(ecosystem=ecosystem, name=name.strip(), range_text=affected.strip())
    unread: list[str] = []
    for piece in _pieces(affected):
        read = read_github_range(ecosystem, piece if piece[:1] in "<>=" else f"= {piece}")
        if read.problems:
            unread.append(piece)
        package.ranges += read.ranges
        package.versions += read.versions
    written = [v.strip() for v in fixed.replace(";", ",").split(",") if v.strip()]
    package.fixed = list(dict.fromkeys(clean_version(ecosystem, v) for v in written))
    bad_fixed = [v for v in package.fixed if check(ecosystem, v)]
    # An open range (">= 2.0") closed by the one fix recorded for it: the old export read it so.
    open_ranges = [r for r in package.ranges if len(r) == 1]
    if len(open_ranges) == 1 and len(package.fixed) == 1 and not bad_fixed:
        start = open_ranges[0][0]["introduced"]
        if compare(ecosystem, start, package.fixed[0]) < 0:
            open_ranges[0].append({"fixed": package.fixed[0]})
    note_parts = []
    if unread:
        note_parts.append("affected versions not read: " + "; ".join(unread))
    if bad_fixed:
        note_parts.append("fixed versions not read: " + ", ".join(bad_fixed))
    package.note = "; ".join(note_parts)
    return package, package.note
