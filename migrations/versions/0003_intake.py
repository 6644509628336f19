"""intake deliveries: idempotency keys of reports that arrived over HTTP

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_intake_delivery_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_delivery")),
        sa.UniqueConstraint("source", "key", name=op.f("uq_intake_delivery_source_key")),
    )
    with op.batch_alter_table("intake_delivery", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intake_delivery_incident_id"), ["incident_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("intake_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_delivery_incident_id"))
    op.drop_table("intake_delivery")
