"""lead offers, rotation places and on-call swaps

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lead_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("candidate_id", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("offered_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("channel_id", sa.String(length=40), nullable=True),
        sa.Column("channel_ts", sa.String(length=40), nullable=True),
        sa.Column("dm_channel_id", sa.String(length=40), nullable=True),
        sa.Column("dm_ts", sa.String(length=40), nullable=True),
        sa.Column("post_lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("posted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_lead_offer_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_offer")),
    )
    with op.batch_alter_table("lead_offer") as batch:
        batch.create_index(batch.f("ix_lead_offer_incident_id"), ["incident_id"])
        batch.create_index(batch.f("ix_lead_offer_candidate_id"), ["candidate_id"])
        batch.create_index(batch.f("ix_lead_offer_status"), ["status"])
        batch.create_index(batch.f("ix_lead_offer_expires_at"), ["expires_at"])
    op.create_table(
        "rotation_member",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("last_turn", sa.Integer(), nullable=False),
        sa.Column("away_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_rotation_member")),
    )
    op.create_table(
        "rotation_counter",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rotation_counter")),
    )
    op.create_table(
        "oncall_swap",
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("swapped_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("week_start", name=op.f("pk_oncall_swap")),
    )


def downgrade() -> None:
    op.drop_table("oncall_swap")
    op.drop_table("rotation_counter")
    op.drop_table("rotation_member")
    op.drop_table("lead_offer")
