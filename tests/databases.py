"""Test databases: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL is required, not optional: a missing server fails the run. Each test
session gets its own schema, migrated once; each test starts from empty tables.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from bot.config import normalise_database_url
from bot.database import Base, Database
from bot.database.migrate import upgrade
from bot.models import import_all_models

POSTGRES_URL = normalise_database_url(
    os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
)
BACKENDS = ("sqlite", "postgresql")


class PostgresUnavailable(RuntimeError):
    pass


def create_postgres_schema() -> tuple[str, str]:
    """A fresh schema and a URL whose connections use it; returns (schema, url)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        raise PostgresUnavailable(
            f"PostgreSQL is required for the storage tests and did not answer at "
            f"{POSTGRES_URL.split('@')[-1]}: {exc.__class__.__name__}"
        ) from exc
    finally:
        engine.dispose()
    separator = "&" if "?" in POSTGRES_URL else "?"
    return schema, f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"


def drop_postgres_schema(schema: str) -> None:
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def migrated_url(backend: str, workdir: Path) -> tuple[str, str | None]:
    """A migrated database for the backend; returns (url, schema to drop or None)."""
    if backend == "sqlite":
        url = f"sqlite:///{workdir / 'bot.sqlite3'}"
        schema = None
    else:
        schema, url = create_postgres_schema()
    upgrade(url)
    return url, schema


def empty_tables(database: Database) -> None:
    import_all_models()
    tables = [t for t in reversed(Base.metadata.sorted_tables)]
    with database.engine.begin() as connection:
        if database.dialect == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())
