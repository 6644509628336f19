"""incidents, timeline and audit log

Revision ID: 0001
Revises:
Create Date: 2026-11-28 13:41:31.361138
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "id_sequence",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_id_sequence")),
    )
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("human_id", sa.String(length=32), nullable=True),
        sa.Column("intake_key", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reporter_name", sa.String(length=200), nullable=False),
        sa.Column("reporter_contact", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("external_ref", sa.String(length=500), nullable=False),
        sa.Column("component", sa.String(length=200), nullable=False),
        sa.Column("affected_versions", sa.String(length=500), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("resolution", sa.String(length=40), nullable=True),
        sa.Column("cvss_vector", sa.String(length=300), nullable=True),
        sa.Column("cvss_score", sa.Float(), nullable=True),
        sa.Column("severity", sa.String(length=10), nullable=True),
        sa.Column("opened_by", sa.String(length=40), nullable=False),
        sa.Column("commander_id", sa.String(length=40), nullable=True),
        sa.Column("lead_id", sa.String(length=40), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_update_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel_name", sa.String(length=80), nullable=True),
        sa.Column("channel_id", sa.String(length=40), nullable=True),
        sa.Column("members_invited", sa.Boolean(), nullable=False),
        sa.Column("headline_ts", sa.String(length=40), nullable=True),
        sa.Column("headline_pinned", sa.Boolean(), nullable=False),
        sa.Column("topic_set", sa.Boolean(), nullable=False),
        sa.Column("triage_ts", sa.String(length=40), nullable=True),
        sa.Column("opener_told", sa.Boolean(), nullable=False),
        sa.Column("setup_error", sa.Text(), nullable=True),
        sa.Column("setup_lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
        sa.UniqueConstraint("channel_id", name=op.f("uq_incident_channel_id")),
        sa.UniqueConstraint("human_id", name=op.f("uq_incident_human_id")),
        sa.UniqueConstraint("intake_key", name=op.f("uq_incident_intake_key")),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_phase"), ["phase"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_audit_log_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "timeline_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_timeline_event_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline_event")),
    )
    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_timeline_event_incident_id"), ["incident_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_timeline_event_incident_id"))

    op.drop_table("timeline_event")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_incident_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_phase"))
        batch_op.drop_index(batch_op.f("ix_incident_lead_id"))

    op.drop_table("incident")
    op.drop_table("id_sequence")
