"""CVSS 3.0 temporal and environmental scores as FIRST's 3.0 calculator shows them.

FIRST's 3.0 calculator rounds up with `Math.ceil(x * 10) / 10` on binary floating-point
numbers, so a product such as 10.0 x 0.92 = 9.200000000000001 is rounded up to 9.3, where
exact arithmetic (and the `cvss` library, which uses decimals) gives 9.2. CVSS 3.1 replaced
that rounding; its calculator and the library agree on every vector. To show 3.0 scores
exactly as FIRST's calculator does, the two 3.0 scores built on such products are computed
again here with the calculator's floating-point steps, from the library's own weights.
Base scores never differ, so they stay the library's.
"""

from __future__ import annotations

import math

from cvss import CVSS3

_SCOPE_WEIGHT = {"U": 6.42, "C": 7.52}


def _round_up(value: float) -> float:
    return math.ceil(value * 10) / 10


def temporal_and_environmental(parsed: CVSS3) -> tuple[float, float]:
    """The temporal and environmental scores of a CVSS:3.0 vector, float for float."""

    def weight(key: str) -> float:
        return float(parsed.get_value(key))  # Decimal("0.62") -> the double 0.62, as in JS

    exploit, remediation, confidence = weight("E"), weight("RL"), weight("RC")
    temporal = _round_up(float(parsed.base_score) * exploit * remediation * confidence)

    scope = parsed.modified_scope
    exploitability = 8.22 * weight("MAV") * weight("MAC") * weight("MPR") * weight("MUI")
    impact_base = min(
        1
        - (
            (1 - weight("MC") * weight("CR"))
            * (1 - weight("MI") * weight("IR"))
            * (1 - weight("MA") * weight("AR"))
        ),
        0.915,
    )
    if scope == "U":
        impact = _SCOPE_WEIGHT[scope] * impact_base
        capped = min(impact + exploitability, 10)
    else:
        impact = _SCOPE_WEIGHT[scope] * (impact_base - 0.029) - 3.25 * (impact_base - 0.02) ** 15
        capped = min(1.08 * (impact + exploitability), 10)
    if impact <= 0:
        return temporal, 0.0
    environmental = _round_up(_round_up(capped) * exploit * remediation * confidence)
    return temporal, environmental
