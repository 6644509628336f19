"""incident lifecycle: milestones, advisory fields, fix team, captured messages

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MILESTONES = (
    "next_update_at",
    "fix_ready_at",
    "disclosure_planned_at",
    "distributors_notified_at",
    "released_at",
    "disclosed_at",
    "closed_at",
)
TEXTS = ("advisory_summary", "advisory_details", "mitigation", "detection", "credits")


def upgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        for name in MILESTONES:
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("phase_before_close", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("duplicate_of", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("cve_id", sa.String(length=32), nullable=True))
        for name in TEXTS:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("fixed_versions", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("package_ecosystem", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("package_name", sa.String(length=200), nullable=False, server_default="")
        )

    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_channel", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("source_ts", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("source_author", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("source_edited_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("source_deleted_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_timeline_event_source_channel_source_ts"),
            ["source_channel", "source_ts"],
        )

    op.create_table(
        "fix_team_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("added_by", sa.String(length=40), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_fix_team_member_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fix_team_member")),
        sa.UniqueConstraint(
            "incident_id", "user_id", name=op.f("uq_fix_team_member_incident_id_user_id")
        ),
    )
    with op.batch_alter_table("fix_team_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fix_team_member_incident_id"), ["incident_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("fix_team_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fix_team_member_incident_id"))
    op.drop_table("fix_team_member")

    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_timeline_event_source_channel_source_ts"), type_="unique"
        )
        for name in (
            "source_deleted_at",
            "source_edited_at",
            "source_author",
            "source_ts",
            "source_channel",
        ):
            batch_op.drop_column(name)

    with op.batch_alter_table("incident", schema=None) as batch_op:
        for name in (
            "package_name",
            "package_ecosystem",
            "fixed_versions",
            *TEXTS,
            "cve_id",
            "duplicate_of",
            "phase_before_close",
            *MILESTONES,
        ):
            batch_op.drop_column(name)
