"""spec → task → model → train → evaluate → record.

Every run is recorded as it happens: the store first *claims* (spec hash, seed) as "running", then
one transaction writes status, metrics, the per-epoch history and (when asked) the figures.  A process
killed in between leaves a claim whose owner is dead; the next sweep takes it over, so each run ends up
recorded exactly once and never half-written.  While a run trains, or waits its turn, the process's
heartbeat thread keeps its claim alive (``renewing``), so nobody takes it from a live owner; an
interrupted sweep gives its unfinished claims back.  Sweeps draw no figures by default: drawing costs more
than training a batched chunk, and ``figures_on_demand.run_figure`` draws any run's figures later.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal

from neuronlab.errors import DivergedError, NeuronlabError
from neuronlab.experiments.evaluation import evaluate_spec, jsonable
from neuronlab.experiments.spec import ExperimentSpec, SweepSpec, canonical_hash, canonical_params
from neuronlab.store import Claim, RunStore, environment_versions
from neuronlab.store.heartbeat import keep_renewing, released_on_abort, renewing

Status = Literal["done", "diverged", "failed", "skipped"]


@dataclass
class RunOutcome:
    """What one (spec, seed) produced; ``run_id`` is None when nothing was recorded (no store, or skipped)."""

    spec: ExperimentSpec
    seed: int
    status: Status
    run_id: int | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    diverged_epoch: int | None = None
    seconds: float = 0.0

    @property
    def score(self) -> float | None:
        """The headline number: test accuracy (classification) or test R² (regression)."""
        test = self.metrics.get("test", {})
        value = test.get("accuracy", test.get("r2"))
        return None if value is None else float(value)


def run_experiment(
    spec: ExperimentSpec,
    *,
    seed: int,
    store: RunStore | None = None,
    sweep: str | None = None,
    base_dir: str | Path | None = None,
    figures: bool = True,
) -> RunOutcome:
    """Run one (spec, seed); with a store, claim it first and record the result (or skip if done).

    ``figures``: record the run's PNGs with it (one run: worth it; a sweep passes False).
    """
    with renewing():
        run_id = None
        if store is not None:
            run_id = claim_run(store, spec, seed=seed, sweep=sweep)
            if run_id is None:
                return RunOutcome(spec, seed, "skipped")
        with released_on_abort(store, [] if run_id is None else [run_id]):
            return _train_and_record(spec, seed=seed, store=store, run_id=run_id, base_dir=base_dir,
                                     figures=figures)


def _train_and_record(spec: ExperimentSpec, *, seed: int, store: RunStore | None, run_id: int | None,
                      base_dir: str | Path | None, figures: bool) -> RunOutcome:
    start = time.perf_counter()
    outcome = RunOutcome(spec, seed, "done", run_id=run_id)
    history: dict[str, list[float]] | None = None
    pngs: dict[str, bytes] = {}
    try:
        outcome.metrics, history, pngs = evaluate_spec(spec, seed=seed, base_dir=base_dir, figures=figures)
    except DivergedError as exc:
        outcome.status, outcome.error, outcome.diverged_epoch = "diverged", str(exc), exc.epoch
    except NeuronlabError as exc:
        outcome.status, outcome.error = "failed", str(exc)
    except Exception as exc:  # a bug must not stop a sweep; the traceback is kept with the run
        outcome.status = "failed"
        outcome.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"
    outcome.seconds = time.perf_counter() - start
    if store is not None and run_id is not None:
        store.finish(run_id, status=outcome.status, metrics=outcome.metrics, history=history, artifacts=pngs,
                     error=outcome.error, diverged_epoch=outcome.diverged_epoch, duration_s=outcome.seconds)
    return outcome


def claim_run(store: RunStore, spec: ExperimentSpec, *, seed: int, sweep: str | None) -> int | None:
    """Claim (spec, seed) in the store: its run id, or None when it is done or running elsewhere."""
    return store.claim_many(claims([(spec, seed)], sweep=sweep))[0]


def claims(items: Sequence[tuple[ExperimentSpec, int]], *, sweep: str | None) -> list[Claim]:
    """The store claims of (spec, seed) pairs; the environment is read once for all of them."""
    versions = environment_versions()
    out = []
    for spec, seed in items:
        canonical = spec.canonical()  # once: the hash and the flat parameters derive from it
        out.append(Claim(spec=canonical, spec_hash=canonical_hash(canonical), seed=seed, experiment=spec.name,
                         task=_task_label(spec), model=spec.model.kind, params=jsonable(canonical_params(canonical)),
                         sweep=sweep, versions=versions))
    return out


def expand(spec: ExperimentSpec | SweepSpec) -> list[tuple[ExperimentSpec, int]]:
    """Every (experiment, seed) pair a spec stands for, in a fixed order."""
    experiments = spec.expand() if isinstance(spec, SweepSpec) else [spec]
    return [(exp, seed) for exp in experiments for seed in exp.seeds]


def sweep_name(spec: ExperimentSpec | SweepSpec) -> str:
    return spec.base.name if isinstance(spec, SweepSpec) else spec.name


def run_sweep(
    spec: ExperimentSpec | SweepSpec,
    *,
    store: RunStore,
    jobs: int = 1,
    base_dir: str | Path | None = None,
    on_result: Callable[[RunOutcome], None] | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    chunk_size: int | None = None,
    threads: int | None = 1,
    figures: bool = False,
    on_start: Callable[[int], None] | None = None,
) -> list[RunOutcome]:
    """Run every (experiment, seed) not yet recorded; re-running skips what is done.

    ``executor``: ``"local"`` trains each run alone (``jobs > 1``: in that many spawned processes);
    ``"ensemble"`` trains the MLPs as batched ensembles of up to ``chunk_size`` runs (in ``jobs``
    processes), the other models alone; ``"dask"`` sends each chunk to a Dask cluster (``scheduler``
    = tcp://HOST:PORT, else a local cluster of ``workers`` processes).  Whatever computes, this
    process records, and the store's claims make concurrent and resumed sweeps record each run once.
    ``figures=True`` records every run's PNGs; by default none are drawn (``run_figure`` draws them
    when someone looks: drawing costs ten times the training of a batched run).  ``on_start`` hears how
    many (experiment, seed) pairs the spec stands for before the first outcome (the spec is expanded
    once: a sweep of 1,000 points takes 0.2 s to expand and validate).
    """
    from neuronlab.experiments.executors import check_executor

    check_executor(executor)
    name = sweep_name(spec)
    todo = expand(spec)
    if on_start is not None:
        on_start(len(todo))
    done = store.done_keys()
    recorded = [(exp.spec_hash(), seed) in done for exp, seed in todo]  # one hash per run
    pending = [item for item, skip in zip(todo, recorded, strict=True) if not skip]
    outcomes = [RunOutcome(exp, seed, "skipped") for (exp, seed), skip in zip(todo, recorded, strict=True) if skip]
    for outcome in outcomes:
        if on_result is not None:
            on_result(outcome)
    with renewing():  # one heartbeat thread for the whole sweep, whatever the executor
        for outcome in _execute(pending, store=store, jobs=jobs, sweep=name, base_dir=base_dir,
                                executor=executor, scheduler=scheduler, workers=workers, chunk_size=chunk_size,
                                threads=threads, figures=figures):
            outcomes.append(outcome)
            if on_result is not None:
                on_result(outcome)
    return outcomes


def _execute(pending: list[tuple[ExperimentSpec, int]], *, store: RunStore, jobs: int, sweep: str,
             base_dir: str | Path | None, executor: str = "local", scheduler: str | None = None,
             workers: int | None = None, chunk_size: int | None = None,
             threads: int | None = 1, figures: bool = False) -> Iterable[RunOutcome]:
    from neuronlab.experiments import executors

    if not pending:
        return
    if executor == "ensemble":
        yield from executors.run_ensemble(pending, store=store, sweep=sweep, base_dir=base_dir, jobs=jobs,
                                          chunk_size=chunk_size, threads=threads, figures=figures)
        return
    if executor == "dask":
        yield from executors.run_dask(pending, store=store, sweep=sweep, base_dir=base_dir, scheduler=scheduler,
                                      workers=workers, chunk_size=chunk_size, threads=threads, figures=figures)
        return
    if jobs <= 1 or len(pending) <= 1:
        for exp, seed in pending:
            yield run_experiment(exp, seed=seed, store=store, sweep=sweep, base_dir=base_dir, figures=figures)
        return
    # Spawn, not fork: forking a process that already runs torch's thread pools can deadlock.
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"),
                             initializer=_init_worker) as pool:
        futures = [pool.submit(_run_in_worker, exp.model_dump(mode="json"), seed, store.url, sweep,
                               None if base_dir is None else str(base_dir), figures) for exp, seed in pending]
        for future in as_completed(futures):
            yield future.result()


def _init_worker() -> None:
    import torch

    torch.set_num_threads(1)  # one core per process: jobs processes share the machine's cores
    keep_renewing()  # the worker claims its runs itself, so it renews them itself


_WORKER_STORE: dict[str, RunStore] = {}


def _run_in_worker(spec_json: dict[str, Any], seed: int, url: str, sweep: str, base_dir: str | None,
                   figures: bool = False) -> RunOutcome:
    store = _WORKER_STORE.get(url)
    if store is None:
        store = _WORKER_STORE[url] = RunStore(url)
    spec = ExperimentSpec.model_validate(spec_json, context={"check_task": False})
    return run_experiment(spec, seed=seed, store=store, sweep=sweep, base_dir=base_dir, figures=figures)


def _task_label(spec: ExperimentSpec) -> str:
    return spec.task.name or Path(str(spec.task.csv)).name


