"""Remember whether the features that start with an incident (lead offers) have run

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.add_column(
            sa.Column("opened_hooks_done", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Incidents set up before this column existed had their hooks run with the set-up.
    op.execute(sa.text("UPDATE incident SET opened_hooks_done = opener_told"))


def downgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("opened_hooks_done")
