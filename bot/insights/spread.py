"""Median and 90th percentile of a measure, and the samples behind them.

The median is the middle value (the mean of the two middle ones for an even count). The
90th percentile is by nearest rank: the smallest sample that at least 90% of the samples
do not exceed, i.e. the ceil(0.9 * n)-th smallest. It is always a time that really
happened, and with fewer than ten samples it is the longest one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta


def median(values: Sequence[timedelta]) -> timedelta | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile_90(values: Sequence[timedelta]) -> timedelta | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


@dataclass(frozen=True)
class Spread:
    """One measure over the incidents of a period.

    `calendar` and `business` hold one sample per incident that reached the milestone
    (in the same order); `pending` counts those still waiting for it at the end of the
    period, and `longest_pending` is the longest of those waits so far (calendar time).
    """

    calendar: tuple[timedelta, ...] = ()
    business: tuple[timedelta, ...] = ()
    pending: int = 0
    longest_pending: timedelta | None = None

    @property
    def count(self) -> int:
        return len(self.calendar)

    @property
    def median(self) -> timedelta | None:
        return median(self.calendar)

    @property
    def p90(self) -> timedelta | None:
        return percentile_90(self.calendar)

    @property
    def business_median(self) -> timedelta | None:
        return median(self.business)

    @property
    def business_p90(self) -> timedelta | None:
        return percentile_90(self.business)
