"""A year of disclosures (2025), written straight to the tables, for the insights tests.

Twelve incidents reported in 2025 (the letters A to L, one each month, every one on a
Monday at 10:00 UTC), one reported in December 2024 that runs into the year (Z0) and one
from January 2026 (Z1). The tests compute the expected figures by hand from the table
below; keep both in step.

Times are written as offsets from the report where that reads more easily. Every
incident has a title, description and reporter of its own, so a leak scan can look for
them in whatever the bot sends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.database import Database
from bot.incident.models import Incident
from bot.lead.models import LeadOffer
from bot.reminder.models import DeadlineRow
from bot.timeline.models import TimelineEvent

H = timedelta(hours=1)
D = timedelta(days=1)


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@dataclass
class Offer:
    who: str  # a key of the people mapping
    status: str  # accepted, passed, expired
    answered: datetime
    kind: str = "rotation"


@dataclass
class Due:
    kind: str
    due: datetime
    status: str  # met_on_time, met_late, open, dropped
    met: datetime | None = None
    missed: bool = False


@dataclass
class Past:
    key: str
    reported: datetime
    severity: str | None
    source: str
    acknowledged: datetime | None = None
    fix_ready: datetime | None = None
    notified: datetime | None = None  # distributors notified: the embargo starts
    made_public: datetime | None = None
    released: datetime | None = None
    disclosed: datetime | None = None
    closed: datetime | None = None
    resolution: str | None = None
    offers: list[Offer] = field(default_factory=list)
    deadlines: list[Due] = field(default_factory=list)


def _ack(report: datetime, after: timedelta) -> tuple[datetime, Due]:
    """Acknowledged `after` the report; the policy wants it within one business day."""
    met = report + after
    status = "met_on_time" if met <= report + D else "met_late"
    return met, Due("acknowledge", report + D, status, met, missed=status == "met_late")


def history() -> list[Past]:
    a = at(2025, 1, 6)
    b = at(2025, 2, 3)
    c = at(2025, 3, 3)
    d = at(2025, 4, 7)
    e = at(2025, 5, 5)
    f = at(2025, 6, 2)
    g = at(2025, 7, 7)
    h = at(2025, 8, 4)
    i = at(2025, 9, 1)
    j = at(2025, 10, 6)
    k = at(2025, 11, 3)
    m = at(2025, 12, 1)  # incident L
    z0 = at(2024, 12, 16)
    acks = {key: _ack(report, after) for key, report, after in (
        ("A", a, 2 * H), ("B", b, D), ("C", c, 2 * H), ("D", d, D), ("E", e, 2 * H),
        ("F", f, 3 * D), ("G", g, 2 * H), ("H", h, 2 * H), ("I", i, D), ("J", j, 2 * H),
        ("L", m, 2 * H),
    )}  # fmt: skip
    return [
        Past(
            "A", a, "Critical", "hackerone",
            acknowledged=acks["A"][0], fix_ready=a + 4 * D, notified=a + 7 * D,
            disclosed=a + 14 * D, closed=a + 15 * D, resolution="fixed",
            offers=[Offer("alice", "accepted", a + H)],
            deadlines=[
                acks["A"][1],
                Due("fix_ready", a + 7 * D, "met_on_time", a + 4 * D),
                Due("public_disclosure", a + 14 * D, "met_on_time", a + 14 * D),
            ],
        ),
        Past(
            "B", b, "Critical", "github",
            acknowledged=acks["B"][0], fix_ready=b + 7 * D, released=b + 8 * D,
            disclosed=b + 9 * D, closed=b + 10 * D, resolution="fixed",
            offers=[Offer("bob", "accepted", b + 2 * H)],
            deadlines=[acks["B"][1], Due("lead_assigned", b + D, "met_on_time", b + 2 * H)],
        ),
        Past(
            "C", c, "High", "email",
            acknowledged=acks["C"][0], fix_ready=c + 14 * D, notified=c + 14 * D,
            made_public=c + 16 * D, disclosed=c + 21 * D, closed=c + 22 * D,
            resolution="fixed",
            offers=[Offer("alice", "accepted", c + 3 * H)],
            deadlines=[
                acks["C"][1],
                Due("fix_ready", c + 7 * D, "met_late", c + 14 * D, missed=True),
            ],
        ),
        Past(
            "D", d, "High", "hackerone",
            acknowledged=acks["D"][0], released=d + 21 * D, disclosed=d + 28 * D,
            closed=d + 29 * D, resolution="fixed",
            offers=[
                Offer("bob", "passed", d + H),
                Offer("alice", "expired", d + 5 * H),
                Offer("carol", "accepted", d + 5 * H, kind="volunteer"),
            ],
            deadlines=[acks["D"][1]],
        ),
        Past(
            "E", e, "Medium", "email",
            acknowledged=acks["E"][0], closed=e + 3 * D, resolution="not_a_vulnerability",
            offers=[Offer("bob", "accepted", e + H)],
            deadlines=[acks["E"][1], Due("fix_ready", e + 14 * D, "dropped")],
        ),
        Past(
            "F", f, "Medium", "internal",
            acknowledged=acks["F"][0], fix_ready=f + 7 * D, closed=f + 10 * D,
            resolution="fixed",
            offers=[Offer("alice", "accepted", f + 2 * H)],
            deadlines=[acks["F"][1]],
        ),
        Past(
            "G", g, "Low", "other",
            acknowledged=acks["G"][0], fix_ready=g + 28 * D, closed=g + 30 * D,
            resolution="fixed",
            offers=[Offer("carol", "accepted", g + 4 * H)],
            deadlines=[
                acks["G"][1],
                Due("fix_ready", g + 14 * D, "met_late", g + 28 * D, missed=True),
            ],
        ),
        Past(
            "H", h, None, "email",
            acknowledged=acks["H"][0], closed=h + D, resolution="duplicate",
            deadlines=[acks["H"][1], Due("fix_ready", h + D - H, "dropped", missed=True)],
        ),
        Past(
            "I", i, "High", "github",
            acknowledged=acks["I"][0], fix_ready=i + 7 * D, notified=i + 7 * D,
            disclosed=at(2026, 1, 12),  # still under embargo when 2025 ends
            offers=[Offer("bob", "accepted", i + 2 * H)],
            deadlines=[
                acks["I"][1],
                Due("public_disclosure", at(2025, 12, 15), "met_late", at(2026, 1, 12), True),
            ],
        ),
        Past(
            "J", j, "Critical", "hackerone",
            acknowledged=acks["J"][0], fix_ready=j + 4 * D, notified=j + 4 * D,
            disclosed=j + 7 * D, closed=j + 8 * D, resolution="fixed",
            offers=[Offer("alice", "accepted", j + H)],
            deadlines=[
                acks["J"][1],
                Due("public_disclosure", j + 8 * D, "met_on_time", j + 7 * D),
            ],
        ),
        Past(
            "K", k, "Low", "email",  # nobody has acknowledged or led it yet
            offers=[Offer("bob", "passed", k + H), Offer("carol", "expired", k + 5 * H)],
            deadlines=[
                Due("acknowledge", k + D, "open", missed=True),
                Due("lead_assigned", k + D, "open", missed=True),
                Due("fix_ready", k + 14 * D, "open", missed=True),
            ],
        ),
        Past(
            "L", m, "Medium", "github",
            acknowledged=acks["L"][0], fix_ready=at(2026, 1, 12),  # ready after the year
            offers=[Offer("alice", "accepted", m + 2 * H)],
            deadlines=[
                acks["L"][1],
                Due("fix_ready", m + 14 * D, "met_late", at(2026, 1, 12), missed=True),
            ],
        ),
        Past(
            "Z0", z0, "High", "email",
            fix_ready=at(2025, 1, 8), closed=at(2025, 2, 3), resolution="fixed",
            offers=[
                Offer("alice", "accepted", z0 + H),
                Offer("bob", "accepted", at(2025, 1, 13), kind="handoff"),
            ],
            deadlines=[
                Due("acknowledge", z0 + D, "met_on_time", z0 + 2 * H),
                Due("fix_ready", at(2025, 1, 6), "met_late", at(2025, 1, 8), missed=True),
            ],
        ),
        Past(
            "Z1", at(2026, 1, 5), "Critical", "hackerone",
            deadlines=[Due("acknowledge", at(2026, 1, 6), "open")],
        ),
    ]  # fmt: skip


def secrets_of(key: str) -> dict[str, str]:
    """Words only the incident's own people may see."""
    return {
        "title": f"Embargoed flaw {key} in the session parser qz{key.lower()}x",
        "description": f"Steps to reproduce {key}: send the crafted cookie wq{key.lower()}v",
        "reporter_name": f"Reporter {key} Person",
        "reporter_contact": f"reporter-{key.lower()}@example.org",
    }


def seed_history(db: Database, people: dict[str, str], prefix: str = "SEC") -> list[Incident]:
    """Write the history; `people` maps alice, bob and carol to user IDs."""
    stored = []
    with db.transaction() as session:
        for number, past in enumerate(history(), start=1):
            lead = next((o.who for o in reversed(past.offers) if o.status == "accepted"), None)
            end = past.closed or past.disclosed or past.reported + 30 * D
            incident = Incident(
                human_id=f"{prefix}-{past.reported.year}-{number:04d}",
                opened_by=people["alice"],
                source=past.source,
                severity=past.severity,
                cvss_score={None: None, "Low": 3.1, "Medium": 5.3, "High": 7.5}.get(
                    past.severity, 9.8
                ),
                phase="closed" if past.closed else ("embargo" if past.notified else "fixing"),
                phase_before_close="disclosed" if past.disclosed and past.closed else None,
                resolution=past.resolution,
                lead_id=people[lead] if lead else None,
                is_public=past.made_public is not None,
                reported_at=past.reported,
                created_at=past.reported,
                updated_at=end,
                fix_ready_at=past.fix_ready,
                distributors_notified_at=past.notified,
                disclosure_planned_at=past.disclosed,
                released_at=past.released,
                disclosed_at=past.disclosed,
                closed_at=past.closed,
                **secrets_of(past.key),
            )
            session.add(incident)
            session.flush()
            for offer in past.offers:
                session.add(
                    LeadOffer(
                        incident_id=incident.id,
                        kind=offer.kind,
                        candidate_id=people[offer.who],
                        status=offer.status,
                        offered_by="bot",
                        created_at=offer.answered - H / 2,
                        answered_at=offer.answered,
                        answered_by=people[offer.who] if offer.status != "expired" else "bot",
                        posted=True,
                    )
                )
            for due in past.deadlines:
                lateness = (due.met - due.due).total_seconds() if due.met and due.missed else None
                session.add(
                    DeadlineRow(
                        incident_id=incident.id,
                        kind=due.kind,
                        label=due.kind,
                        owner="fix_lead",
                        critical=False,
                        due_at=due.due,
                        status=due.status,
                        met_at=due.met,
                        done_at=due.met if due.kind == "acknowledge" else None,
                        lateness_seconds=lateness,
                        missed_at=due.due if due.missed else None,
                    )
                )
            if past.made_public:
                session.add(
                    TimelineEvent(
                        incident_id=incident.id,
                        at=past.made_public,
                        actor=people["alice"],
                        kind="made_public",
                        text="Marked public",
                        data={},
                    )
                )
            stored.append(incident)
        session.flush()
        session.expunge_all()
    return stored
