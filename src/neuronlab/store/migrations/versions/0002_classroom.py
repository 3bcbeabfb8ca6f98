"""classroom: classes, tasks with withheld answers, members, join codes, submissions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "classes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("instructor_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "class_tasks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("class_id", sa.Integer, sa.ForeignKey("classes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("metric", sa.String(16), nullable=False),
        sa.Column("source", sa.JSON, nullable=False),
        sa.Column("feature_names", sa.JSON, nullable=False),
        sa.Column("labels", sa.JSON),
        sa.Column("train", sa.JSON, nullable=False),
        sa.Column("test_inputs", sa.JSON, nullable=False),
        sa.Column("n_train", sa.Integer, nullable=False),
        sa.Column("n_test", sa.Integer, nullable=False),
        sa.Column("n_public", sa.Integer, nullable=False),
        sa.Column("public_fraction", sa.Float, nullable=False),
        sa.Column("quota_per_day", sa.Integer),
        sa.Column("quota_total", sa.Integer),
        sa.Column("ladder_step", sa.Float, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("closed_at", sa.DateTime),
        sa.UniqueConstraint("class_id", "name", name="uq_class_tasks_class_name"),
    )
    op.create_table(
        "class_answers",
        sa.Column("task_id", sa.Integer, sa.ForeignKey("class_tasks.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("y_test", sa.JSON, nullable=False),
        sa.Column("public_rows", sa.JSON, nullable=False),
    )
    op.create_table(
        "class_members",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("class_id", sa.Integer, sa.ForeignKey("classes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("class_id", "name", name="uq_class_members_class_name"),
    )
    op.create_table(
        "class_join_codes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("class_id", sa.Integer, sa.ForeignKey("classes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("class_members.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "class_submissions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("task_id", sa.Integer, sa.ForeignKey("class_tasks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("class_members.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("public_score", sa.Float),
        sa.Column("private_score", sa.Float),
    )
    op.create_index("ix_class_submissions_task_member", "class_submissions",
                    ["task_id", "member_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_class_submissions_task_member", "class_submissions")
    for table in ("class_submissions", "class_join_codes", "class_members", "class_answers", "class_tasks",
                  "classes"):
        op.drop_table(table)
