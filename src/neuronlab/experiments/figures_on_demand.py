"""A run's figures, drawn when someone asks for them and then kept in the store.

Drawing two PNGs costs 0.2–1.2 s a run, ten times the training of a batched sweep, while people look
at the figures of a handful of runs (the best ones, the one they click).  So a sweep records none by
default, and :func:`run_figure` draws them on the first request: the learning curves from the stored
history (no training), the fit by training the run again from its stored spec and seed.  The PNG is
then stored with the run, so only the first view pays.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from neuronlab.errors import ConfigError, valid_names
from neuronlab.store import RunRecord, RunStore

FIT = "fit.png"  # the decision boundary (2-D classification) or the fitted curve (1-D regression)
CURVES = "learning_curves.png"
FIGURE_NAMES: tuple[str, ...] = (FIT, CURVES)
_HISTORY_COLUMNS = ("train_loss", "val_loss", "val_metric")


def run_figure(store: RunStore, run_id: int, name: str, *, base_dir: str | Path | None = None) -> bytes:
    """The PNG ``name`` (``fit.png`` or ``learning_curves.png``) of run ``run_id``, drawn if not stored yet.

    A stored figure is returned as it is.  Otherwise ``learning_curves.png`` is drawn from the stored
    history, and ``fit.png`` from the model trained again from the stored spec and seed (csv paths
    relative to ``base_dir``): every run is seeded, so it is the recorded model.  An MLP that the sweep
    trained in the batched ensemble (float32, another summation order) may differ from this one in the
    last bits, too little to see in a picture.  The new PNG is stored with the run before it is returned.
    Raises ConfigError for an unknown name, a run that did not finish, or a run with nothing to draw.
    """
    if name not in FIGURE_NAMES:
        raise ConfigError(f"no figure {name!r}; a run's figures are {valid_names(FIGURE_NAMES)}")
    record = store.get(run_id)
    if name in record.artifacts:
        return store.artifact(run_id, name)
    _check_done(record, name)
    data = curves_png(record) if name == CURVES else _refit_png(record, base_dir)
    store.add_artifact(run_id, name, data)
    return data


def png(fig: Any, *, dpi: int = 90) -> bytes:
    """PNG bytes of a Matplotlib figure, which is closed.  No metadata (Matplotlib's version), so the
    same figure gives the same bytes: a figure drawn on demand or at record time reads back identical."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def stored_history(record: RunRecord) -> dict[str, Any] | None:
    """What ``plot_learning_curves`` takes, rebuilt from the store's columns; None without a history.

    The store keeps the per-epoch columns only.  Epochs count from 1 (as the trainer counts them); the
    metric is the run's (accuracy or R²); the best epoch, whose weights the trainer kept, is the first
    with the highest validation metric (there is one whenever there was a validation set).
    """
    history = record.history
    if not history or any(not history.get(k) for k in _HISTORY_COLUMNS):
        return None
    data: dict[str, Any] = {k: list(history[k]) for k in _HISTORY_COLUMNS}
    n = len(data["train_loss"])
    data["epoch"] = list(range(1, n + 1))
    scores = {**record.metrics.get("val", {}), **record.metrics.get("test", {})}
    data["metric_name"] = next((m for m in ("accuracy", "r2") if m in scores), "metric")
    finite = [(v, i) for i, v in enumerate(data["val_metric"]) if v is not None and math.isfinite(v)]
    if finite and len(data["val_metric"]) == n:
        top = max(v for v, _ in finite)
        data["best_epoch"] = 1 + min(i for v, i in finite if v == top)
    return data


def curves_png(record: RunRecord) -> bytes:
    """The run's learning curves from its stored history: no training."""
    from neuronlab.plots import plot_learning_curves

    data = stored_history(record)
    if data is None:
        raise ConfigError(f"run {record.id} has no learning curves: its model ({record.model}) keeps no "
                          "per-epoch history; look at its fit.png instead")
    return png(plot_learning_curves(data, title=f"run {record.id}: learning curves"))


def _refit_png(record: RunRecord, base_dir: str | Path | None) -> bytes:
    """Train the run again as ``evaluate_spec`` did (same spec, task and seed) and draw its fit."""
    from neuronlab.experiments.fit import fit_and_score
    from neuronlab.experiments.spec import ExperimentSpec
    from neuronlab.plots import plot_task_fit
    from neuronlab.plots.boundary import has_picture

    try:
        # The stored spec is the run's identity (``canonical()``): everything but name, notes and seeds.
        spec = ExperimentSpec.model_validate({**record.spec, "name": record.experiment},
                                             context={"check_task": False})
    except ValidationError as exc:
        where = ".".join(map(str, exc.errors()[0].get("loc", ()))) or "spec"
        raise ConfigError(f"run {record.id} cannot be trained again: its stored spec is not an experiment "
                          f"spec ({where}); only runs of `neuronlab run`/`sweep` redraw their fit") from None
    task = spec.load_task(record.seed, base_dir=base_dir)
    if not has_picture(task):  # plot_task_fit's rule, checked before training
        raise ConfigError(f"run {record.id} has no fit.png: {record.task} ({task.kind}, {task.n_features} "
                          "features) has no natural picture; only 2-D tasks and 1-D regression do")
    result = fit_and_score(task, spec.model.kind, seed=record.seed, **spec.model_params())
    return png(plot_task_fit(result.estimator, task))


def _check_done(record: RunRecord, name: str) -> None:
    if record.status == "done":
        return
    if record.status == "running":
        raise ConfigError(f"run {record.id} is still running; ask for its {name} once it is done")
    if record.status == "diverged":
        raise ConfigError(f"run {record.id} diverged at epoch {record.diverged_epoch}, so it has no {name}; "
                          "lower eta and run it again")
    first = (record.error or "").splitlines()[0] if record.error else "no error recorded"
    raise ConfigError(f"run {record.id} {record.status} ({first}), so it has no {name}; "
                      f"see `neuronlab runs show {record.id}`")


__all__ = ["CURVES", "FIGURE_NAMES", "FIT", "curves_png", "png", "run_figure", "stored_history"]
