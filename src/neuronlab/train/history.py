"""What every engine shares: the per-epoch History, scikit-learn's early-stopping rule, the
mini-batch orders and the divergence error — torch-free, so the compiled engine and the hand-made
NumPy neuron never import torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neuronlab.errors import DivergedError


@dataclass
class History:
    """Per-epoch record of one training run; val columns are NaN when there is no validation set."""

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)
    metric_name: str = ""
    best_epoch: int | None = None
    stopped_epoch: int = 0

    def append(self, epoch: int, train_loss: float, val_loss: float = math.nan,
               val_metric: float = math.nan) -> None:
        self.epoch.append(epoch)
        self.train_loss.append(train_loss)
        self.val_loss.append(val_loss)
        self.val_metric.append(val_metric)
        self.stopped_epoch = epoch

    def to_dict(self) -> dict[str, Any]:
        """The columns as fresh lists (C-speed copies: ``dataclasses.asdict`` deep-copied each float,
        2 s of a 256-model sweep)."""
        return {"epoch": list(self.epoch), "train_loss": list(self.train_loss), "val_loss": list(self.val_loss),
                "val_metric": list(self.val_metric), "metric_name": self.metric_name,
                "best_epoch": self.best_epoch, "stopped_epoch": self.stopped_epoch}

    def __len__(self) -> int:
        return len(self.epoch)


class EarlyStopping:
    """Remember the best validation metric and count epochs without improvement.

    scikit-learn's rule (``MLPClassifier._update_no_improvement_count``): an epoch counts as "no
    improvement" when it falls short of the best so far plus ``tol``, so with ``tol = 0`` a tie
    resets the count (on a small validation set accuracy moves in coarse steps and plateaus often);
    training stops once the count exceeds ``n_iter_no_change``.  The best (strictly higher, so ties
    keep the earlier epoch) is tracked regardless.
    """

    def __init__(self, n_iter_no_change: int, tol: float = 0.0) -> None:
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.best_metric = -math.inf
        self.best_epoch: int | None = None
        self.count = 0

    def update(self, epoch: int, metric: float) -> bool:
        """Record one epoch's metric; True when it is a new best (the caller copies its weights)."""
        self.count = self.count + 1 if metric < self.best_metric + self.tol else 0
        if metric > self.best_metric:
            self.best_metric, self.best_epoch = metric, epoch
            return True
        return False

    @property
    def should_stop(self) -> bool:
        return self.count > self.n_iter_no_change


def diverged(epoch: int, eta: float) -> DivergedError:
    return DivergedError(
        f"loss became NaN at epoch {epoch} (eta={eta}); try a smaller eta, e.g. {eta / 10:g}", epoch=epoch
    )


def epoch_orders(n: int, batch_size: int | None, rng: np.random.Generator) -> list[np.ndarray] | None:
    """This epoch's mini-batches as index arrays, shuffled from ``rng``; None = one full batch.

    Every engine draws its shuffles here, from the generator ``shuffle_rng`` seeds, so the torch loop,
    the compiled kernel and the NumPy neuron see the very same batches.  A batch size of at least ``n``
    is a full batch, taken in order without drawing (the order of a full batch does not change its
    gradient).
    """
    if batch_size is None or batch_size >= n:
        return None
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def shuffle_rng(seed: int, epochs_done: int = 0) -> np.random.Generator:
    """The generator of a fit's shuffles: a stream of its own per (seed, epochs already trained), so
    ``partial_fit`` continues reproducibly where the last call stopped."""
    return np.random.default_rng([seed, 1, epochs_done])
