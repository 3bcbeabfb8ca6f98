"""The run store: keyword-only calls that the runner, the CLI and the web app share.

A sweep records each (spec_hash, seed) exactly once, even across processes and a SIGKILL: ``claim``
inserts a "running" row (the UNIQUE index decides races), ``finish`` writes status, metrics, history
and artifacts in one transaction, and a "running" row whose owner is dead is taken over by the next
claim (same host: its process is gone; another host: no heartbeat for ``stale_after_s``; see
:mod:`~neuronlab.store.owners`).  Claims are held until finished and renewed by the process's
heartbeat thread (:mod:`~neuronlab.store.heartbeat`).  ``claim_many`` and ``finish_many`` do the same
for a whole chunk of runs in one transaction each (what batched sweeps use).

This module is the write side; the store's reads are :mod:`~neuronlab.store.queries`, its
connection and transactions :mod:`~neuronlab.store.base`, both inherited by :class:`RunStore`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from neuronlab.errors import ConfigError
from neuronlab.store import heartbeat, rows
from neuronlab.store.engine import describe
from neuronlab.store.errors import StoreError
from neuronlab.store.models import CLAIMED, Artifact, History, Run
from neuronlab.store.owners import RELEASED, may_take_over, this_owner
from neuronlab.store.queries import RunQueries
from neuronlab.store.rows import Author, Claim, Result


def _parts(ids: Sequence[int], size: int = 10_000) -> list[list[int]]:
    """``ids`` in slices small enough for one statement's parameters (SQLite allows 32,766)."""
    ids = sorted(ids)
    return [ids[i:i + size] for i in range(0, len(ids), size)]


class RunStore(RunQueries):
    """Runs recorded in SQLite (default) or PostgreSQL; see :func:`neuronlab.store.resolve_url`.

    Opening a store creates it, or migrates it when ``upgrade`` (else a stale schema is a StoreError).
    """

    # -- recording ----------------------------------------------------------------------------------------

    def claim(self, *, spec: Mapping[str, Any], spec_hash: str, seed: int, experiment: str, task: str,
              model: str, params: Mapping[str, Any], sweep: str | None = None,
              versions: Mapping[str, Any] | None = None, stale_after_s: float | None = None) -> int | None:
        """Start the run (spec_hash, seed): its id, or None when it is finished or running elsewhere."""
        item = Claim(spec=spec, spec_hash=spec_hash, seed=seed, experiment=experiment, task=task, model=model,
                     params=params, sweep=sweep, versions=versions)
        return self.claim_many([item], stale_after_s=stale_after_s)[0]

    def claim_many(self, items: Sequence[Claim], *, stale_after_s: float | None = None) -> list[int | None]:
        """``claim`` for each item, all in one write transaction: the run ids, None where a run is
        finished or running elsewhere (a key repeated in ``items`` is claimed once, by its first item).

        A running claim of another host is taken over after ``stale_after_s`` seconds without a
        heartbeat (default ``$NEURONLAB_STALE_AFTER_S`` or 300); one of this host only when its
        process is gone.  The ids claimed are held (renewed inside ``heartbeat.renewing``) until
        ``finish_many`` or ``release``.
        """
        stale = heartbeat.stale_after_s() if stale_after_s is None else stale_after_s
        ids = self._claim(items, stale)
        if self._shared:
            heartbeat.hold(self, [i for i in ids if i is not None])
        return ids

    def _claim(self, items: Sequence[Claim], stale_after_s: float) -> list[int | None]:
        new = [rows.new_run(spec=c.spec, spec_hash=c.spec_hash, seed=c.seed, experiment=c.experiment,
                            task=c.task, model=c.model, params=c.params, sweep=c.sweep, versions=c.versions)
               for c in items]
        first: dict[tuple[str, int], int] = {}  # key → index of its first item
        for i, row in enumerate(new):
            first.setdefault((row["spec_hash"], row["seed"]), i)
        ids: list[int | None] = [None] * len(new)
        if not new:
            return ids
        with self._write() as conn:
            # One multi-row INSERT; the UNIQUE index turns away the keys that exist (finished, running,
            # or abandoned) without aborting the transaction, and they are looked at below.  Keys go in
            # sorted, so two PostgreSQL sweeps inserting overlapping chunks wait on each other in the
            # same order instead of deadlocking.
            try:
                inserted = conn.execute(self._insert_new().returning(Run.id, Run.spec_hash, Run.seed),
                                        [new[first[key]] for key in sorted(first)]).all()
            except IntegrityError as exc:
                raise StoreError(f"cannot record the runs ({str(exc.orig).splitlines()[0]}); "
                                 "check the claims' arguments") from None
            for run_id, spec_hash, seed in inserted:
                ids[first[(spec_hash, seed)]] = int(run_id)
            taken = [i for i in range(len(new)) if ids[i] is None]
            if not taken:
                return ids
            # FOR UPDATE holds the rows on PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the file.
            keys = {(new[i]["spec_hash"], new[i]["seed"]) for i in taken}
            old = {(r.spec_hash, int(r.seed)): r for r in conn.execute(
                select(Run.id, Run.spec_hash, Run.seed, Run.status, Run.owner, Run.heartbeat_at)
                .where(tuple_(Run.spec_hash, Run.seed).in_(keys), CLAIMED)
                .order_by(Run.spec_hash, Run.seed).with_for_update())}
            for i in taken:
                key = (new[i]["spec_hash"], new[i]["seed"])
                if key not in old:
                    raise StoreError(f"cannot record the run {key} (it is neither new nor in the store); "
                                     "check the claim's arguments")
                run, row = old[key], new[i]
                if run.status != "running" or run.id in ids:  # finished, or taken over for an earlier item
                    continue
                silent_s = (row["heartbeat_at"] - run.heartbeat_at).total_seconds()
                if not may_take_over(run.owner, silent_s=silent_s, stale_after_s=stale_after_s):
                    continue
                # Take over: whatever the dead owner left is reset, so the run is recorded once, by us.
                conn.execute(delete(History).where(History.run_id == run.id))
                conn.execute(delete(Artifact).where(Artifact.run_id == run.id))
                row.pop("created_at")
                conn.execute(update(Run).where(Run.id == run.id).values(
                    **row, finished_at=None, duration_s=None, metrics=None, error=None, diverged_epoch=None))
                ids[i] = int(run.id)
        return ids

    def _insert_new(self) -> Any:
        """INSERT into runs that skips the (spec_hash, seed) already claimed (ON CONFLICT DO NOTHING)."""
        dialect = sqlite if self._engine.dialect.name == "sqlite" else postgresql
        return dialect.insert(Run).on_conflict_do_nothing(index_elements=[Run.spec_hash, Run.seed],
                                                          index_where=CLAIMED)

    def finish(self, run_id: int, *, status: str, metrics: Mapping[str, Any],
               history: Mapping[str, Any] | None = None, artifacts: Mapping[str, bytes] | None = None,
               error: str | None = None, diverged_epoch: int | None = None,
               duration_s: float | None = None) -> None:
        """Record the outcome of a claimed run, all or nothing (status, metrics, history, artifacts).

        ``history`` is ``{column: per-epoch values}``; non-finite metrics are stored as None;
        ``duration_s`` defaults to the time since the claim.
        """
        self.finish_many([Result(run_id=run_id, status=status, metrics=metrics, history=history,
                                 artifacts=artifacts, error=error, diverged_epoch=diverged_epoch,
                                 duration_s=duration_s)])

    def finish_many(self, results: Sequence[Result]) -> None:
        """``finish`` for each result, all in one transaction: every run is recorded, or (on any bad
        item: unknown id, a run already finished or named twice) none is, and StoreError says which."""
        values = [rows.outcome(status=r.status, metrics=r.metrics, error=r.error,
                               diverged_epoch=r.diverged_epoch, duration_s=r.duration_s) for r in results]
        hists = [rows.history_row(r.history) for r in results]
        arts = [rows.artifact_rows(r.artifacts) for r in results]
        ids = [int(r.run_id) for r in results]
        twice = [i for i, n in Counter(ids).items() if n > 1]
        if twice:
            raise StoreError(f"run {twice[0]} is finished twice in one call; give each run one result")
        if not ids:
            return
        with self._write() as conn:
            runs = {r.id: r for r in conn.execute(select(Run.id, Run.status, Run.started_at)
                                                  .where(Run.id.in_(ids)).order_by(Run.id).with_for_update())}
            for run_id, value in zip(ids, values, strict=True):
                run = runs.get(run_id)
                if run is None:
                    raise StoreError(f"no run {run_id} in the store at {describe(self.url)}; check the id")
                if run.status != "running":
                    raise StoreError(f"run {run_id} is already finished ({run.status}); "
                                     "claim a new run instead")
                if value["duration_s"] is None and run.started_at is not None:
                    value["duration_s"] = (value["finished_at"] - run.started_at).total_seconds()
            conn.execute(update(Run).where(Run.id == bindparam("run_id")),
                         [{"run_id": run_id, **value} for run_id, value in zip(ids, values, strict=True)])
            self._insert_results(conn, ids, hists, arts)
        heartbeat.drop(self, ids)

    @staticmethod
    def _insert_results(conn: Connection, ids: Sequence[int], hists: Sequence[dict[str, Any] | None],
                        arts: Sequence[list[dict[str, Any]]]) -> None:
        """The runs' history and artifact rows, one executemany INSERT per table."""
        history = [{"run_id": run_id, **h} for run_id, h in zip(ids, hists, strict=True) if h is not None]
        if history:
            conn.execute(insert(History), history)
        artifacts = [{"run_id": run_id, **a} for run_id, named in zip(ids, arts, strict=True) for a in named]
        if artifacts:
            conn.execute(insert(Artifact), artifacts)

    def record(self, *, spec: Mapping[str, Any], spec_hash: str, seed: int, experiment: str, task: str,
               model: str, params: Mapping[str, Any], status: str, metrics: Mapping[str, Any],
               history: Mapping[str, Any] | None = None, artifacts: Mapping[str, bytes] | None = None,
               error: str | None = None, diverged_epoch: int | None = None, duration_s: float | None = None,
               sweep: str | None = None, versions: Mapping[str, Any] | None = None,
               author: Author | None = None, note: str | None = None) -> int:
        """Record a finished one-off run (e.g. the playground's "save as run") in one transaction.

        One-off runs may repeat a spec: they keep their true spec_hash but sit outside the
        (spec_hash, seed) uniqueness, so they never block or satisfy a sweep's claim.  With ``author``
        the run is saved in that class (the classroom checks who the author is before calling), with
        ``note`` as its first note: in the same INSERT, so the run is never lab-wide for a moment.
        """
        row = rows.new_run(spec=spec, spec_hash=spec_hash, seed=seed, experiment=experiment, task=task,
                           model=model, params=params, sweep=sweep, versions=versions)
        row.update(rows.outcome(status=status, metrics=metrics, error=error, diverged_epoch=diverged_epoch,
                                duration_s=duration_s), oneoff=True)
        if author is not None:
            row.update(author.columns())
        if note is not None:
            row["notes"] = rows.note_line(note)
        hist, arts = rows.history_row(history), rows.artifact_rows(artifacts)
        with self._write() as conn:
            run_id = int(conn.execute(insert(Run).values(**row).returning(Run.id)).scalar_one())
            self._insert_results(conn, [run_id], [hist], [arts])
        return run_id

    def heartbeat(self, run_id: int) -> None:
        """Say the run is still alive (call more often than ``stale_after_s``); a no-op once finished."""
        with self._write() as conn:
            conn.execute(update(Run).where(Run.id == run_id, Run.status == "running")
                         .values(heartbeat_at=rows.now()))

    def renew(self, ids: Sequence[int]) -> int:
        """Heartbeat the runs ``ids`` that are still running *and ours*, in one UPDATE: how many.

        What the heartbeat thread calls.  The owner check matters: a claim someone took from us
        (after we were silent past the window) must not be kept alive by us for them.
        """
        owner, renewed = this_owner(), 0
        with self._write() as conn:
            for part in _parts(ids):
                renewed += conn.execute(update(Run).where(Run.id.in_(part), Run.status == "running",
                                                          Run.owner == owner)
                                        .values(heartbeat_at=rows.now())).rowcount
        return renewed

    def release(self, ids: Sequence[int]) -> None:
        """Give back claims this process will not finish (an interrupted sweep): any claim takes them.

        Without this, a claim of a process that lives on (a notebook's kernel, the web lab) would
        block its runs on this host until that process exits.
        """
        heartbeat.drop(self, ids)
        owner = this_owner()
        with self._write() as conn:
            for part in _parts(ids):
                conn.execute(update(Run).where(Run.id.in_(part), Run.status == "running", Run.owner == owner)
                             .values(owner=f"{RELEASED}:{owner}"))

    def add_note(self, run_id: int, text: str) -> None:
        """Append ``text`` to the run's notes on a line stamped with the UTC time."""
        line = rows.note_line(text)
        with self._write() as conn:
            # One UPDATE (no read-modify-write), so two notes at once both land.
            notes = func.coalesce(Run.notes + "\n", "") + line
            if conn.execute(update(Run).where(Run.id == run_id).values(notes=notes)).rowcount == 0:
                raise StoreError(f"no run {run_id} in the store at {describe(self.url)}; check the id")

    def add_artifact(self, run_id: int, name: str, data: bytes) -> None:
        """Store ``data`` as the run's artifact ``name``, replacing one of that name (figures on demand)."""
        (art,) = rows.artifact_rows({name: data})
        with self._write() as conn:
            if conn.execute(select(Run.id).where(Run.id == run_id)).scalar_one_or_none() is None:
                raise StoreError(f"no run {run_id} in the store at {describe(self.url)}; "
                                 "see `neuronlab runs list` for ids")
            conn.execute(delete(Artifact).where(Artifact.run_id == run_id, Artifact.name == art["name"]))
            conn.execute(insert(Artifact).values(run_id=run_id, **art))

    def share(self, run_id: int, *, author: Author, note: str | None = None) -> None:
        """Put a lab-wide run in ``author``'s class (``neuronlab class share``), with ``note`` appended.

        A run already in a class stays where it is: sharing never moves a classmate's run to another
        class or another author.
        """
        values: dict[str, Any] = author.columns()
        if note is not None:
            values["notes"] = func.coalesce(Run.notes + "\n", "") + rows.note_line(note)
        with self._write() as conn:
            # The UPDATE decides (two students sharing one run at once: one row changes, once).
            if conn.execute(update(Run).where(Run.id == run_id, Run.class_id.is_(None)).values(**values)).rowcount:
                return
            if conn.execute(select(Run.id).where(Run.id == run_id)).one_or_none() is None:
                raise StoreError(f"no run {run_id} in the store at {describe(self.url)}; "
                                 "see `neuronlab runs list` for ids")
        raise ConfigError(f"run {run_id} is already saved in a class; share a run of your own")

    def set_hidden(self, run_id: int, *, class_id: int, hidden: bool) -> None:
        """Hide a class run from its class's feed, or show it again (the classroom checks the instructor)."""
        with self._write() as conn:
            done = conn.execute(update(Run).where(Run.id == run_id, Run.class_id == class_id)
                                .values(hidden=bool(hidden))).rowcount
        if done == 0:
            raise StoreError(f"no run {run_id} in class {class_id}; check the run id")

