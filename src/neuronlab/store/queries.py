"""Reading runs back: the run browser's lists, one run whole, class feeds, comparisons and exports.

The read side of :class:`~neuronlab.store.runs.RunStore` (which records runs): every query runs in one
read connection and returns the plain records of :mod:`~neuronlab.store.records`, never ORM rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import and_, not_, select

from neuronlab.errors import ConfigError
from neuronlab.store import records
from neuronlab.store.base import StoreBase
from neuronlab.store.codec import decode_history
from neuronlab.store.engine import describe
from neuronlab.store.errors import StoreError
from neuronlab.store.models import Artifact, History, Run
from neuronlab.store.records import ClassRun, Comparison, RunRecord, RunSummary

_SUMMARY = (Run.id, Run.experiment, Run.task, Run.model, Run.seed, Run.status, Run.sweep, Run.spec_hash,
            Run.oneoff, Run.created_at, Run.finished_at, Run.duration_s, Run.diverged_epoch, Run.metrics,
            Run.params, Run.class_id, Run.author)
_CLASS_DETAIL = (Run.member_id, Run.hidden, Run.notes, Run.spec)
_DETAIL = (Run.spec, Run.versions, Run.error, Run.notes, Run.owner, Run.started_at, Run.heartbeat_at)


def _values(columns: Sequence[Any], row: Sequence[Any]) -> dict[str, Any]:
    values = dict(zip((c.key for c in columns), row, strict=True))
    values["metrics"] = values["metrics"] or {}  # NULL while running
    return values


def _summary(row: Sequence[Any]) -> RunSummary:
    return RunSummary(**_values(_SUMMARY, row))


class RunQueries(StoreBase):
    """The store's read queries (runs newest first unless said otherwise)."""

    def list_runs(self, *, task: str | None = None, status: str | None = None, sweep: str | None = None,
                  limit: int | None = None, class_id: int | None = None,
                  lab_only: bool = False) -> list[RunSummary]:
        """Runs newest first, without their history or artifacts; only those of class ``class_id``, or
        with ``lab_only`` only the lab-wide ones (no class run: what the unauthenticated run browser lists)."""
        query = select(*_SUMMARY).order_by(Run.created_at.desc(), Run.id.desc())
        if class_id is not None:
            query = query.where(Run.class_id == class_id)
        if lab_only:
            query = query.where(Run.class_id.is_(None))
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

    def class_runs(self, *, class_id: int, task: str | None = None, member_id: int | None = None,
                   run_id: int | None = None, with_hidden: bool = False,
                   limit: int | None = None) -> list[ClassRun]:
        """The runs saved in class ``class_id``, newest first, with their notes and specs (a feed's rows)."""
        query = (select(*_SUMMARY, *_CLASS_DETAIL).where(Run.class_id == class_id)
                 .order_by(Run.created_at.desc(), Run.id.desc()))
        if run_id is not None:
            query = query.where(Run.id == run_id)
        if task is not None:
            query = query.where(Run.task == task)
        if member_id is not None:
            query = query.where(Run.member_id == member_id)
        if not with_hidden:
            query = query.where(not_(Run.hidden))
        if limit is not None:
            query = query.limit(limit)
        with self._read() as conn:
            found = conn.execute(query).all()
        out = []
        for row in found:
            values = _values(_SUMMARY + _CLASS_DETAIL, row)
            values["spec"] = json.loads(values["spec"])
            out.append(ClassRun(**values))
        return out

    def class_of(self, run_id: int) -> int | None:
        """The class a run was saved in (None: lab-wide); a StoreError when there is no such run."""
        with self._read() as conn:
            row = conn.execute(select(Run.class_id).where(Run.id == run_id)).one_or_none()
        if row is None:
            raise StoreError(f"no run {run_id} in the store at {describe(self.url)}; "
                             "see `neuronlab runs list` for ids")
        return None if row.class_id is None else int(row.class_id)

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

    def export(self, *, format: Literal["csv", "json"], task: str | None = None, class_id: int | None = None,
               lab_only: bool = False) -> str:
        """All runs (of ``task``; only lab-wide ones) as CSV or JSON text, oldest first; those of class
        ``class_id`` with their authors, notes and hidden flags (the instructor's export)."""
        if format not in ("csv", "json"):
            raise ConfigError(f"unknown export format {format!r}; use 'csv' or 'json'")
        runs: Sequence[RunSummary] = (
            self.class_runs(class_id=class_id, task=task, with_hidden=True) if class_id is not None
            else self.list_runs(task=task, lab_only=lab_only))
        return records.export(list(runs)[::-1], format)

    def done_keys(self, *, sweep: str | None = None) -> set[tuple[str, int]]:
        """(spec_hash, seed) of the claimed runs that are finished: what a resumed sweep can skip."""
        query = select(Run.spec_hash, Run.seed).where(and_(Run.status != "running", not_(Run.oneoff)))
        if sweep is not None:
            query = query.where(Run.sweep == sweep)
        with self._read() as conn:
            return {(h, int(s)) for h, s in conn.execute(query)}
