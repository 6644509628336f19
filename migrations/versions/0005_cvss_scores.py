"""CVSS score history and each member's latest vector

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cvss_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.String(length=5), nullable=False),
        sa.Column("vector", sa.String(length=300), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("nomenclature", sa.String(length=10), nullable=True),
        sa.Column("is_final", sa.Boolean(), nullable=False),
        sa.Column("via", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_cvss_score_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cvss_score")),
    )
    with op.batch_alter_table("cvss_score") as batch:
        batch.create_index(batch.f("ix_cvss_score_incident_id"), ["incident_id"])
    op.create_table(
        "cvss_member_vector",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("vector", sa.String(length=300), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_cvss_member_vector_incident_id_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cvss_member_vector")),
        sa.UniqueConstraint(
            "incident_id", "user_id", name=op.f("uq_cvss_member_vector_incident_id_user_id")
        ),
    )
    with op.batch_alter_table("cvss_member_vector") as batch:
        batch.create_index(batch.f("ix_cvss_member_vector_incident_id"), ["incident_id"])


def downgrade() -> None:
    op.drop_table("cvss_member_vector")
    op.drop_table("cvss_score")
