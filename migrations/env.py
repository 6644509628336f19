"""Alembic environment: the bot's own models, batch mode on SQLite."""

from __future__ import annotations

from alembic import context

from bot.database.core import Base, UTCDateTime, make_engine
from bot.models import import_all_models

import_all_models()
config = context.config
url = config.get_main_option("sqlalchemy.url")


def run_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(url) if url else None
    assert engine is not None, "sqlalchemy.url is not set"
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _render_item(kind: str, obj: object, autogen_context: object) -> str | bool:
    """Migrations name the plain column type, not the application's wrapper around it."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_item=_render_item,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
