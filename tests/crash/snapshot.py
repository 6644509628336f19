"""Every row of every table, to prove that a request changed nothing."""

from __future__ import annotations

from typing import Any

from bot.database import Base, Database
from bot.models import import_all_models

# Columns that move without any change a person made (a set-up run's lease).
VOLATILE = {"setup_lease_until"}


def rows(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    import_all_models()
    found: dict[str, list[tuple[Any, ...]]] = {}
    with db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in VOLATILE]
            result = connection.execute(table.select().with_only_columns(*columns))
            found[table.name] = sorted(tuple(map(repr, row)) for row in result)
    return found


def changed_tables(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    return [name for name in after if before.get(name) != after[name]]
