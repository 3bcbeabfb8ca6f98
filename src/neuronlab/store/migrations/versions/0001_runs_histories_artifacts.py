"""runs, histories, artifacts

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

CLAIMED = sa.text("NOT oneoff")


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("started_at", sa.DateTime),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("duration_s", sa.Float),
        sa.Column("experiment", sa.String(200), nullable=False),
        sa.Column("task", sa.String(200), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("spec_hash", sa.String(64), nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("oneoff", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("diverged_epoch", sa.Integer),
        sa.Column("metrics", sa.JSON),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("versions", sa.JSON, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("notes", sa.Text),
        sa.Column("sweep", sa.String(200)),
        sa.Column("owner", sa.String(300), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime, nullable=False),
    )
    op.create_index("uq_runs_spec_seed", "runs", ["spec_hash", "seed"], unique=True,
                    sqlite_where=CLAIMED, postgresql_where=CLAIMED)
    op.create_index("ix_runs_task_created", "runs", ["task", "created_at"])
    op.create_index("ix_runs_created", "runs", ["created_at"])
    op.create_index("ix_runs_sweep", "runs", ["sweep"])
    op.create_table(
        "histories",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("n_epochs", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "artifacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.UniqueConstraint("run_id", "name", name="uq_artifacts_run_name"),
    )


def downgrade() -> None:
    op.drop_table("artifacts")
    op.drop_table("histories")
    op.drop_index("ix_runs_sweep", "runs")
    op.drop_index("ix_runs_created", "runs")
    op.drop_index("ix_runs_task_created", "runs")
    op.drop_index("uq_runs_spec_seed", "runs")
    op.drop_table("runs")
