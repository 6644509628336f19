"""Storage: engine, sessions, shared column types and the declarative base."""

from bot.database.core import Base, Database, UTCDateTime, utc

__all__ = ["Base", "Database", "UTCDateTime", "utc"]
