"""Where a sweep's runs are computed: in this process one by one (local), as batched ensembles
(ensemble), or as ensembles on a Dask cluster (dask).

Whatever computes, *this* process records: it claims a chunk's runs in the store (one transaction)
before the chunk is sent out and finishes them (one transaction) when its results come back, so
workers need no database, and a chunk that Dask re-runs after its worker died is still recorded once
(the claim is ours, not the worker's).  This process's heartbeat thread renews every claimed chunk
while it waits in the queue and while it trains, so a long wait never looks like a dead owner.
``evaluate_chunk`` is the unit of work: plain data in (spec JSON, seed), plain data out.
"""

from __future__ import annotations

import math
import os
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal

from neuronlab.errors import ConfigError, DivergedError, NeuronlabError, valid_names
from neuronlab.experiments.spec import ExperimentSpec
from neuronlab.store import Result, RunStore
from neuronlab.store.heartbeat import released_on_abort, renewing

Executor = Literal["local", "ensemble", "dask"]
EXECUTORS: tuple[str, ...] = ("local", "ensemble", "dask")
CHUNK = 256  # runs per ensemble call: big enough to amortise a call, small enough to show progress


@dataclass
class Evaluated:
    """One run's result as a worker sends it back: what ``RunStore.finish`` needs."""

    index: int  # position in the chunk's input
    status: str
    metrics: dict[str, Any] = field(default_factory=dict)
    history: dict[str, list[float]] | None = None
    figures: dict[str, bytes] = field(default_factory=dict)
    error: str | None = None
    diverged_epoch: int | None = None
    seconds: float = 0.0


def check_executor(executor: str) -> None:
    if executor not in EXECUTORS:
        raise ConfigError(f"unknown executor {executor!r}; choose one of {valid_names(EXECUTORS)}")


def batchable(spec: ExperimentSpec) -> bool:
    """Runs the ensemble can train: MLPs (their holdout fit, and with ``method = "cv"`` every fold too)."""
    return spec.model.kind == "mlp"


def default_threads(executor: str, jobs: int = 1) -> int:
    """Threads per process for the batched kernel: the cores shared out among the ``jobs`` processes
    (the ensemble's models are independent, so its kernel scales with cores: W1 K=256 ran 1.9× faster
    on 2 threads than on 1).  One for the local executor and for Dask (whose workers are the
    parallelism).  Torch itself always runs on one thread: our tiny ops only lose by a second one."""
    if executor != "ensemble":
        return 1
    return max(1, (os.cpu_count() or 1) // max(jobs, 1))


def chunks(items: Sequence[tuple[ExperimentSpec, int]], size: int) -> list[list[tuple[ExperimentSpec, int]]]:
    """The batchable runs in consecutive chunks of ``size`` (one ensemble call each), then every other
    run alone: it gains nothing from company, and alone it is recorded as soon as it is done."""
    batched = [item for item in items if batchable(item[0])]
    single = [[item] for item in items if not batchable(item[0])]
    return [batched[i:i + size] for i in range(0, len(batched), size)] + single


# ------------------------------------------------------------------------------------ the unit of work


def evaluate_chunk(items: Sequence[tuple[dict[str, Any], int]], base_dir: str | None = None,
                   threads: int | None = 1, figures: bool = True) -> list[Evaluated]:
    """Train and evaluate (spec JSON, seed) pairs, the MLPs among them as one batched ensemble.

    Cross-validated MLP runs have their folds trained as one ensemble per task (``_cross_validate``).
    Runs the ensemble cannot take (neuron, linear, GP) go through ``evaluate_spec``
    one by one.  Pure: no store, no global state; the same input gives the same numbers anywhere
    (whatever ``threads``, the batched kernel's threads: each model is computed by one thread alone).
    ``figures=False`` records the MLPs without their PNGs (benchmarks of training and the store).
    """
    specs = [(ExperimentSpec.model_validate(js, context={"check_task": False}), seed) for js, seed in items]
    return evaluate_specs(specs, base_dir, threads, figures)


def evaluate_specs(specs: Sequence[tuple[ExperimentSpec, int]], base_dir: str | None = None,
                   threads: int | None = 1, figures: bool = True) -> list[Evaluated]:
    """``evaluate_chunk`` of specs already validated: a chunk computed in this process skips the JSON
    round trip (1,000 specs: ~35 ms to dump and validate again)."""
    from neuronlab.estimators.batch import fit_mlps
    from neuronlab.experiments.evaluation import TaskShare, evaluate_fitted, evaluate_spec, spec_model

    out: list[Evaluated] = []
    batch: list[tuple[int, ExperimentSpec, int, Any, Any]] = []  # (index, spec, seed, task share, estimator)
    # a sweep varies the model far more often than the task: runs with the same task and seed share one
    # loaded Task (frozen, and never written to), so its data is generated and split once, and what
    # scoring on it needs (its ceiling's range, its rows scaled) is worked out once
    tasks: dict[tuple[str, int], TaskShare] = {}
    for index, (spec, seed) in enumerate(specs):
        start = time.perf_counter()
        try:
            if not batchable(spec):
                metrics, history, pngs = evaluate_spec(spec, seed=seed, base_dir=base_dir, figures=figures)
                out.append(Evaluated(index, "done", metrics, history, pngs,
                                     seconds=time.perf_counter() - start))
                continue
            key = (spec.task.model_dump_json(), seed)
            if key not in tasks:
                tasks[key] = TaskShare(spec.load_task(seed, base_dir=base_dir))
            shared = tasks[key]
            batch.append((index, spec, seed, shared, spec_model(spec, shared.task, seed)))
        except Exception as exc:
            out.append(_failed(index, exc, time.perf_counter() - start))

    if batch:
        start = time.perf_counter()
        try:
            errors = fit_mlps([b[4] for b in batch], [(b[3].task.X_train, b[3].task.y_train) for b in batch],
                              threads=threads)
        except Exception as exc:
            out.extend(_failed(b[0], exc, 0.0) for b in batch)
            batch, errors = [], []
        cv_results = _cross_validate(batch, threads)
        share = (time.perf_counter() - start) / max(len(batch), 1)  # training time, split evenly
        for (index, spec, seed, shared, estimator), error in zip(batch, errors, strict=True):
            start = time.perf_counter()
            try:
                if error is not None:
                    raise error
                metrics, history, pngs = evaluate_fitted(spec, shared.task, estimator, seed=seed, figures=figures,
                                                         share=shared, cv_result=cv_results.get(index))
                out.append(Evaluated(index, "done", metrics, history, pngs,
                                     seconds=share + time.perf_counter() - start))
            except Exception as exc:
                out.append(_failed(index, exc, share + time.perf_counter() - start))
    return sorted(out, key=lambda e: e.index)


def _cross_validate(batch: Sequence[tuple[int, ExperimentSpec, int, Any, Any]], threads: int | None
                    ) -> dict[int, Any]:
    """The cross-validations of a chunk's ``method = "cv"`` runs (index → CVResult or the error): the runs
    on one task with one seed and one fold plan share their folds, so each such group is cross-validated
    as one ensemble (every run × fold), as ``nl.GridSearchCV`` trains a search."""
    from neuronlab.experiments.evaluation import spec_model
    from neuronlab.model_selection.cv import cross_validate_many

    groups: dict[tuple[Any, ...], tuple[Any, list[tuple[int, Any]]]] = {}  # (task, (run index, estimator)…)
    for index, spec, seed, shared, _ in batch:
        if spec.evaluate.method == "cv":
            key = (id(shared), seed, spec.evaluate.cv, spec.evaluate.n_splits)
            groups.setdefault(key, (shared.task, []))[1].append((index, spec_model(spec, shared.task, seed)))
    out: dict[int, Any] = {}
    for (_, seed, cv, n_splits), (task, members) in groups.items():
        try:
            results = cross_validate_many([m for _, m in members], task, cv=cv, n_splits=n_splits, seed=seed,
                                          threads=threads)
        except Exception as exc:  # the fold plan itself is impossible (too few groups): every run's error
            results = [exc] * len(members)
        out.update((index, result) for (index, _), result in zip(members, results, strict=True))
    return out


def _failed(index: int, exc: BaseException, seconds: float) -> Evaluated:
    """The status and error text ``run_experiment`` would record for this exception."""
    if isinstance(exc, DivergedError):
        return Evaluated(index, "diverged", error=str(exc), diverged_epoch=exc.epoch, seconds=seconds)
    if isinstance(exc, NeuronlabError):
        return Evaluated(index, "failed", error=str(exc), seconds=seconds)
    text = f"{type(exc).__name__}: {exc}\n{''.join(traceback.format_exception(exc, limit=8))}"
    return Evaluated(index, "failed", error=text, seconds=seconds)


# ------------------------------------------------------------------------- claim, compute, record


Pending = list[tuple[ExperimentSpec, int]]
Submit = Callable[[list[tuple[dict[str, Any], int]]], Any]  # a chunk → a future of list[Evaluated]


def run_chunked(pending: Pending, *, store: RunStore, sweep: str, base_dir: str | Path | None,
                submit: Submit | None = None, chunk_size: int = CHUNK, threads: int | None = 1,
                wait: Callable[[list[Any]], Iterator[Any]] | None = None, figures: bool = True) -> Iterator[Any]:
    """Claim each chunk's runs, compute the chunk (here, or via ``submit``), record what comes back.

    Yields RunOutcome per run.  Without ``submit`` chunks are computed in this process one after the
    other; with it every chunk is submitted at once and recorded as it completes (``wait`` turns the
    futures into an iterator of finished ones, ``as_completed`` style).  The claims are renewed until
    recorded, and given back if this generator stops early (an error, Ctrl-C, ``close()``).
    """
    outstanding: set[int] = set()  # claimed, not yet recorded
    with renewing(), released_on_abort(store, outstanding):
        yield from _claim_compute_record(pending, store=store, sweep=sweep, base_dir=base_dir, submit=submit,
                                         chunk_size=chunk_size, threads=threads, wait=wait, figures=figures,
                                         outstanding=outstanding)


def _claim_compute_record(pending: Pending, *, store: RunStore, sweep: str, base_dir: str | Path | None,
                          submit: Submit | None, chunk_size: int, threads: int | None,
                          wait: Callable[[list[Any]], Iterator[Any]] | None, figures: bool,
                          outstanding: set[int]) -> Iterator[Any]:
    from neuronlab.experiments.runner import RunOutcome, claims

    base = None if base_dir is None else str(base_dir)
    claimed: list[tuple[list[tuple[ExperimentSpec, int, int]], Any]] = []
    skipped: list[Any] = []  # runs another process claimed meanwhile

    def claim(chunk: Pending) -> list[tuple[ExperimentSpec, int, int]]:
        runs = []
        for (spec, seed), run_id in zip(chunk, store.claim_many(claims(chunk, sweep=sweep)), strict=True):
            if run_id is None:
                skipped.append(RunOutcome(spec, seed, "skipped"))
            else:
                runs.append((spec, seed, run_id))
                outstanding.add(run_id)
        return runs

    def record(runs: list[tuple[ExperimentSpec, int, int]], results: list[Evaluated]) -> Iterator[Any]:
        # One transaction per chunk: a kill before it commits leaves the chunk's claims to dead owners,
        # which the next sweep takes over, so every run is still recorded exactly once.
        store.finish_many([Result(run_id=run_id, status=res.status, metrics=res.metrics, history=res.history,
                                  artifacts=res.figures, error=res.error, diverged_epoch=res.diverged_epoch,
                                  duration_s=res.seconds)
                           for (_, _, run_id), res in zip(runs, results, strict=True)])
        outstanding.difference_update(run_id for _, _, run_id in runs)
        for (spec, seed, run_id), res in zip(runs, results, strict=True):
            yield RunOutcome(spec, seed, res.status, run_id=run_id, metrics=res.metrics,  # type: ignore[arg-type]
                             error=res.error, diverged_epoch=res.diverged_epoch, seconds=res.seconds)

    if submit is None:
        for chunk in chunks(pending, chunk_size):
            runs = claim(chunk)
            yield from skipped
            skipped.clear()
            if runs:
                yield from record(runs, evaluate_specs([(spec, seed) for spec, seed, _ in runs], base, threads,
                                                       figures))
        return
    for chunk in chunks(pending, chunk_size):
        runs = claim(chunk)
        if runs:
            claimed.append((runs, submit(_payload(runs))))
    yield from skipped
    by_future = {id(future): runs for runs, future in claimed}
    assert wait is not None
    for future in wait([future for _, future in claimed]):
        yield from record(by_future[id(future)], future.result())


def _payload(runs: list[tuple[ExperimentSpec, int, int]]) -> list[tuple[dict[str, Any], int]]:
    return [(spec.model_dump(mode="json"), seed) for spec, seed, _ in runs]


def run_ensemble(pending: Pending, *, store: RunStore, sweep: str, base_dir: str | Path | None, jobs: int = 1,
                 chunk_size: int | None = None, threads: int | None = 1, figures: bool = True) -> Iterator[Any]:
    """The ensemble executor: chunks in this process, or in ``jobs`` spawned processes."""
    if jobs <= 1:
        yield from run_chunked(pending, store=store, sweep=sweep, base_dir=base_dir, threads=threads,
                               chunk_size=chunk_size or CHUNK, figures=figures)
        return
    size = chunk_size or _even_chunk(len(pending), jobs)
    base = None if base_dir is None else str(base_dir)
    # spawn, not fork: forking a process that already runs torch's thread pools can deadlock
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        yield from run_chunked(pending, store=store, sweep=sweep, base_dir=base_dir, chunk_size=size,
                               submit=lambda payload: pool.submit(evaluate_chunk, payload, base, threads, figures),
                               wait=lambda futures: as_completed(futures))


def _even_chunk(n: int, workers: int) -> int:
    """A chunk size that gives every worker a few chunks (load balance) but keeps chunks ≤ CHUNK."""
    return max(1, min(CHUNK, math.ceil(n / (4 * max(workers, 1)))))


# ---------------------------------------------------------------------------------------------- Dask


def dask_client(scheduler: str | None = None, workers: int | None = None) -> AbstractContextManager[Any]:
    """A Dask client: of the cluster at ``scheduler`` (``tcp://HOST:PORT``), else of a local cluster
    with ``workers`` single-threaded worker processes (default: one per core)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask[distributed] is a dependency
        raise ConfigError("the dask executor needs dask[distributed]; pip install 'dask[distributed]'") from None
    if scheduler:
        try:
            return Client(scheduler, timeout=30)
        except OSError as exc:
            raise ConfigError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); start one with "
                              "`dask scheduler` and pass its tcp://HOST:PORT") from None
    n = workers or os.cpu_count() or 1
    stack = ExitStack()
    cluster = stack.enter_context(LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                               dashboard_address=":0"))
    client = stack.enter_context(Client(cluster))

    class _Both(AbstractContextManager[Any]):
        def __enter__(self) -> Any:
            return client

        def __exit__(self, *exc: object) -> None:
            stack.close()

    return _Both()


def run_dask(pending: Pending, *, store: RunStore, sweep: str, base_dir: str | Path | None,
             scheduler: str | None = None, workers: int | None = None, chunk_size: int | None = None,
             client: Any = None, threads: int | None = 1, figures: bool = True) -> Iterator[Any]:
    """The dask executor: one task per chunk, each a batched ensemble on a worker; recorded here.

    Tasks are pure, so when a worker dies Dask simply runs its chunk again elsewhere; claims (taken
    here before submitting) make each run recorded exactly once either way.
    """
    from distributed import as_completed as dask_completed

    base = None if base_dir is None else str(base_dir)
    with nullcontext(client) if client is not None else dask_client(scheduler, workers) as c:
        n_workers = max(1, len(c.scheduler_info().get("workers", {})))
        size = chunk_size or _even_chunk(len(pending), n_workers)
        # pure=False: a chunk is submitted once per sweep, and a retry after a crash must not reuse a key
        yield from run_chunked(
            pending, store=store, sweep=sweep, base_dir=base_dir, chunk_size=size,
            submit=lambda payload: c.submit(evaluate_chunk, payload, base, threads, figures, pure=False),
            wait=lambda futures: iter(dask_completed(futures)))


__all__ = ["EXECUTORS", "Evaluated", "batchable", "dask_client", "default_threads", "evaluate_chunk",
           "evaluate_specs", "run_chunked", "run_dask", "run_ensemble"]
