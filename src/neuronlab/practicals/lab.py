"""What the practicals' notebooks share: set-up in one call, and experiments recorded in the run store.

The §3.3 slides say "document as you go! (Jupyter is really bad for this.)".  So each experiment in the
notebooks is a spec — TOML text the student edits — run by the experiment runner and recorded in the
store, where ``neuronlab runs list``, ``runs compare`` and the report find it later.  A run already
recorded is not run again: executing a notebook a second time reads the same numbers back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from neuronlab.store import RunStore

# Spec keys that read better by their table's name ("task.name" → "task", "model.kind" → "model").
_BY_TABLE = {"name", "kind"}


def notebook_setup() -> RunStore:
    """Once at the top of a practical: figures inline, torch on one thread, and the run store.

    The store is ``$NEURONLAB_DB`` if set, else the default store (``neuronlab runs list`` shows it).
    """
    import torch

    import neuronlab.plots  # noqa: F401  (imported first: it selects the Agg backend, switched back below)
    from neuronlab.store import RunStore

    try:
        from IPython import get_ipython
    except ImportError:  # not in Jupyter: plots go to files anyway
        shell = None
    else:
        shell = get_ipython()
    if shell is not None and "IPKernelApp" in shell.config:
        shell.run_line_magic("matplotlib", "inline")
    torch.set_num_threads(1)  # these models are tiny: extra threads only wait for each other
    store = RunStore()
    print(f"runs are recorded in {store!r}")
    return store


def record_runs(spec_toml: str, *, store: RunStore | None = None) -> pd.DataFrame:
    """Run an experiment or sweep (TOML text) and record it; one row per (point, seed) with its scores.

    Columns: ``run`` (the store's id), the swept parameters, ``seed``, ``status``, the headline metric
    (accuracy or R²) on ``train``/``val``/``test``, ``cv`` (mean score under cross-validation, when the
    spec asks for it) and the task's ``ceiling``.  Points recorded earlier are read back, not re-run.
    """
    import pandas as pd

    from neuronlab.experiments.runner import expand, run_sweep
    from neuronlab.experiments.spec import SweepSpec, loads_spec
    from neuronlab.store import RunStore

    store = RunStore() if store is None else store
    spec = loads_spec(spec_toml, source="<notebook spec>")
    run_sweep(spec, store=store)
    axes: list[str] = []
    if isinstance(spec, SweepSpec):
        axes = [*spec.sweep.grid, *(spec.sweep.random.axes if spec.sweep.random else {})]
    runs = {(r.spec_hash, r.seed): r for r in reversed(store.list_runs()) if not r.oneoff}  # newest wins
    rows = []
    for experiment, seed in expand(spec):
        run = runs.get((experiment.spec_hash(), seed))
        params = experiment.flat_params()
        row: dict[str, Any] = {"run": None if run is None else run.id}
        row.update({_label(axis): params.get(axis) for axis in axes})
        row.update(seed=seed, status="missing" if run is None else run.status)
        metrics = {} if run is None else run.metrics
        for split in ("train", "val", "test"):
            row[split] = _headline(metrics.get(split))
        if "cv" in metrics:
            row["cv"] = metrics["cv"].get("mean")
        row["ceiling"] = metrics.get("ceiling")
        rows.append(row)
    return pd.DataFrame(rows)


def run_history(run_id: int, *, store: RunStore | None = None) -> dict[str, Any]:
    """A recorded run's per-epoch history, ready for ``plot_learning_curves``."""
    from neuronlab.errors import DataError
    from neuronlab.store import RunStore

    record = (RunStore() if store is None else store).get(int(run_id))
    if not record.history:
        raise DataError(f"run {run_id} has no per-epoch history (linear models and GPs have none)")
    history: dict[str, Any] = dict(record.history)
    history["epoch"] = list(range(1, len(next(iter(history.values()))) + 1))
    history["metric_name"] = "accuracy" if "accuracy" in (record.metrics.get("val") or {}) else "r2"
    return history


def _label(axis: str) -> str:
    table, _, key = axis.rpartition(".")
    return table.split(".")[0] if key in _BY_TABLE and table else key


def _headline(split: Any) -> float | None:
    if not isinstance(split, dict):
        return None
    value = split.get("accuracy", split.get("r2"))
    return None if value is None else float(value)
