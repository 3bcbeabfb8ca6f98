"""The run store: keyword-only calls that the runner, the CLI and the web app share.

A sweep records each (spec_hash, seed) exactly once, even across processes and a SIGKILL: ``claim``
inserts a "running" row (the UNIQUE index decides races), ``finish`` writes status, metrics, history
and artifacts in one transaction, and a "running" row whose owner is gone (dead pid on this host, or
no heartbeat for ``stale_after_s``) is taken over by the next claim.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal

from sqlalchemy import Connection, and_, delete, func, insert, not_, select, update
from sqlalchemy.exc import IntegrityError

from neuronlab.errors import ConfigError
from neuronlab.store import records, rows
from neuronlab.store.codec import decode_history
from neuronlab.store.engine import WRITE, db_errors, describe, make_engine, resolve_url
from neuronlab.store.errors import StoreError
from neuronlab.store.models import CLAIMED, Artifact, History, Run
from neuronlab.store.records import Comparison, RunRecord, RunSummary
from neuronlab.store.schema import ensure_schema

_SUMMARY = (Run.id, Run.experiment, Run.task, Run.model, Run.seed, Run.status, Run.sweep, Run.spec_hash,
            Run.oneoff, Run.created_at, Run.finished_at, Run.duration_s, Run.diverged_epoch, Run.metrics,
            Run.params)
_DETAIL = (Run.spec, Run.versions, Run.error, Run.notes, Run.owner, Run.started_at, Run.heartbeat_at)


def _values(columns: Sequence[Any], row: Sequence[Any]) -> dict[str, Any]:
    values = dict(zip((c.key for c in columns), row, strict=True))
    values["metrics"] = values["metrics"] or {}  # NULL while running
    return values


def _summary(row: Sequence[Any]) -> RunSummary:
    return RunSummary(**_values(_SUMMARY, row))


class RunStore:
    """Runs recorded in SQLite (default) or PostgreSQL; see :func:`neuronlab.store.resolve_url`.

    Opening a store creates it, or migrates it when ``upgrade`` (else a stale schema is a StoreError).
    """

    def __init__(self, url: str | os.PathLike[str] | None = None, *, upgrade: bool = True) -> None:
        self.url = resolve_url(url)
        self._engine = make_engine(self.url)
        self._pid = os.getpid()
        try:
            self.revision = ensure_schema(self._engine, self.url, upgrade=upgrade)
        except BaseException:
            self._engine.dispose()
            raise

    def __repr__(self) -> str:
        return f"RunStore({describe(self.url)!r})"

    def close(self) -> None:
        """Release pooled connections (the store can still be used; it reconnects)."""
        self._engine.dispose()

    # -- transactions ------------------------------------------------------------------------------------

    def _fork_check(self) -> None:
        # A forked child must not share the parent's pooled sockets/file handles.
        if os.getpid() != self._pid:
            self._engine.dispose(close=False)
            self._pid = os.getpid()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        self._fork_check()
        with db_errors(self.url), self._engine.connect() as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        self._fork_check()
        with db_errors(self.url), self._engine.execution_options(**WRITE).begin() as conn:
            yield conn

    # -- recording ----------------------------------------------------------------------------------------

    def claim(self, *, spec: Mapping[str, Any], spec_hash: str, seed: int, experiment: str, task: str,
              model: str, params: Mapping[str, Any], sweep: str | None = None,
              versions: Mapping[str, Any] | None = None, stale_after_s: float = 600) -> int | None:
        """Start the run (spec_hash, seed): its id, or None when it is finished or running elsewhere."""
        row = rows.new_run(spec=spec, spec_hash=spec_hash, seed=seed, experiment=experiment, task=task,
                           model=model, params=params, sweep=sweep, versions=versions)
        with self._write() as conn:
            try:
                with conn.begin_nested():
                    return int(conn.execute(insert(Run).values(**row).returning(Run.id)).scalar_one())
            except IntegrityError as exc:
                conflict = exc  # it exists: finished, running, or abandoned
            # FOR UPDATE holds the row on PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the file.
            old = conn.execute(select(Run.id, Run.status, Run.owner, Run.heartbeat_at)
                               .where(Run.spec_hash == spec_hash, Run.seed == int(seed), CLAIMED)
                               .with_for_update()).one_or_none()
            if old is None:
                raise StoreError(f"cannot record the run ({str(conflict.orig).splitlines()[0]}); "
                                 "check the claim's arguments") from None
            if old.status != "running":
                return None
            stale = (row["heartbeat_at"] - old.heartbeat_at).total_seconds() > stale_after_s
            if not stale and rows.owner_alive(old.owner):
                return None
            # Take over: whatever the dead owner left is reset, so the run is recorded once, by us.
            conn.execute(delete(History).where(History.run_id == old.id))
            conn.execute(delete(Artifact).where(Artifact.run_id == old.id))
            row.pop("created_at")
            conn.execute(update(Run).where(Run.id == old.id).values(
                **row, finished_at=None, duration_s=None, metrics=None, error=None, diverged_epoch=None))
            return int(old.id)

    @staticmethod
    def _insert_results(conn: Connection, run_id: int, history: dict[str, Any] | None,
                        artifacts: list[dict[str, Any]]) -> None:
        if history is not None:
            conn.execute(insert(History).values(run_id=run_id, **history))
        if artifacts:
            conn.execute(insert(Artifact), [{"run_id": run_id, **row} for row in artifacts])

    def finish(self, run_id: int, *, status: str, metrics: Mapping[str, Any],
               history: Mapping[str, Any] | None = None, artifacts: Mapping[str, bytes] | None = None,
               error: str | None = None, diverged_epoch: int | None = None,
               duration_s: float | None = None) -> None:
        """Record the outcome of a claimed run, all or nothing (status, metrics, history, artifacts).

        ``history`` is ``{column: per-epoch values}``; non-finite metrics are stored as None;
        ``duration_s`` defaults to the time since the claim.
        """
        values = rows.outcome(status=status, metrics=metrics, error=error, diverged_epoch=diverged_epoch,
                              duration_s=duration_s)
        hist, arts = rows.history_row(history), rows.artifact_rows(artifacts)
        with self._write() as conn:
            run = conn.execute(select(Run.status, Run.started_at).where(Run.id == run_id)
                               .with_for_update()).one_or_none()
            if run is None:
                raise StoreError(f"no run {run_id} in the store at {describe(self.url)}; check the id")
            if run.status != "running":
                raise StoreError(f"run {run_id} is already finished ({run.status}); claim a new run instead")
            if values["duration_s"] is None and run.started_at is not None:
                values["duration_s"] = (values["finished_at"] - run.started_at).total_seconds()
            conn.execute(update(Run).where(Run.id == run_id).values(**values))
            self._insert_results(conn, run_id, hist, arts)

    def record(self, *, spec: Mapping[str, Any], spec_hash: str, seed: int, experiment: str, task: str,
               model: str, params: Mapping[str, Any], status: str, metrics: Mapping[str, Any],
               history: Mapping[str, Any] | None = None, artifacts: Mapping[str, bytes] | None = None,
               error: str | None = None, diverged_epoch: int | None = None, duration_s: float | None = None,
               sweep: str | None = None, versions: Mapping[str, Any] | None = None) -> int:
        """Record a finished one-off run (e.g. the playground's "save as run") in one transaction.

        One-off runs may repeat a spec: they keep their true spec_hash but sit outside the
        (spec_hash, seed) uniqueness, so they never block or satisfy a sweep's claim.
        """
        row = rows.new_run(spec=spec, spec_hash=spec_hash, seed=seed, experiment=experiment, task=task,
                           model=model, params=params, sweep=sweep, versions=versions)
        row.update(rows.outcome(status=status, metrics=metrics, error=error, diverged_epoch=diverged_epoch,
                                duration_s=duration_s), oneoff=True)
        hist, arts = rows.history_row(history), rows.artifact_rows(artifacts)
        with self._write() as conn:
            run_id = int(conn.execute(insert(Run).values(**row).returning(Run.id)).scalar_one())
            self._insert_results(conn, run_id, hist, arts)
        return run_id

    def heartbeat(self, run_id: int) -> None:
        """Say the run is still alive (call more often than ``stale_after_s``); a no-op once finished."""
        with self._write() as conn:
            conn.execute(update(Run).where(Run.id == run_id, Run.status == "running")
                         .values(heartbeat_at=rows.now()))

    def add_note(self, run_id: int, text: str) -> None:
        """Append ``text`` to the run's notes on a line stamped with the UTC time."""
        if not text.strip():
            raise ConfigError("a note cannot be empty; give some text")
        line = f"[{rows.now().strftime('%Y-%m-%d %H:%M:%SZ')}] {text.strip()}"
        with self._write() as conn:
            # One UPDATE (no read-modify-write), so two notes at once both land.
            notes = func.coalesce(Run.notes + "\n", "") + line
            if conn.execute(update(Run).where(Run.id == run_id).values(notes=notes)).rowcount == 0:
                raise StoreError(f"no run {run_id} in the store at {describe(self.url)}; check the id")

    # -- reading ------------------------------------------------------------------------------------------

    def list_runs(self, *, task: str | None = None, status: str | None = None, sweep: str | None = None,
                  limit: int | None = None) -> list[RunSummary]:
        """Runs newest first, without their history or artifacts."""
        query = select(*_SUMMARY).order_by(Run.created_at.desc(), Run.id.desc())
        if task is not None:
            query = query.where(Run.task == task)
        if status is not None:
            query = query.where(Run.status == status)
        if sweep is not None:
            query = query.where(Run.sweep == sweep)
        if limit is not None:
            query = query.limit(limit)
        with self._read() as conn:
            return [_summary(row) for row in conn.execute(query).all()]

    def get(self, run_id: int) -> RunRecord:
        """The whole run: spec, params, metrics, decoded history, artifact names, notes, versions."""
        with self._read() as conn:
            row = conn.execute(select(*_SUMMARY, *_DETAIL).where(Run.id == run_id)).one_or_none()
            if row is None:
                raise StoreError(f"no run {run_id} in the store at {describe(self.url)}; "
                                 "see `neuronlab runs list` for ids")
            hist = conn.execute(select(History.format, History.data).where(History.run_id == run_id)).first()
            names = conn.execute(select(Artifact.name).where(Artifact.run_id == run_id)
                                 .order_by(Artifact.name)).scalars().all()
        values = _values(_SUMMARY + _DETAIL, row)
        values["spec"] = json.loads(values["spec"])
        history = None if hist is None else decode_history(hist.data, hist.format)
        return RunRecord(**values, history=history, artifacts=tuple(names))

    def artifact(self, run_id: int, name: str) -> bytes:
        """The bytes of one artifact (e.g. a PNG figure)."""
        with self._read() as conn:
            data = conn.execute(select(Artifact.data).where(Artifact.run_id == run_id, Artifact.name == name)
                                ).scalar_one_or_none()
        if data is None:
            raise StoreError(f"run {run_id} has no artifact {name!r}; see `neuronlab runs show {run_id}`")
        return bytes(data)

    def compare(self, ids: list[int]) -> Comparison:
        """The parameters that differ across the runs ``ids`` (in that order), and all their metrics."""
        with self._read() as conn:
            rows = {row.id: _summary(row) for row in conn.execute(select(*_SUMMARY).where(Run.id.in_(ids)))}
        missing = [i for i in ids if i not in rows]
        if missing:
            raise StoreError(f"no run(s) {', '.join(map(str, missing))} in the store at "
                             f"{describe(self.url)}; check the ids")
        return records.compare([rows[i] for i in ids])

    def export(self, *, format: Literal["csv", "json"], task: str | None = None) -> str:
        """All runs (of ``task``) as CSV or JSON text, oldest first."""
        if format not in ("csv", "json"):
            raise ConfigError(f"unknown export format {format!r}; use 'csv' or 'json'")
        return records.export(self.list_runs(task=task)[::-1], format)

    def done_keys(self, *, sweep: str | None = None) -> set[tuple[str, int]]:
        """(spec_hash, seed) of the claimed runs that are finished: what a resumed sweep can skip."""
        query = select(Run.spec_hash, Run.seed).where(and_(Run.status != "running", not_(Run.oneoff)))
        if sweep is not None:
            query = query.where(Run.sweep == sweep)
        with self._read() as conn:
            return {(h, int(s)) for h, s in conn.execute(query)}
