"""Session states and uploaded tables shared by the lab's worker processes.

A playground session lives in one process's memory (it holds torch modules), but a class served by
several processes sends a student's requests to any of them.  So each session's *replayable* state (its
config and what the URL carries besides: epoch and hand-set weights) is kept here under the session id
with a version counter; a process checks the version with one primary-key read per request and rebuilds
its copy by replay when it lacks it or holds an older one.  Changes are compare-and-set on the version,
so two processes changing one session at once cannot silently overwrite each other.

Plain JSON in, plain JSON out: this module knows nothing of sessions or torch (the store's rule).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from neuronlab.store.engine import WRITE, db_errors, describe, make_engine, resolve_url
from neuronlab.store.models import SharedSession, SharedTable
from neuronlab.store.schema import ensure_schema

KEEP_DAYS = 14  # a session nobody touched for this long is forgotten (the URL still replays it)


@dataclass(frozen=True)
class SessionState:
    """One stored session: what rebuilds it (``config``, ``state``) and how often it changed (``version``)."""

    id: str
    kind: str
    version: int
    config: dict[str, Any]
    state: dict[str, Any]


class SessionStates:
    """Session states and tables in the store at ``url`` (SQLite or PostgreSQL; migrated on open)."""

    def __init__(self, url: str | os.PathLike[str] | None = None) -> None:
        self.url = resolve_url(url)
        self.engine = make_engine(self.url)
        self.pid = os.getpid()
        try:
            ensure_schema(self.engine, self.url)
        except BaseException:
            self.engine.dispose()
            raise

    def __repr__(self) -> str:
        return f"SessionStates({describe(self.url)!r})"

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def connect(self, *, write: bool = False) -> Iterator[Connection]:
        """A connection in a transaction (a write one takes SQLite's lock up front, see store.engine)."""
        if os.getpid() != self.pid:  # a forked child must not share the parent's pooled connections
            self.engine.dispose(close=False)
            self.pid = os.getpid()
        engine = self.engine.execution_options(**WRITE) if write else self.engine
        with db_errors(self.url), engine.begin() as conn:
            yield conn

    # -- sessions ------------------------------------------------------------------------------------------

    def create(self, sid: str, *, kind: str, config: Mapping[str, Any], state: Mapping[str, Any]) -> int:
        """Store a new session at version 1 (and forget sessions untouched for KEEP_DAYS); returns 1."""
        now = datetime.now(UTC)
        with self.connect(write=True) as conn:
            conn.execute(delete(SharedSession).where(SharedSession.updated_at < now - timedelta(days=KEEP_DAYS)))
            conn.execute(insert(SharedSession).values(id=sid, kind=kind, version=1, config=dict(config),
                                                      state=dict(state), updated_at=now))
        return 1

    def version(self, sid: str) -> int | None:
        """The session's version, None when unknown: the one read every request makes."""
        with self.connect() as conn:
            return conn.execute(select(SharedSession.version).where(SharedSession.id == sid)).scalar_one_or_none()

    def get(self, sid: str) -> SessionState | None:
        """Everything needed to rebuild the session, or None when unknown."""
        with self.connect() as conn:
            row = conn.execute(select(SharedSession.id, SharedSession.kind, SharedSession.version,
                                      SharedSession.config, SharedSession.state)
                               .where(SharedSession.id == sid)).one_or_none()
        return None if row is None else SessionState(*row)

    def advance(self, sid: str, *, expected: int, state: Mapping[str, Any]) -> int | None:
        """Store a changed state if the session is still at version ``expected``: the new version, or None
        when another process changed (or deleted) it meanwhile."""
        with self.connect(write=True) as conn:
            done = conn.execute(update(SharedSession)
                                .where(SharedSession.id == sid, SharedSession.version == expected)
                                .values(version=expected + 1, state=dict(state), updated_at=datetime.now(UTC)))
        return expected + 1 if done.rowcount == 1 else None

    def delete(self, sid: str) -> None:
        with self.connect(write=True) as conn:
            conn.execute(delete(SharedSession).where(SharedSession.id == sid))

    # -- uploaded tables -----------------------------------------------------------------------------------

    def put_table(self, key: str, *, target: str, data: bytes) -> None:
        """Keep an uploaded table under its content key (a second upload of the same table is a no-op)."""
        try:
            with self.connect(write=True) as conn:
                if conn.execute(select(SharedTable.key).where(SharedTable.key == key)).first() is None:
                    conn.execute(insert(SharedTable).values(key=key, target=target, data=data,
                                                            created_at=datetime.now(UTC)))
        except IntegrityError:  # PostgreSQL: another process inserted the same content first
            pass

    def get_table(self, key: str) -> tuple[str, bytes] | None:
        """(target column, CSV bytes) of an uploaded table, or None."""
        with self.connect() as conn:
            row = conn.execute(select(SharedTable.target, SharedTable.data).where(SharedTable.key == key)).first()
        return None if row is None else (row.target, bytes(row.data))
