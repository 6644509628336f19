"""Ecosystem names: GitHub's words, OSV's names, and the purl type of each."""

from __future__ import annotations

from urllib.parse import quote

# GitHub's advisory ecosystems (REST `package.ecosystem`) as OSV names them.
GITHUB_TO_OSV = {
    "pip": "PyPI",
    "maven": "Maven",
    "rubygems": "RubyGems",
    "go": "Go",
    "rust": "crates.io",
    "composer": "Packagist",
    "nuget": "NuGet",
    "actions": "GitHub Actions",
    "pub": "Pub",
    "erlang": "Hex",
    "swift": "SwiftURL",
    "npm": "npm",
}
# The ecosystems a team picks from (OSV's spelling); the OSV schema lists more.
OSV_ECOSYSTEMS = (
    "Go",
    "PyPI",
    "npm",
    "Maven",
    "crates.io",
    "RubyGems",
    "NuGet",
    "Packagist",
    "Hex",
    "Pub",
    "SwiftURL",
    "GitHub Actions",
    "Kubernetes",
)
# OSV ecosystems whose versions are SemVer 2 (their ranges are SEMVER ranges).
SEMVER_ECOSYSTEMS = frozenset({"npm", "Go", "crates.io"})
PURL_TYPES = {
    "PyPI": "pypi",
    "Maven": "maven",
    "RubyGems": "gem",
    "Go": "golang",
    "crates.io": "cargo",
    "Packagist": "composer",
    "NuGet": "nuget",
    "GitHub Actions": "github",
    "Pub": "pub",
    "Hex": "hex",
    "SwiftURL": "swift",
    "npm": "npm",
}


def osv_ecosystem(word: str) -> str | None:
    """OSV's name for an ecosystem written either GitHub's way or OSV's; None if unknown."""
    word = (word or "").strip()
    if word in OSV_ECOSYSTEMS:
        return word
    lowered = word.lower()
    if lowered in GITHUB_TO_OSV:
        return GITHUB_TO_OSV[lowered]
    for name in OSV_ECOSYSTEMS:
        if name.lower() == lowered:
            return name
    return None


def _split_last(name: str, separator: str) -> tuple[str, str]:
    namespace, _, last = name.rpartition(separator)
    return namespace, last


def purl(ecosystem: str, name: str) -> str | None:
    """The package URL (purl spec) of a package, without a version; None where none forms."""
    kind = PURL_TYPES.get(ecosystem)
    name = name.strip()
    if kind is None or not name:
        return None
    if ecosystem == "Maven":
        group, _, artifact = name.partition(":")
        if not group or not artifact:
            return None
        return f"pkg:maven/{quote(group)}/{quote(artifact)}"
    if ecosystem == "PyPI":
        # PyPI names are case-insensitive and "_" equals "-" (purl spec, pypi type).
        return f"pkg:pypi/{quote(name.lower().replace('_', '-'))}"
    if ecosystem in ("npm", "Packagist", "Go", "GitHub Actions", "SwiftURL"):
        namespace, last = _split_last(name, "/")
        if ecosystem == "Packagist" and not namespace:
            return None
        path = "/".join(quote(part, safe="") for part in namespace.split("/")) if namespace else ""
        # npm scopes keep their "@", percent-encoded as the spec shows ("%40scope").
        return f"pkg:{kind}/" + (f"{path}/" if path else "") + quote(last, safe="")
    return f"pkg:{kind}/{quote(name, safe='')}"
