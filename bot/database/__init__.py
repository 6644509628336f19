"""Storage: engine, sessions, shared column types and the declarative base."""

from bot.database.core import (
    UNAVAILABLE,
    WAIT_SECONDS,
    Base,
    Database,
    DatabaseBusy,
    UTCDateTime,
    changed_one,
    changed_rows,
    outage_reason,
    patient_waits,
    utc,
)

__all__ = [
    "UNAVAILABLE",
    "WAIT_SECONDS",
    "Base",
    "Database",
    "DatabaseBusy",
    "UTCDateTime",
    "changed_one",
    "changed_rows",
    "outage_reason",
    "patient_waits",
    "utc",
]
