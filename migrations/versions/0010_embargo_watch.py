"""Keep every signed delivery raw; remember exposed channels and who was on the roster

Revision ID: 0010
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_raw",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_intake_raw_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_raw")),
    )
    op.create_index(op.f("ix_intake_raw_state"), "intake_raw", ["state"])
    op.create_table(
        "exposed_channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=40), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("told_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_exposed_channel_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exposed_channel")),
        sa.UniqueConstraint("channel_id", name=op.f("uq_exposed_channel_channel_id")),
    )
    op.create_table(
        "roster_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_member")),
        sa.UniqueConstraint("user_id", name=op.f("uq_roster_member_user_id")),
    )
    with op.batch_alter_table("intake_delivery") as batch:
        batch.create_index(batch.f("ix_intake_delivery_fingerprint"), ["fingerprint"])


def downgrade() -> None:
    with op.batch_alter_table("intake_delivery") as batch:
        batch.drop_index(batch.f("ix_intake_delivery_fingerprint"))
    op.drop_table("roster_member")
    op.drop_table("exposed_channel")
    op.drop_index(op.f("ix_intake_raw_state"), table_name="intake_raw")
    op.drop_table("intake_raw")
