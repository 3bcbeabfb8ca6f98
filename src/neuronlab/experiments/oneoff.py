"""One experiment, one seed, trained now and (optionally) recorded as a one-off run.

``neuronlab train`` goes through here: its flags become an :class:`ExperimentSpec`, so a run
trained from the command line is evaluated and recorded exactly like one from a spec file, and
a one-off never blocks (nor is skipped by) a sweep of the same spec.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neuronlab.errors import DivergedError
from neuronlab.experiments.evaluation import evaluate_spec, jsonable
from neuronlab.experiments.spec import ExperimentSpec

if TYPE_CHECKING:
    from neuronlab.store import RunStore


@dataclass
class OneOff:
    """What one training produced: metrics per split (and ceiling, CV), history, figures, the run id."""

    spec: ExperimentSpec
    seed: int
    metrics: dict[str, Any]
    history: dict[str, list[float]] | None
    figures: dict[str, bytes] = field(default_factory=dict)
    seconds: float = 0.0
    run_id: int | None = None

    @property
    def kind(self) -> str:
        return "regression" if "r2" in self.metrics.get("test", {}) else "classification"

    @property
    def metric_name(self) -> str:
        return "r2" if self.kind == "regression" else "accuracy"

    @property
    def splits(self) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.metrics.items() if k in ("train", "val", "test")}


def train_once(spec: ExperimentSpec, *, seed: int, store: RunStore | None = None,
               base_dir: str | Path | None = None, figures: bool = False, engine: str | None = None) -> OneOff:
    """Train and evaluate ``spec`` at ``seed``; with a store, record it (a diverged run too, then re-raise).

    ``figures``: draw the run's pictures now (``OneOff.figures``, recorded with the run); without them a
    recorded run's pictures are drawn when first looked at (``figures_on_demand``), and the CLI does not
    pay ~1.5 s of Matplotlib for a figure nobody asked for.  ``engine``: see ``evaluate_spec``."""
    record: dict[str, Any] = {}
    if store is not None:
        from neuronlab.store import environment_versions

        record = dict(spec=spec.canonical(), spec_hash=spec.spec_hash(), seed=seed, experiment=spec.name,
                      task=spec.task.name or Path(str(spec.task.csv)).name, model=spec.model.kind,
                      params=jsonable(spec.flat_params()),
                      # the engine is how, not what (not in the spec): kept beside the library versions
                      versions=dict(environment_versions(), **({"engine": engine} if engine is not None
                                                               and spec.model.kind == "mlp" else {})))
    start = time.perf_counter()
    try:
        metrics, history, pngs = evaluate_spec(spec, seed=seed, base_dir=base_dir, figures=figures, engine=engine)
    except DivergedError as exc:
        if store is not None:
            store.record(**record, status="diverged", metrics={}, error=str(exc), diverged_epoch=exc.epoch,
                         duration_s=time.perf_counter() - start)
        raise
    seconds = time.perf_counter() - start
    run_id = None
    if store is not None:
        run_id = store.record(**record, status="done", metrics=metrics, history=history, artifacts=pngs,
                              duration_s=seconds)
    return OneOff(spec, seed, metrics, history, pngs, seconds, run_id)

