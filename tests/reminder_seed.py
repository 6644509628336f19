"""Many due reminders at once, written straight to the tables (delivery tests, benchmark)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.database import Database
from bot.deadline import DeadlineKind
from bot.incident.models import Incident
from bot.reminder.models import DeadlineRow, ReminderRow

KINDS = list(DeadlineKind)


def seed_reminders(
    db: Database,
    *,
    incidents: int,
    per_incident: int,
    due_at: datetime,
    triage_ts: list[str] | None = None,
    lead_id: str | None = None,
    spread: timedelta = timedelta(0),
) -> list[int]:
    """`incidents` open incidents, each with `per_incident` deadlines of one due reminder.

    Rows are planned as of the incident's last change, so a claim trusts them. Reminder
    `n` is due at `due_at + n * spread`. Returns the reminder IDs.
    """
    assert per_incident <= len(KINDS)
    ids: list[int] = []
    number = 0
    with db.transaction() as session:
        for index in range(incidents):
            incident = Incident(
                human_id=f"SEC-2026-{index + 1:05d}",
                title=f"Seeded incident {index + 1}",
                opened_by="U0SEED",
                reported_at=due_at - timedelta(days=3),
                created_at=due_at - timedelta(days=3),
                updated_at=due_at - timedelta(days=3),
                phase="fixing",
                lead_id=lead_id,
                triage_ts=triage_ts[index] if triage_ts else None,
            )
            session.add(incident)
            session.flush()
            reminders = []
            for kind in KINDS[:per_incident]:
                deadline = DeadlineRow(
                    incident_id=incident.id,
                    kind=kind.value,
                    label=f"Step {kind.value}",
                    owner="fix_lead",
                    critical=False,
                    due_at=due_at + timedelta(days=1),
                    status="open",
                    planned_from=incident.updated_at,
                )
                session.add(deadline)
                session.flush()
                at = due_at + number * spread
                number += 1
                reminders.append(
                    ReminderRow(
                        deadline_id=deadline.id,
                        incident_id=incident.id,
                        key="before:P1D",
                        seq=0,
                        due_at=at,
                        planned_for=deadline.due_at,
                        state="pending",
                        attempts=0,
                        next_attempt_at=at,
                        delivered="",
                        lease_expiries=0,
                    )
                )
            session.add_all(reminders)
            session.flush()
            ids += [reminder.id for reminder in reminders]
    return ids
