"""Every split of a task scored from ONE forward pass of a fitted MLP, keeping what the pass saw on the way.

A sweep scores thousands of small fitted networks, and per run the Python around the arithmetic cost
more than the arithmetic: ``predict`` validated the input again, then the trap check ran the pipeline's
scaler and a forward pass of its own to see which ReLU units never fire, and a run at chance asked for
its training predictions a third time.  Here the pipeline's front steps run once over the rows of every
split, then one float64 forward (``train.numpy_mlp.forward``: the weights cast to float64 as the
estimator's ``predict`` casts them, so the logits are the same to the last bit) gives each split's
predictions and, on the training rows, which hidden units fired.  Any other model is scored through its
``predict`` (``score_splits``).  ``tests/evaluate/test_one_pass.py`` holds both ways equal.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline

from neuronlab.estimators import MLPClassifier, MLPRegressor
from neuronlab.estimators.base import row_chunks
from neuronlab.evaluate.metrics import score_predictions, split_arrays
from neuronlab.nn.activations import get_activation
from neuronlab.tasks.base import Task
from neuronlab.train.numpy_mlp import forward


@dataclass(frozen=True)
class Scored:
    """One run's scores and what the forward pass left behind for the trap checks."""

    metrics: dict[str, Any]  # split → report, as score_splits gives it
    train_pred: np.ndarray | None  # predictions on the training rows (None: "train" was not scored)
    fired: list[np.ndarray] | None  # per hidden layer (width,) bool: a > 0 on some training row; None: not seen


def model_inputs(estimator: Any, X: np.ndarray) -> np.ndarray:
    """X as the final model sees it: through the fitted steps (scalers, feature maps) in front of it."""
    while True:
        if isinstance(estimator, TransformedTargetRegressor):
            estimator = getattr(estimator, "regressor_", estimator.regressor)
        elif isinstance(estimator, Pipeline):
            if len(estimator.steps) > 1:
                X = estimator[:-1].transform(X)
            estimator = estimator.steps[-1][1]
        else:
            return np.asarray(X, dtype=float)


def lone_mlp(estimator: Any) -> MLPClassifier | MLPRegressor | None:
    """The MLP when ``estimator`` is one behind nothing but fitted transformers (pipelines, nested), so that
    its predictions are its outputs; None otherwise (a TransformedTargetRegressor maps them back)."""
    while isinstance(estimator, Pipeline):
        estimator = estimator.steps[-1][1]
    return estimator if isinstance(estimator, MLPClassifier | MLPRegressor) else None


class SplitRows:
    """The rows of a task's scored splits, one after the other, and what the models see of them.

    Every pipeline of a sweep on one task fits its scaler on the same training rows, so its transform of
    these rows is the same as its neighbours': ``inputs`` computes it once per distinct fitted front
    (its pickle is the key: equal state, equal transform) and hands it to every run that shares it.
    Keep one per task (a chunk's runs on it), never across tasks."""

    def __init__(self, task: Task, splits: Sequence[str] = ("train", "val", "test")) -> None:
        parts = [split_arrays(task, split) for split in splits]
        self.task, self.splits = task, tuple(splits)
        self.X = np.concatenate([X for X, _ in parts])  # (N, F): every scored split's rows
        sizes = [len(y) for _, y in parts]
        where = self.splits.index("train") if "train" in self.splits else None
        start = sum(sizes[:where]) if where is not None else 0
        self.train = slice(start, start + sizes[where]) if where is not None else None  # X[train]: training rows
        self._inputs: dict[bytes, np.ndarray] = {}

    def inputs(self, estimator: Any) -> np.ndarray:
        """``model_inputs(estimator, X)``, computed once per distinct fitted front (scalers, feature maps)."""
        fronts, step = [], estimator
        while isinstance(step, Pipeline):
            fronts.append(step[:-1] if len(step.steps) > 1 else None)
            step = step.steps[-1][1]
        key = pickle.dumps(fronts)
        if key not in self._inputs:
            Z = model_inputs(estimator, self.X)
            Z.flags.writeable = False  # shared by every run with this front: nobody may change it
            self._inputs[key] = Z
        return self._inputs[key]


def score_one_pass(estimator: Any, task: Task, splits: Sequence[str] = ("train", "val", "test"), *,
                   rows: SplitRows | None = None) -> Scored:
    """``score_splits(estimator, task, splits)`` and, for an MLP, the training rows' predictions and which
    of its hidden units fired on them — from one pass over the rows of all ``splits`` (``rows``: of
    ``task`` and ``splits``, shared by the runs on that task)."""
    rows = SplitRows(task, splits) if rows is None else rows
    model = lone_mlp(estimator)
    if model is None:
        y_pred = np.asarray(estimator.predict(rows.X))
        return Scored(score_predictions(task, rows.splits, y_pred), _part(y_pred, rows.train), None)
    sigma = get_activation(model.activation)
    layers = list(zip(model.coefs_, model.intercepts_, strict=True))
    fired = [np.zeros(W.shape[0], dtype=bool) for W, _ in layers[:-1]]
    start, stop = (rows.train.start, rows.train.stop) if rows.train is not None else (0, 0)
    logits, done = [], 0
    # (N, F) float64, as the MLP's own input check makes it, in the row blocks its ``predict`` uses
    for block in row_chunks(rows.inputs(estimator), max(W.shape[0] for W, _ in layers)):
        _, pre, z = forward(layers, sigma, block)  # pre: the hidden layers' (n, h_l); z: (n, n_out)
        lo, hi = max(start - done, 0), min(stop - done, len(block))  # the training rows in this block
        if lo < hi:
            for seen, a in zip(fired, pre, strict=True):
                seen |= ~(a[lo:hi] <= 0).all(axis=0)
        logits.append(z)
        done += len(block)
    y_pred = np.asarray(model.predict_from_logits(np.concatenate(logits)))  # what ``predict`` returns
    return Scored(score_predictions(task, rows.splits, y_pred), _part(y_pred, rows.train),
                  None if rows.train is None else fired)


def _part(y_pred: np.ndarray, train: slice | None) -> np.ndarray | None:
    return None if train is None else y_pred[train]
