"""The classroom's tables, on the store's metadata (``neuronlab.store.models.Base``) and migrated by 0002.

The withheld test labels live in their own table, ``class_answers``, which only scoring and closing
read: a query for a task's public face cannot pull them in by accident.  Tokens and join codes are
stored as SHA-256 digests (see :mod:`neuronlab.classroom.tokens`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from neuronlab.store.models import Base, UTCDateTime

DIGEST = String(64)


class SchoolClass(Base):
    __tablename__ = "classes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    instructor_digest: Mapped[str] = mapped_column(DIGEST, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ClassTask(Base):
    """A task of a class: its public face (test inputs, training rows, rules), not its answers."""

    __tablename__ = "class_tasks"
    __table_args__ = (UniqueConstraint("class_id", "name", name="uq_class_tasks_class_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    metric: Mapped[str] = mapped_column(String(16))
    source: Mapped[dict[str, Any]] = mapped_column(JSON)  # builtin name + params (no secret seed) or the CSV's
    feature_names: Mapped[list[str]] = mapped_column(JSON)
    labels: Mapped[list[str] | None] = mapped_column(JSON)  # the class names a prediction may use
    train: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"X": rows, "y": targets}: what students learn from
    test_inputs: Mapped[list[list[float]]] = mapped_column(JSON)
    n_train: Mapped[int]
    n_test: Mapped[int]
    n_public: Mapped[int]
    public_fraction: Mapped[float] = mapped_column(Float)
    quota_per_day: Mapped[int | None]
    quota_total: Mapped[int | None]
    ladder_step: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(8))  # open | closed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ClassAnswers(Base):
    """The withheld labels of a task's test rows and which rows form the public part."""

    __tablename__ = "class_answers"

    task_id: Mapped[int] = mapped_column(ForeignKey("class_tasks.id", ondelete="CASCADE"), primary_key=True)
    y_test: Mapped[list[float]] = mapped_column(JSON)  # class indices into ClassTask.labels, or targets
    public_rows: Mapped[list[int]] = mapped_column(JSON)


class Member(Base):
    __tablename__ = "class_members"
    __table_args__ = (UniqueConstraint("class_id", "name", name="uq_class_members_class_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_digest: Mapped[str] = mapped_column(DIGEST, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JoinCode(Base):
    """A single-use join code; ``member_id`` is set once someone joined with it."""

    __tablename__ = "class_join_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    code_digest: Mapped[str] = mapped_column(DIGEST, unique=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("class_members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Submission(Base):
    """One submission, scored or rejected (a rejected one still counts toward the quotas)."""

    __tablename__ = "class_submissions"
    __table_args__ = (Index("ix_class_submissions_task_member", "task_id", "member_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("class_tasks.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("class_members.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10))  # scored | rejected
    error: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(40))  # csv | json | run:<id>
    public_score: Mapped[float | None] = mapped_column(Float)
    private_score: Mapped[float | None] = mapped_column(Float)
