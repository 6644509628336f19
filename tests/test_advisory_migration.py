"""Migration 0009 on both databases: the free text of older incidents becomes affected
packages where it reads as ranges; whatever does not read stays as a note; nothing is lost."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from bot.database.migrate import upgrade
from tests.databases import BACKENDS, create_postgres_schema, drop_postgres_schema

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ROWS: list[dict[str, Any]] = [
    # (what an incident's advisory fields said before packages were data)
    dict(
        human_id="SEC-2026-0001",
        source="github",
        external_ref="https://github.com/o/r/security/advisories/GHSA-4x9r-hqv2-m7pc",
        package_ecosystem="pip",
        package_name="yaml-kit",
        affected_versions=">= 2.0.0, < 2.4.1",
        fixed_versions="2.4.1",
    ),
    # A second incident a redelivery once opened for the same GHSA: it keeps no GHSA ID.
    dict(
        human_id="SEC-2026-0002",
        source="github",
        external_ref="https://github.com/o/r/security/advisories/GHSA-4x9r-hqv2-m7pc",
        package_ecosystem="pip",
        package_name="yaml-kit",
        affected_versions=">= 2.0.0, < 2.4.1",
        fixed_versions="2.4.1",
    ),
    dict(
        human_id="SEC-2026-0003",
        source="email",
        external_ref="",
        package_ecosystem="Go",
        package_name="example.org/yaml",
        affected_versions="<= 1.28.3, 1.29.0, the 1.30 betas",
        fixed_versions="1.28.4, v1.29.1",
    ),
    dict(
        human_id="SEC-2026-0004",
        source="email",
        external_ref="",
        package_ecosystem="",
        package_name="",
        affected_versions="all of them",
        fixed_versions="soon",
    ),
]


@pytest.fixture(params=BACKENDS)
def url_before(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url, schema = f"sqlite:///{tmp_path / 'old.sqlite3'}", None
    else:
        schema, url = create_postgres_schema()
    upgrade(url, "0011")
    yield url
    if schema:
        drop_postgres_schema(schema)


def test_free_text_moves_into_packages_and_the_rest_stays_a_note(url_before: str) -> None:
    engine = create_engine(url_before)
    with engine.begin() as connection:
        for row in ROWS:
            connection.execute(
                text(
                    "INSERT INTO incident (human_id, title, description, reporter_name, "
                    "reporter_contact, source, external_ref, component, affected_versions, "
                    "is_public, phase, opened_by, reported_at, created_at, updated_at, "
                    "advisory_summary, advisory_details, fixed_versions, mitigation, detection, "
                    "credits, package_ecosystem, package_name, members_invited, "
                    "headline_pinned, topic_set, opener_told, opened_hooks_done) VALUES "
                    "(:human_id, 't', '', '', '', :source, :external_ref, '', "
                    ":affected_versions, false, 'triage', 'U1', :now, :now, :now, '', '', "
                    ":fixed_versions, '', '', '', :package_ecosystem, :package_name, false, "
                    "false, false, false, false)"
                ),
                {**row, "now": NOW},
            )
    engine.dispose()
    upgrade(url_before)
    engine = create_engine(url_before)
    with engine.connect() as connection:
        incidents = {
            r.human_id: r
            for r in connection.execute(
                text(
                    "SELECT id, human_id, ghsa_id, advisory_note, affected_versions "
                    "FROM incident ORDER BY id"
                )
            )
        }
        packages = {
            r.incident_id: r
            for r in connection.execute(
                text(
                    "SELECT incident_id, ecosystem, name, ranges, versions, fixed, note, "
                    "range_text FROM affected_package"
                )
            )
        }
    engine.dispose()

    def package(human_id: str) -> Any:
        return packages.get(incidents[human_id].id)

    def loaded(value: Any) -> Any:
        import json

        return json.loads(value) if isinstance(value, str) else value

    first = package("SEC-2026-0001")
    assert (first.ecosystem, first.name) == ("PyPI", "yaml-kit")
    assert loaded(first.ranges) == [[{"introduced": "2.0.0"}, {"fixed": "2.4.1"}]]
    assert loaded(first.fixed) == ["2.4.1"]
    assert incidents["SEC-2026-0001"].ghsa_id == "GHSA-4x9r-hqv2-m7pc"
    assert incidents["SEC-2026-0002"].ghsa_id is None

    go = package("SEC-2026-0003")
    assert loaded(go.ranges) == [
        [{"introduced": "0"}, {"last_affected": "1.28.3"}],
        [{"introduced": "1.29.0"}, {"last_affected": "1.29.0"}],
    ]
    assert loaded(go.versions) == ["1.29.0"]
    assert loaded(go.fixed) == ["1.28.4", "1.29.1"]
    assert go.range_text == "<= 1.28.3, 1.29.0, the 1.30 betas"
    assert "the 1.30 betas" in go.note
    assert "the 1.30 betas" in incidents["SEC-2026-0003"].advisory_note

    assert package("SEC-2026-0004") is None
    note = incidents["SEC-2026-0004"].advisory_note
    assert "all of them" in note and "soon" in note
    # The free text itself is never touched.
    assert incidents["SEC-2026-0004"].affected_versions == "all of them"
