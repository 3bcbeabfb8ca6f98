"""The NumPy engine: a ``Problem`` trained by ``numpy_loop.fit_numpy`` on a ``numpy_mlp.NumpyMLP``.

Why a third way to train one network: a fresh process that fits one small model (``neuronlab train
moons``) spends ~0.7 s importing Numba and loading the compiled kernel, and ~1 s importing torch,
while the fit itself takes a few tens of milliseconds in NumPy.  From the same initial weights and the
same shuffles it gives the network the other two engines give (``tests/train/test_ensemble.py`` checks
all three against the batched kernel).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from neuronlab.train.history import History, shuffle_rng
from neuronlab.train.numpy_mlp import NumpyMLP
from neuronlab.train.problem import Problem, Trained

LOSS_OF_HEAD = {"binary": "binary_cross_entropy", "multiclass": "cross_entropy", "mse": "mse", "mae": "mae"}


def targets(problem: Problem, t: np.ndarray) -> np.ndarray:
    """(N, 1) 0/1 floats (binary), (N,) class indices (multiclass) or (N, O) values, as the losses take."""
    if problem.head == "binary":
        return np.asarray(t, dtype=problem.dtype)[:, None]
    if problem.head == "multiclass":
        return np.asarray(t, dtype=np.intp)
    return np.asarray(t, dtype=problem.dtype)


def head_metric(head: str) -> Callable[[np.ndarray, np.ndarray], float]:
    """What early stopping maximises, of (logits, targets): accuracy, or R² averaged over outputs as
    scikit-learn's ``r2_score`` (a constant target: 1 if predicted exactly, else 0), in float64."""
    if head == "binary":
        return lambda z, t: float(((z > 0) == (t > 0.5)).mean())
    if head == "multiclass":
        return lambda z, t: float((z.argmax(axis=1) == t).mean())

    def r2(z: np.ndarray, t: np.ndarray) -> float:
        pred, y = z.astype(np.float64), t.astype(np.float64)
        ss_res = ((y - pred) ** 2).sum(axis=0)
        ss_tot = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = np.where(ss_tot > 0, 1.0 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0), (ss_res == 0) * 1.0)
        return float(scores.mean())

    return r2


def train_numpy(problem: Problem, history: History | None = None,
                on_epoch_end: Callable[[History], Any] | None = None) -> Trained:
    """Train ``problem``'s network from its initial weights; raises DivergedError as a fit does."""
    from neuronlab.train.numpy_loop import fit_numpy

    history = history if history is not None else History()
    net = NumpyMLP(problem.weights, problem.biases, problem.activation, LOSS_OF_HEAD[problem.head],
                   optimizer=problem.optimizer, momentum=problem.momentum, dtype=problem.dtype)
    validate = problem.X_val is not None and problem.t_val is not None
    fit_numpy(net, np.asarray(problem.X, dtype=problem.dtype), targets(problem, problem.t), eta=problem.eta,
              alpha=problem.alpha, batch_size=problem.batch_size, max_epochs=problem.max_epochs,
              X_val=np.asarray(problem.X_val, dtype=problem.dtype) if validate else None,
              t_val=targets(problem, problem.t_val) if validate else None,  # type: ignore[arg-type]
              metric_fn=head_metric(problem.head), metric_name=problem.metric,
              n_iter_no_change=problem.n_iter_no_change, tol=problem.tol, rng=shuffle_rng(problem.seed, len(history)),
              history=history, on_epoch_end=on_epoch_end, reduction="mean")
    return Trained([W.copy() for W in net.weights], [None if b is None else b.copy() for b in net.biases], history)
