"""Outbound email, held until the server accepts it; distributors, notices, leaks and
the public announcement

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
    op.create_table(
        "distributor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("addresses_json", sa.Text(), nullable=False),
        sa.Column("terms_accepted_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(length=80), nullable=True),
        sa.Column("removal_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_distributor")),
        sa.UniqueConstraint("organisation", name=op.f("uq_distributor_organisation")),
    )
    op.create_table(
        "distributor_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("distributor_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("mail_id", sa.Integer(), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("silence_reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_distributor_notice_incident_id_incident"),
        ),
        sa.ForeignKeyConstraint(
            ["distributor_id"],
            ["distributor.id"],
            name=op.f("fk_distributor_notice_distributor_id_distributor"),
        ),
        sa.ForeignKeyConstraint(
            ["mail_id"],
            ["outbound_mail.id"],
            name=op.f("fk_distributor_notice_mail_id_outbound_mail"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_distributor_notice")),
        sa.UniqueConstraint("mail_id", name=op.f("uq_distributor_notice_mail_id")),
    )
    with op.batch_alter_table("distributor_notice") as batch:
        batch.create_index(batch.f("ix_distributor_notice_incident_id"), ["incident_id"])
        batch.create_index(batch.f("ix_distributor_notice_distributor_id"), ["distributor_id"])
    op.create_table(
        "embargo_leak",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("distributor_id", sa.Integer(), nullable=True),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("to_whom", sa.Text(), nullable=False),
        sa.Column("happened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prevention", sa.Text(), nullable=False),
        sa.Column("made_public", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_embargo_leak_incident_id_incident")
        ),
        sa.ForeignKeyConstraint(
            ["distributor_id"],
            ["distributor.id"],
            name=op.f("fk_embargo_leak_distributor_id_distributor"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_embargo_leak")),
    )
    with op.batch_alter_table("embargo_leak") as batch:
        batch.create_index(batch.f("ix_embargo_leak_incident_id"), ["incident_id"])
        batch.create_index(batch.f("ix_embargo_leak_distributor_id"), ["distributor_id"])
    op.create_table(
        "announcement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("announced_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel_posted_ts", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_announcement_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_announcement_incident_id")),
    )


def downgrade() -> None:
    op.drop_table("announcement")
    op.drop_table("embargo_leak")
    op.drop_table("distributor_notice")
    op.drop_table("distributor")
    op.drop_table("outbound_mail")
