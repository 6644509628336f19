"""Each deadline kind's record over a period: met on time, met late, missed (see report)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.deadline.model import LABELS, DeadlineKind
from bot.incident.models import Incident
from bot.insights.period import Period
from bot.insights.spread import median
from bot.reminder.models import DeadlineRow, DeadlineState

KIND_ORDER = tuple(kind.value for kind in DeadlineKind)


@dataclass(frozen=True)
class HitRate:
    """One deadline kind's record over the period; `lateness` has one entry per late or
    missed deadline."""

    kind: str
    on_time: int = 0
    late: int = 0
    missed: int = 0
    lateness: tuple[timedelta, ...] = ()

    @property
    def label(self) -> str:
        known = {kind.value: text for kind, text in LABELS.items()}
        return known.get(self.kind, self.kind.replace("_", " ").capitalize())

    @property
    def total(self) -> int:
        return self.on_time + self.late + self.missed

    @property
    def rate(self) -> float | None:
        """The share met on time, from 0 to 1."""
        return self.on_time / self.total if self.total else None

    @property
    def median_lateness(self) -> timedelta | None:
        return median(self.lateness)

    @property
    def worst_lateness(self) -> timedelta | None:
        return max(self.lateness) if self.lateness else None


def hit_rates(session: Session, period: Period) -> list[HitRate]:
    rows = session.execute(
        select(
            DeadlineRow.kind,
            DeadlineRow.due_at,
            DeadlineRow.met_at,
            DeadlineRow.status,
            DeadlineRow.missed_at,
            Incident.closed_at,
        )
        .join(Incident, Incident.id == DeadlineRow.incident_id)
        .where(DeadlineRow.due_at >= period.since, DeadlineRow.due_at < period.until)
    ).all()
    tallies: dict[str, dict[str, int]] = defaultdict(Counter)
    lateness: dict[str, list[timedelta]] = defaultdict(list)
    for kind, due_at, met, status, missed_at, closed_at in rows:
        if met is not None and met < period.until:
            if met <= due_at:
                tallies[kind]["on_time"] += 1
            else:
                tallies[kind]["late"] += 1
                lateness[kind].append(met - due_at)
        elif status == DeadlineState.DROPPED.value and missed_at is None:
            continue  # stopped applying before it was due: not owed
        else:
            tallies[kind]["missed"] += 1
            ended = min(closed_at, period.until) if closed_at is not None else period.until
            lateness[kind].append(max(ended - due_at, timedelta(0)))
    order = {kind: index for index, kind in enumerate(KIND_ORDER)}
    return [
        HitRate(
            kind,
            on_time=tallies[kind]["on_time"],
            late=tallies[kind]["late"],
            missed=tallies[kind]["missed"],
            lateness=tuple(sorted(lateness[kind])),
        )
        for kind in sorted(tallies, key=lambda kind: (order.get(kind, len(order)), kind))
    ]
