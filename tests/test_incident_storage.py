"""Opening incidents in the database: human IDs and idempotency, on both backends."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from bot.database import Database
from bot.incident import service as incidents
from bot.incident.validation import IncidentDraft
from bot.timeline.service import events_for

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def _open(
    db: Database, title: str, key: str | None = None, now: datetime = NOW
) -> tuple[str, bool]:
    with db.transaction() as session:
        incident, created = incidents.open_incident(
            session,
            IncidentDraft(title=title),
            opened_by="U1",
            now=now,
            prefix="SEC",
            intake_key=key,
        )
        return incident.human_id, created


def test_human_ids_are_sequential_per_year(db: Database) -> None:
    assert _open(db, "first") == ("SEC-2026-0001", True)
    assert _open(db, "second") == ("SEC-2026-0002", True)
    assert _open(db, "next year", now=datetime(2027, 1, 1, tzinfo=UTC))[0] == "SEC-2027-0001"
    assert _open(db, "third")[0] == "SEC-2026-0003"


def test_concurrent_openings_get_unique_gap_free_ids(db: Database) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(lambda n: _open(db, f"report {n}")[0], range(40)))
    assert sorted(ids) == [f"SEC-2026-{n:04d}" for n in range(1, 41)]


def test_same_intake_key_opens_one_incident_even_concurrently(db: Database) -> None:
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: _open(db, "double", key="slack-view:V1"), range(6)))
    assert {human_id for human_id, _ in results} == {"SEC-2026-0001"}
    assert sum(created for _, created in results) == 1
    # The refused twins did not burn a number.
    assert _open(db, "after")[0] == "SEC-2026-0002"


def test_opening_records_timeline_and_aware_times(db: Database) -> None:
    _open(db, "timeline")
    with db.transaction() as session:
        incident = incidents.get_by_human_id(session, "SEC-2026-0001")
        assert incident is not None
        assert incident.created_at == NOW and incident.created_at.tzinfo is not None
        kinds = [event.kind for event in events_for(session, incident.id)]
    assert kinds == ["created"]
