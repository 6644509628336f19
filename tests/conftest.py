from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.database import Database
from tests.databases import BACKENDS, drop_postgres_schema, empty_tables, migrated_url

pytest_plugins = ["tests.harness", "tests.mail_fixtures", "tests.distributor_helpers"]


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    url, schema = migrated_url(request.param, tmp_path_factory.mktemp(request.param))
    yield url
    if schema:
        drop_postgres_schema(schema)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    empty_tables(database)
    yield database
    database.dispose()
