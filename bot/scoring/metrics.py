"""The CVSS metric catalogue: every metric of CVSS 3.0, 3.1 and 4.0 in words.

Metrics and values are listed in the order of FIRST's specification documents, which is
also the order of a canonical vector string. Descriptions are short enough to serve as
input hints (at most 150 characters).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class Group(StrEnum):
    BASE = "base"
    TEMPORAL = "temporal"  # CVSS 3.x
    THREAT = "threat"  # CVSS 4.0
    ENVIRONMENTAL = "environmental"
    SUPPLEMENTAL = "supplemental"  # CVSS 4.0, never changes the score


NOT_DEFINED = "X"


@dataclass(frozen=True, slots=True)
class MetricValue:
    code: str
    label: str


@dataclass(frozen=True, slots=True)
class Metric:
    key: str
    name: str
    description: str
    group: Group
    values: tuple[MetricValue, ...]

    @property
    def required(self) -> bool:
        """Base metrics must be given for a score; the others default to Not Defined."""
        return self.group is Group.BASE

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(value.code for value in self.values)

    @property
    def title(self) -> str:
        """The name with its key, as errors and tables show it: "Attack Vector (AV)"."""
        return f"{self.name} ({self.key})"

    def label(self, code: str) -> str:
        for value in self.values:
            if value.code == code:
                return value.label
        raise KeyError(f"{self.key} has no value {code!r}")

    def allowed_text(self) -> str:
        """The allowed values in words: "N (Network), A (Adjacent), L (Local), P (Physical)"."""
        return ", ".join(f"{value.code} ({value.label})" for value in self.values)


@dataclass(frozen=True)
class Catalogue:
    """All metrics of one CVSS version, in canonical order."""

    version: str
    metrics: tuple[Metric, ...]
    by_key: MappingProxyType[str, Metric] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_key", MappingProxyType({m.key: m for m in self.metrics}))

    @property
    def prefix(self) -> str:
        return f"CVSS:{self.version}"

    @property
    def base(self) -> tuple[Metric, ...]:
        return self.group(Group.BASE)

    @property
    def advanced(self) -> tuple[Metric, ...]:
        """Everything behind the "Advanced" step: all metrics but the base ones."""
        return tuple(m for m in self.metrics if m.group is not Group.BASE)

    def group(self, group: Group) -> tuple[Metric, ...]:
        return tuple(m for m in self.metrics if m.group is group)

    def groups(self) -> tuple[Group, ...]:
        return tuple(dict.fromkeys(m.group for m in self.metrics))


def _values(*pairs: str) -> tuple[MetricValue, ...]:
    """_values("N=Network", "A=Adjacent") -> MetricValue tuples, in the order given."""
    return tuple(MetricValue(*pair.split("=", 1)) for pair in pairs)


def _modified(metric: Metric, description: str, values: tuple[MetricValue, ...] = ()) -> Metric:
    """The environmental twin of a base metric: same values plus Not Defined first."""
    return Metric(
        key="M" + metric.key,
        name="Modified " + metric.name,
        description=description,
        group=Group.ENVIRONMENTAL,
        values=(MetricValue(NOT_DEFINED, "Not Defined"), *(values or metric.values)),
    )


def _requirement(key: str, aspect: str) -> Metric:
    return Metric(
        key=key,
        name=f"{aspect} Requirement",
        description=f"How much the {aspect.lower()} of the affected system matters to the "
        "organisation running it, relative to other impacts.",
        group=Group.ENVIRONMENTAL,
        values=_values("X=Not Defined", "H=High", "M=Medium", "L=Low"),
    )


HIGH_LOW_NONE = _values("H=High", "L=Low", "N=None")
_AS_DEPLOYED = "as it applies where the system is deployed; Not Defined keeps the base value."

# --- CVSS 3.0 and 3.1 -----------------------------------------------------------------

_V3_BASE = (
    Metric(
        "AV",
        "Attack Vector",
        "How close the attacker must be: anywhere on the network, on the same local network, "
        "logged in locally, or touching the device.",
        Group.BASE,
        _values("N=Network", "A=Adjacent", "L=Local", "P=Physical"),
    ),
    Metric(
        "AC",
        "Attack Complexity",
        "Conditions outside the attacker's control that must hold for the attack to work, "
        "such as winning a race or learning a secret.",
        Group.BASE,
        _values("L=Low", "H=High"),
    ),
    Metric(
        "PR",
        "Privileges Required",
        "The privileges the attacker must already hold before the attack.",
        Group.BASE,
        _values("N=None", "L=Low", "H=High"),
    ),
    Metric(
        "UI",
        "User Interaction",
        "Whether someone other than the attacker must do something, such as open a file or "
        "click a link, for the attack to succeed.",
        Group.BASE,
        _values("N=None", "R=Required"),
    ),
    Metric(
        "S",
        "Scope",
        "Whether the impact reaches components beyond the vulnerable one's security authority, "
        "as in a sandbox or VM escape.",
        Group.BASE,
        _values("U=Unchanged", "C=Changed"),
    ),
    Metric(
        "C",
        "Confidentiality",
        "How much data the attacker can read: everything, some, or nothing.",
        Group.BASE,
        HIGH_LOW_NONE,
    ),
    Metric(
        "I",
        "Integrity",
        "How much data or behaviour the attacker can change: anything, some, or nothing.",
        Group.BASE,
        HIGH_LOW_NONE,
    ),
    Metric(
        "A",
        "Availability",
        "How far the attacker can deny service: fully, partly, or not at all.",
        Group.BASE,
        HIGH_LOW_NONE,
    ),
)

_V3_TEMPORAL = (
    Metric(
        "E",
        "Exploit Code Maturity",
        "How far exploit code has come today, from none known to reliable, widely available "
        "exploits.",
        Group.TEMPORAL,
        _values("X=Not Defined", "H=High", "F=Functional", "P=Proof-of-Concept", "U=Unproven"),
    ),
    Metric(
        "RL",
        "Remediation Level",
        "The best remedy available today: none, a workaround, a temporary fix, or an official fix.",
        Group.TEMPORAL,
        _values(
            "X=Not Defined", "U=Unavailable", "W=Workaround", "T=Temporary Fix", "O=Official Fix"
        ),
    ),
    Metric(
        "RC",
        "Report Confidence",
        "How sure we are that the vulnerability exists and that its technical details are right.",
        Group.TEMPORAL,
        _values("X=Not Defined", "C=Confirmed", "R=Reasonable", "U=Unknown"),
    ),
)


def _v3_environmental() -> tuple[Metric, ...]:
    base = {m.key: m for m in _V3_BASE}
    return (
        _requirement("CR", "Confidentiality"),
        _requirement("IR", "Integrity"),
        _requirement("AR", "Availability"),
        *(
            _modified(base[key], f"{base[key].name} {_AS_DEPLOYED}")
            for key in ("AV", "AC", "PR", "UI", "S", "C", "I", "A")
        ),
    )


CVSS31 = Catalogue("3.1", (*_V3_BASE, *_V3_TEMPORAL, *_v3_environmental()))


def _v30_label(metric: Metric) -> Metric:
    # CVSS 3.0 calls the adjacent attack vector "Adjacent Network"; 3.1 shortened it.
    if metric.key not in ("AV", "MAV"):
        return metric
    values = tuple(
        MetricValue(v.code, "Adjacent Network" if v.code == "A" else v.label) for v in metric.values
    )
    return Metric(metric.key, metric.name, metric.description, metric.group, values)


CVSS30 = Catalogue("3.0", tuple(_v30_label(m) for m in CVSS31.metrics))

# --- CVSS 4.0 -------------------------------------------------------------------------

_V4_BASE = (
    Metric(
        "AV",
        "Attack Vector",
        "How close the attacker must be: anywhere on the network, on the same local network, "
        "logged in locally, or touching the device.",
        Group.BASE,
        _values("N=Network", "A=Adjacent", "L=Local", "P=Physical"),
    ),
    Metric(
        "AC",
        "Attack Complexity",
        "Whether the attacker must defeat built-in defences such as ASLR or learn a secret "
        "key before the attack can work.",
        Group.BASE,
        _values("L=Low", "H=High"),
    ),
    Metric(
        "AT",
        "Attack Requirements",
        "Whether the attack depends on deployment or run-time conditions of the vulnerable "
        "system, such as a race or a particular setup.",
        Group.BASE,
        _values("N=None", "P=Present"),
    ),
    Metric(
        "PR",
        "Privileges Required",
        "The privileges the attacker must already hold before the attack.",
        Group.BASE,
        _values("N=None", "L=Low", "H=High"),
    ),
    Metric(
        "UI",
        "User Interaction",
        "Whether a person other than the attacker must take part: not at all, without "
        "knowing it (passive), or deliberately (active).",
        Group.BASE,
        _values("N=None", "P=Passive", "A=Active"),
    ),
    Metric(
        "VC",
        "Vulnerable System Confidentiality",
        "How much data of the vulnerable system itself the attacker can read.",
        Group.BASE,
        HIGH_LOW_NONE,
    ),
    Metric(
        "VI",
        "Vulnerable System Integrity",
        "How much data or behaviour of the vulnerable system itself the attacker can change.",
        Group.BASE,
        HIGH_LOW_NONE,
    ),
    Metric(
        "VA",
        "Vulnerable System Availability",
        "How far the attacker can deny service of the vulnerable system itself.",
        Group.BASE,
        HIGH_LOW_NONE,
    ),
    Metric(
        "SC",
        "Subsequent System Confidentiality",
        "How much data of other systems, reached through the vulnerable one, the attacker "
        "can read.",
        Group.BASE,
        HIGH_LOW_NONE,
    ),
    Metric(
        "SI",
        "Subsequent System Integrity",
        "How much data or behaviour of other systems, reached through the vulnerable one, "
        "the attacker can change.",
        Group.BASE,
        HIGH_LOW_NONE,
    ),
    Metric(
        "SA",
        "Subsequent System Availability",
        "How far the attacker can deny service of other systems reached through the "
        "vulnerable one.",
        Group.BASE,
        HIGH_LOW_NONE,
    ),
)

_V4_THREAT = (
    Metric(
        "E",
        "Exploit Maturity",
        "How likely an attack is, from what is known today: attacks seen, public proof of "
        "concept, or neither.",
        Group.THREAT,
        _values("X=Not Defined", "A=Attacked", "P=POC", "U=Unreported"),
    ),
)


def _v4_environmental() -> tuple[Metric, ...]:
    base = {m.key: m for m in _V4_BASE}
    negligible = _values("H=High", "L=Low", "N=Negligible")
    with_safety = _values("S=Safety", "H=High", "L=Low", "N=Negligible")
    safety_note = " Safety: exploitation could hurt people."
    return (
        _requirement("CR", "Confidentiality"),
        _requirement("IR", "Integrity"),
        _requirement("AR", "Availability"),
        *(
            _modified(base[key], f"{base[key].name} {_AS_DEPLOYED}")
            for key in ("AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA")
        ),
        _modified(base["SC"], f"{base['SC'].name} {_AS_DEPLOYED}", negligible),
        _modified(base["SI"], f"{base['SI'].name} {_AS_DEPLOYED}{safety_note}", with_safety),
        _modified(base["SA"], f"{base['SA'].name} {_AS_DEPLOYED}{safety_note}", with_safety),
    )


_V4_SUPPLEMENTAL = (
    Metric(
        "S",
        "Safety",
        "Whether exploitation could plausibly injure people (IEC 61508 consequence "
        "categories). Does not change the score.",
        Group.SUPPLEMENTAL,
        _values("X=Not Defined", "N=Negligible", "P=Present"),
    ),
    Metric(
        "AU",
        "Automatable",
        "Whether an attacker can automate the attack across many targets. Does not change "
        "the score.",
        Group.SUPPLEMENTAL,
        _values("X=Not Defined", "N=No", "Y=Yes"),
    ),
    Metric(
        "R",
        "Recovery",
        "How the system recovers after an attack: by itself, with a person's help, or not "
        "at all. Does not change the score.",
        Group.SUPPLEMENTAL,
        _values("X=Not Defined", "A=Automatic", "U=User", "I=Irrecoverable"),
    ),
    Metric(
        "V",
        "Value Density",
        "What one successful attack yields: a little (diffuse) or a lot (concentrated). Does "
        "not change the score.",
        Group.SUPPLEMENTAL,
        _values("X=Not Defined", "D=Diffuse", "C=Concentrated"),
    ),
    Metric(
        "RE",
        "Vulnerability Response Effort",
        "How hard it is for users to respond to the vulnerability. Does not change the score.",
        Group.SUPPLEMENTAL,
        _values("X=Not Defined", "L=Low", "M=Moderate", "H=High"),
    ),
    Metric(
        "U",
        "Provider Urgency",
        "The urgency the supplier assigns, on a traffic-light scale. Does not change the score.",
        Group.SUPPLEMENTAL,
        _values("X=Not Defined", "Clear=Clear", "Green=Green", "Amber=Amber", "Red=Red"),
    ),
)

CVSS40 = Catalogue("4.0", (*_V4_BASE, *_V4_THREAT, *_v4_environmental(), *_V4_SUPPLEMENTAL))

CATALOGUES: MappingProxyType[str, Catalogue] = MappingProxyType(
    {c.version: c for c in (CVSS30, CVSS31, CVSS40)}
)
VERSIONS: tuple[str, ...] = tuple(CATALOGUES)
DEFAULT_VERSION = "3.1"


def catalogue(version: str) -> Catalogue:
    """The catalogue of "3.0", "3.1" or "4.0"; KeyError for anything else."""
    return CATALOGUES[version]
