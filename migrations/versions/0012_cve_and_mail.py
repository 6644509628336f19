"""CVE IDs reserved through CVE Services

Revision ID: 0012
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cve_reservation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cve_id", sa.String(length=32), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("requested_by", sa.String(length=40), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reserved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=40), nullable=True),
        sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("record_json", sa.Text(), nullable=True),
        sa.Column("record_fingerprint", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_cve_reservation_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cve_reservation")),
        sa.UniqueConstraint("cve_id", name=op.f("uq_cve_reservation_cve_id")),
    )
    with op.batch_alter_table("cve_reservation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cve_reservation_incident_id"), ["incident_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cve_reservation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cve_reservation_incident_id"))
    op.drop_table("cve_reservation")
