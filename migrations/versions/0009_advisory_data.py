"""Advisory data: affected packages and credits as rows, the GHSA ID, CWEs, every vector

Existing incidents keep their free text; where it reads as ranges it becomes an affected
package too, and whatever does not read is kept as a note on the incident.

Revision ID: 0009
Revises: 0011
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0011"
branch_labels = None
depends_on = None

GHSA = re.compile(r"(GHSA(?:-[23456789cfghjmpqrvwx]{4}){3})")


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.add_column(sa.Column("ghsa_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("cwe_ids", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("reported_vectors", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("advisory_note", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("advisory_modified_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("github_published_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("github_publication_note", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("github_changes_owed", sa.Text(), nullable=True))
        batch.add_column(sa.Column("am_i_vulnerable", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("upgrade_steps", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("fix_impact", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column(
                "tracking_issue_url", sa.String(length=500), nullable=False, server_default=""
            )
        )
        batch.create_unique_constraint(batch.f("uq_incident_ghsa_id"), ["ghsa_id"])
    op.create_table(
        "affected_package",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("ecosystem", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("ranges", sa.JSON(), nullable=False),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("fixed", sa.JSON(), nullable=False),
        sa.Column("fix_links", sa.JSON(), nullable=False),
        sa.Column("range_text", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_affected_package_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affected_package")),
    )
    op.create_index(
        op.f("ix_affected_package_incident_id"), "affected_package", ["incident_id"], unique=False
    )
    op.create_table(
        "advisory_credit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("contact", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_advisory_credit_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advisory_credit")),
    )
    op.create_index(
        op.f("ix_advisory_credit_incident_id"), "advisory_credit", ["incident_id"], unique=False
    )
    _move_free_text()


def _move_free_text() -> None:
    from bot.advisory.legacy import package_from_text

    connection = op.get_bind()
    incident = sa.table(
        "incident",
        sa.column("id", sa.Integer),
        sa.column("source", sa.String),
        sa.column("external_ref", sa.String),
        sa.column("package_ecosystem", sa.String),
        sa.column("package_name", sa.String),
        sa.column("component", sa.String),
        sa.column("affected_versions", sa.String),
        sa.column("fixed_versions", sa.String),
        sa.column("ghsa_id", sa.String),
        sa.column("advisory_note", sa.Text),
    )
    package = sa.table(
        "affected_package",
        sa.column("incident_id", sa.Integer),
        sa.column("position", sa.Integer),
        sa.column("ecosystem", sa.String),
        sa.column("name", sa.String),
        *(sa.column(n, sa.JSON) for n in ("ranges", "versions", "fixed", "fix_links")),
        sa.column("range_text", sa.Text),
        sa.column("note", sa.Text),
    )
    rows = connection.execute(sa.select(incident).order_by(incident.c.id)).mappings().all()
    seen: set[str] = set()
    for row in rows:
        changes: dict[str, object] = {}
        found = GHSA.search(row["external_ref"] or "")
        # Repeated deliveries once opened twins; the first incident keeps the GHSA.
        if row["source"] == "github" and found and found[1] not in seen:
            seen.add(found[1])
            changes["ghsa_id"] = found[1]
        name = row["package_name"] or row["component"] or ""
        made, note = package_from_text(
            row["package_ecosystem"] or "",
            name,
            row["affected_versions"] or "",
            row["fixed_versions"] or "",
        )
        if made is not None:
            connection.execute(
                package.insert().values(
                    incident_id=row["id"],
                    position=0,
                    ecosystem=made.ecosystem,
                    name=made.name,
                    ranges=made.ranges,
                    versions=made.versions,
                    fixed=made.fixed,
                    fix_links=[],
                    range_text=made.range_text,
                    note=made.note,
                )
            )
        elif (row["affected_versions"] or row["fixed_versions"]) and not name:
            note = "no package named; affected: {} fixed: {}".format(
                row["affected_versions"] or "-", row["fixed_versions"] or "-"
            )
        if note:
            changes["advisory_note"] = note
        if changes:
            connection.execute(
                incident.update().where(incident.c.id == row["id"]).values(**changes)
            )


def downgrade() -> None:
    op.drop_index(op.f("ix_advisory_credit_incident_id"), table_name="advisory_credit")
    op.drop_table("advisory_credit")
    op.drop_index(op.f("ix_affected_package_incident_id"), table_name="affected_package")
    op.drop_table("affected_package")
    with op.batch_alter_table("incident") as batch:
        batch.drop_constraint(batch.f("uq_incident_ghsa_id"), type_="unique")
        for name in (
            "tracking_issue_url",
            "fix_impact",
            "upgrade_steps",
            "am_i_vulnerable",
            "github_changes_owed",
            "github_publication_note",
            "github_published_at",
            "advisory_modified_at",
            "advisory_note",
            "reported_vectors",
            "cwe_ids",
            "ghsa_id",
        ):
            batch.drop_column(name)
