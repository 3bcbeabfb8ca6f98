"""One model on one task: build, fit on the training split, score every split.

The CLI's ``train`` and ``demo`` and (later) the experiment runner all go through here, so a number
printed by the CLI is the number a script gets.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sklearn.base import BaseEstimator
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuronlab.estimators.registry import final_estimator, make_model
from neuronlab.evaluate import honest_pipeline
from neuronlab.evaluate.metrics import score_splits
from neuronlab.nn.baselines import HandFeature
from neuronlab.tasks.base import Task

# Hyper-parameters that only neural models take; linear models and GPs ignore them.
NN_PARAMS = frozenset(
    {"hidden", "activation", "eta", "alpha", "max_epochs", "batch_size", "bias", "optimizer",
     "early_stopping", "n_iter_no_change", "validation_fraction", "backend", "n_neurons", "loss", "dtype",
     "tol", "momentum", "engine", "scale_target"}
)


@dataclass
class FitResult:
    """A fitted model with its scores on train, val and test (and the task's ceiling to read them by)."""

    task: Task
    model: str
    params: dict[str, Any]
    estimator: Any
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def metric_name(self) -> str:
        return "r2" if self.task.kind == "regression" else "accuracy"

    def score(self, split: str = "test") -> float:
        return float(self.metrics[split][self.metric_name])

    @property
    def history(self) -> Any:
        """The per-epoch history of a neural model (None for linear models and GPs)."""
        return getattr(final_estimator(self.estimator), "history_", None)


def build_model(
    model: str, task: Task, *, scale: bool = True, seed: int = 0, feature: str | None = None, **params: Any
) -> BaseEstimator:
    """The estimator for ``model`` on ``task``.

    ``feature`` puts a hand-made feature map (e.g. ``"inv_sqrt"`` for Hall–Petch's 1/√d) in front;
    ``scale`` adds a StandardScaler between the map and the model, fitted on training data only, and
    for neural regressors also standardises the target (yield stresses in MPa would otherwise need
    thousands of epochs for an identity output to reach them); predictions come back in target units.
    The MLP does that itself (its ``scale_target``, here set to ``scale`` unless given); the hand-made
    neuron, which knows nothing of it, gets a TransformedTargetRegressor around it.
    """
    if model not in {"mlp", "neuron"}:
        params = {k: v for k, v in params.items() if k not in NN_PARAMS}
    if model == "mlp" and task.kind == "regression":
        params.setdefault("scale_target", scale)
    estimator = make_model(model, task.kind, random_state=seed, **params)
    if feature not in (None, "none"):
        estimator = make_pipeline(HandFeature(feature), estimator)
    if not scale:
        return estimator
    pipeline = honest_pipeline(estimator)
    if task.kind == "regression" and model == "neuron":
        return TransformedTargetRegressor(regressor=pipeline, transformer=StandardScaler())
    return pipeline


def fit_and_score(
    task: Task, model: str = "mlp", *, scale: bool = True, seed: int | None = None, **params: Any
) -> FitResult:
    """Fit ``model`` on ``task.X_train`` and score it on train, val and test.

    ``seed`` defaults to the task's seed, so one number reproduces the whole run.
    """
    seed = task.seed if seed is None else seed
    estimator = build_model(model, task, scale=scale, seed=seed, **params)
    start = time.perf_counter()
    estimator.fit(task.X_train, task.y_train)
    seconds = time.perf_counter() - start
    splits = [split for split in ("train", "val", "test") if len(getattr(task, f"y_{split}"))]
    metrics = score_splits(estimator, task, splits)  # one predict call for the three splits
    return FitResult(task=task, model=model, params=dict(params, seed=seed), estimator=estimator,
                     metrics=metrics, seconds=seconds)
