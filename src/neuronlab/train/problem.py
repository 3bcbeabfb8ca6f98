"""What an engine trains, as plain data: one network's configuration, initial weights and arrays.

The estimators (one layer up) validate, encode and split their data and hand the engines a
``Problem``; the engines hand back a ``Trained`` (weights, biases, History) or the DivergedError a fit
raises.  No engine sees an estimator, so a batched sweep and a single ``fit`` run the same code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neuronlab.train.history import History

HEADS = ("binary", "multiclass", "mse", "mae")  # the output and its loss: BCE, softmax CE, squared, absolute error


@dataclass
class Problem:
    """One network to train.  ``weights[l]`` is (out, in), ``biases[l]`` (out,) or None."""

    head: str  # one of HEADS
    activation: str
    optimizer: str
    eta: float
    alpha: float
    momentum: float
    batch_size: int | None
    max_epochs: int
    n_iter_no_change: int
    tol: float
    dtype: str
    seed: int  # of the shuffles (``history.shuffle_rng``)
    weights: list[np.ndarray]
    biases: list[np.ndarray | None]
    X: np.ndarray  # (N, F) training rows
    t: np.ndarray  # (N,) class indices, or (N, O) values
    X_val: np.ndarray | None = None  # early stopping's held-out rows
    t_val: np.ndarray | None = None

    @property
    def widths(self) -> tuple[int, ...]:
        """(F, h_1, …, O)."""
        return (self.weights[0].shape[1], *(W.shape[0] for W in self.weights))

    @property
    def metric(self) -> str:
        """What early stopping maximises: accuracy for classification, R² for regression."""
        return "accuracy" if self.head in ("binary", "multiclass") else "r2"


@dataclass
class Trained:
    """What an engine returns: the final (or best epoch's) weights and the History."""

    weights: list[np.ndarray]
    biases: list[np.ndarray | None]
    history: History
