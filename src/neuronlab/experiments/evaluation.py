"""One run's numbers: train a spec's model on its task and score it (metrics, history, figures).

No store here: ``neuronlab train`` without ``--db`` and the batched executors' workers use it without
importing the run store; the runner (``runner.py``) records what it returns.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import numpy as np

from neuronlab.estimators.registry import final_estimator
from neuronlab.evaluate.one_pass import SplitRows, score_one_pass
from neuronlab.evaluate.validation import CVResult
from neuronlab.experiments.fit import build_model, fit_and_score
from neuronlab.experiments.spec import ExperimentSpec
from neuronlab.experiments.traps import training_warnings
from neuronlab.tasks.base import Task


def evaluate_spec(spec: ExperimentSpec, *, seed: int, base_dir: str | Path | None = None, figures: bool = True,
                  engine: str | None = None) -> tuple[dict[str, Any], dict[str, list[float]] | None, dict[str, bytes]]:
    """Train and evaluate one experiment: (metrics, history, figures). Raises DivergedError on NaN.

    ``figures=False`` draws no PNGs (a sweep's default; ``figures_on_demand.run_figure`` draws them later).
    ``engine`` trains an MLP with that engine (``neuronlab.config``'s ``engine``); it is how, not what, so it
    is not part of the spec: every engine trains the same network to rounding.
    """
    task = spec.load_task(seed, base_dir=base_dir)
    params = spec.model_params()
    if engine is not None and spec.model.kind == "mlp":
        params["engine"] = engine
    # Holdout: fit on the training split, score train, val and test.
    result = fit_and_score(task, spec.model.kind, seed=seed, **params)
    return evaluate_fitted(spec, task, result.estimator, seed=seed, split_metrics=result.metrics, figures=figures)


class TaskShare:
    """What every run on one task has in common, worked out once for a chunk of runs: the ceiling's
    metrics (its binomial range costs more than scoring a run) and the scored splits' rows."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.ceiling: dict[str, Any] = {}
        if task.ceiling is not None:
            self.ceiling["ceiling"] = float(task.ceiling)
            spread = task.ceiling_range()
            if spread is not None:  # what the best possible model scores on this many test points
                self.ceiling["ceiling_range"] = spread.to_dict()
        self.rows = SplitRows(task, [s for s in ("train", "val", "test") if len(getattr(task, f"y_{s}"))])


def evaluate_fitted(spec: ExperimentSpec, task: Any, estimator: Any, *, seed: int,
                    split_metrics: dict[str, dict[str, Any]] | None = None, figures: bool = True,
                    share: TaskShare | None = None, cv_result: CVResult | Exception | None = None,
                    ) -> tuple[dict[str, Any], dict[str, list[float]] | None, dict[str, bytes]]:
    """(metrics, history, figures) of an estimator already fitted on ``task``'s training split.

    ``evaluate_spec`` ends here, and so does a run trained in the batched ensemble, so both are
    recorded alike.  ``split_metrics`` are the holdout scores when the caller has them already (else
    ``score_one_pass`` computes them: the numbers ``score_splits`` gives, in one forward pass);
    ``figures=False`` skips the PNGs (~0.4 s a run: more than training a whole chunk).  ``share``: what
    the runs on ``task`` share (a chunk keeps one per task; None works it out for this run alone).
    ``cv_result``: with ``[evaluate] method = "cv"``, the cross-validation a batched sweep already ran for
    this run (``model_selection.cv.cross_validate_many``: the numbers ``cross_validate_task`` gives), or the
    error it met; None cross-validates here.
    """
    from neuronlab.evaluate import cross_validate_task

    share = TaskShare(task) if share is None else share
    seen = None
    if split_metrics is None:  # one forward pass scores every split and feeds the trap checks
        seen = score_one_pass(estimator, task, share.rows.splits, rows=share.rows)
        split_metrics = seen.metrics
    metrics: dict[str, Any] = {split: plain(values) for split, values in split_metrics.items()}
    for key, value in share.ceiling.items():  # copies: each run's metrics are its own to change
        metrics[key] = dict(value) if isinstance(value, dict) else value
    if warnings := training_warnings(estimator, task, split_metrics, seen=seen):
        metrics["warnings"] = warnings
    # Cross-validation on train + val, the scaler refitted inside every training fold.
    if spec.evaluate.method == "cv":
        if isinstance(cv_result, Exception):
            raise cv_result
        cv = cv_result if cv_result is not None else cross_validate_task(
            spec_model(spec, task, seed), task, cv=spec.evaluate.cv, n_splits=spec.evaluate.n_splits, seed=seed)
        metrics["cv"] = {"splitter": cv.splitter, "scoring": cv.scoring, "mean": cv.mean, "std": cv.std,
                         "folds": [float(s) for s in cv.scores]}
    history = getattr(final_estimator(estimator), "history_", None)
    history_columns = None
    if history is not None:
        history_columns = {k: list(map(float, v)) for k, v in history.to_dict().items()
                           if isinstance(v, list | tuple) and k != "epoch"}
    return metrics, history_columns, draw_figures(estimator, task, history) if figures else {}


def spec_model(spec: ExperimentSpec, task: Task, seed: int) -> Any:
    """A run's unfitted estimator (its spec's model on ``task``): what the batched holdout fit trains and
    what cross-validation clones per fold."""
    params = spec.model_params()
    scale = params.pop("scale")
    return build_model(spec.model.kind, task, scale=scale, seed=seed, **params)


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def plain(values: dict[str, Any]) -> dict[str, Any]:
    """Metrics as JSON-able numbers (confusion matrices as nested lists)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, np.ndarray):
            out[key] = value.tolist()
        elif isinstance(value, np.generic):
            out[key] = value.item()
        else:
            out[key] = value
    return out


def draw_figures(estimator: Any, task: Any, history: Any) -> dict[str, bytes]:
    """PNG bytes of the run's pictures: its boundary or fit (where the task has one), its learning curves."""
    from neuronlab.errors import ConfigError
    from neuronlab.experiments.figures_on_demand import CURVES, FIT, png
    from neuronlab.plots import plot_learning_curves, plot_task_fit

    figures: dict[str, bytes] = {}
    with contextlib.suppress(ConfigError):  # no natural picture for a task with more than two features
        figures[FIT] = png(plot_task_fit(estimator, task))
    if history is not None and len(history):
        figures[CURVES] = png(plot_learning_curves(history))
    return figures
