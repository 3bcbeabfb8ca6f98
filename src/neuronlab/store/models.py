"""The store's tables (SQLAlchemy 2 typed declarative); Alembic migrations create them, not ``create_all``.

A run is one row; its whole per-epoch history is ONE blob in ``histories`` (not a row per metric per
step, which is what makes other trackers slow to list and compare hundreds of runs); figures live in
``artifacts``.  Listing reads ``runs`` only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy import text as sql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

STATUSES = ("running", "done", "failed", "diverged")
FINISHED = ("done", "failed", "diverged")
# The (spec_hash, seed) uniqueness holds for claimed runs only: a one-off run (``RunStore.record``)
# may repeat a spec and still carry its true spec_hash, so it can be compared with sweep runs.
CLAIMED = sql("NOT oneoff")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, naive UTC in the column (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


JSONNull = JSON(none_as_null=True)  # Python None is SQL NULL ("not yet"), not the JSON text 'null'


class Base(DeclarativeBase):
    pass


class Run(Base):
    __tablename__ = "runs"
    __table_args__ = (
        Index("uq_runs_spec_seed", "spec_hash", "seed", unique=True,
              sqlite_where=CLAIMED, postgresql_where=CLAIMED),
        Index("ix_runs_task_created", "task", "created_at"),
        Index("ix_runs_created", "created_at"),
        Index("ix_runs_sweep", "sweep"),
        Index("ix_runs_class_created", "class_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_s: Mapped[float | None]
    experiment: Mapped[str] = mapped_column(String(200))
    task: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(200))
    spec: Mapped[str] = mapped_column(Text)  # canonical JSON, so equal specs are equal text
    spec_hash: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int]
    oneoff: Mapped[bool] = mapped_column(server_default=sql("false"))
    status: Mapped[str] = mapped_column(String(16))
    diverged_epoch: Mapped[int | None]
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSONNull)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    versions: Mapped[dict[str, Any]] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    sweep: Mapped[str | None] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(300))  # host:pid of the process running it
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A run saved in a class (migration 0004): NULL for a lab-wide run.  Who may see it is the
    # classroom's rule (its class only); the store only keeps and filters these columns.
    class_id: Mapped[int | None]
    member_id: Mapped[int | None]
    author: Mapped[str | None] = mapped_column(String(100))  # the member's display name when saved
    hidden: Mapped[bool] = mapped_column(server_default=sql("false"))  # by the class's instructor


class History(Base):
    __tablename__ = "histories"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    format: Mapped[str] = mapped_column(String(32))
    n_epochs: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Artifact(Base):
    __tablename__ = "artifacts"
    __table_args__ = (UniqueConstraint("run_id", "name", name="uq_artifacts_run_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class SharedSession(Base):
    """A playground or neuron session's replayable state, so any worker process can rebuild it.

    ``state`` is what the page's URL carries besides ``config`` (epoch and hand-set weights, or the
    neuron's step count); ``version`` counts its changes, so a worker holding an older copy in memory
    knows to rebuild it with one indexed read.
    """

    __tablename__ = "shared_sessions"
    __table_args__ = (Index("ix_shared_sessions_updated", "updated_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int]
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SharedTable(Base):
    """An uploaded CSV table by its content key (``csv:<key>`` in a config), for every worker process."""

    __tablename__ = "shared_tables"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    target: Mapped[str] = mapped_column(String(200))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
