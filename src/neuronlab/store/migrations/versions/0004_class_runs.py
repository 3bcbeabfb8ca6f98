"""class runs: a run saved in a class carries its class, its author (member id and display name), and
whether the instructor hid it from the class feed

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No foreign keys to the classroom's tables: the store stays the bottom layer (its models never
    # name a classroom table), and classes and members are never deleted.
    op.add_column("runs", sa.Column("class_id", sa.Integer))
    op.add_column("runs", sa.Column("member_id", sa.Integer))
    op.add_column("runs", sa.Column("author", sa.String(100)))
    op.add_column("runs", sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.text("false")))
    op.create_index("ix_runs_class_created", "runs", ["class_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_runs_class_created", "runs")
    with op.batch_alter_table("runs") as batch:  # SQLite drops columns by copying the table
        for column in ("hidden", "author", "member_id", "class_id"):
            batch.drop_column(column)
