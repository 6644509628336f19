"""Outbound email, held in the database until the server accepts it

Revision ID: 0011
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbound_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("message_id", sa.String(length=250), nullable=False),
        sa.Column("recipients_json", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("headers_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=80), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_expiries", sa.Integer(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("server_reply", sa.Text(), nullable=True),
        sa.Column("refused_json", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("permanent", sa.Boolean(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_outbound_mail_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_mail")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbound_mail_dedupe_key")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbound_mail_message_id")),
    )
    with op.batch_alter_table("outbound_mail") as batch:
        batch.create_index(batch.f("ix_outbound_mail_incident_id"), ["incident_id"])
        # The worker's only search: settled rows hold NULL here and stay out of its way.
        batch.create_index(batch.f("ix_outbound_mail_next_attempt_at"), ["next_attempt_at"])


def downgrade() -> None:
    op.drop_table("outbound_mail")
