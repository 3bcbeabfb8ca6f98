"""Train a hand-made NumPy model (the practical's neuron, neurons side by side): batches, the model's
own update, evaluate, log, stop — the torch loop's stanzas without torch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal, Protocol

import numpy as np

from neuronlab import config
from neuronlab.train.history import EarlyStopping, History, diverged, epoch_orders


class NumpyModel(Protocol):
    """What ``fit_numpy`` needs of a hand-made model (``nn.neuron.Neuron``, ``SideBySide``)."""

    def step(self, X: np.ndarray, t: np.ndarray, eta: float, alpha: float = 0.0) -> Any: ...
    def loss(self, X: np.ndarray, t: np.ndarray, alpha: float = 0.0) -> float: ...
    def predict_output(self, X: np.ndarray) -> np.ndarray: ...
    def get_params_vector(self) -> np.ndarray: ...
    def set_params_vector(self, theta: np.ndarray) -> None: ...


def fit_numpy(
    model: NumpyModel,
    X: np.ndarray,
    t: np.ndarray,
    *,
    eta: float,
    alpha: float = 0.0,
    batch_size: int | None = None,
    max_epochs: int = 200,
    X_val: np.ndarray | None = None,
    t_val: np.ndarray | None = None,
    metric_fn: Callable[[np.ndarray, np.ndarray], float] | None = None,
    metric_name: str = "",
    n_iter_no_change: int = 30,
    tol: float = config.KNOBS["tol"].default,
    rng: np.random.Generator,
    history: History | None = None,
    on_epoch_end: Callable[[History], bool | None] | None = None,
    reduction: Literal["mean", "sum"] = "sum",
) -> History:
    """``fit_module``'s twin for the hand-made NumPy models: the same batches, log and stopping rule.

    Each batch applies the model's own update (the seed's Δw = −η Σ_batch g − η α w), so eta and
    alpha mean the seed's.  Batches come from ``epoch_orders`` with the same generator, which is
    what lets a torch model trained by ``fit_module(..., reduction="sum")`` follow it step by step.
    ``metric_fn(y, t)`` gets the model's outputs.  The logged training loss sums the batches' objectives
    (``reduction="sum"``: the seed's Σ) or weighs them by their share of the rows (``"mean"``: models whose
    step takes batch means, as ``fit_module`` logs them).
    """
    config.check_values(eta=eta, alpha=alpha, max_epochs=max_epochs, batch_size=batch_size,
                        n_iter_no_change=n_iter_no_change, tol=tol)
    n = len(X)
    validate = X_val is not None and t_val is not None
    history = history if history is not None else History()
    history.metric_name = metric_name or ("neg_val_loss" if validate and metric_fn is None else "")
    stopper = EarlyStopping(n_iter_no_change, tol)
    best_theta: np.ndarray | None = None
    first = history.epoch[-1] + 1 if history.epoch else 1

    # A diverging run overflows on its way to NaN; it is reported as DivergedError below, not warned about.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(first, first + max_epochs):
            # --- prepare batches: the same shuffles every engine draws from the same generator
            batches = epoch_orders(n, batch_size, rng)
            parts = [(X, t)] if batches is None else [(X[i], t[i]) for i in batches]

            # --- step: the model's own update per batch; its trace carries the loss before the step
            train_loss = float(sum(model.step(Xb, tb, eta, alpha).loss_before * (len(Xb) / n if reduction == "mean"
                                                                                  else 1.0) for Xb, tb in parts))

            # --- evaluate
            vl = vm = math.nan
            if validate:
                assert X_val is not None and t_val is not None
                vl = model.loss(X_val, t_val)
                vm = -vl if metric_fn is None else float(metric_fn(model.predict_output(X_val), t_val))

            # --- log
            if not math.isfinite(train_loss):
                raise diverged(epoch, eta)
            history.append(epoch, train_loss, vl, vm)

            # --- stop
            if validate:
                if stopper.update(epoch, vm):
                    best_theta = model.get_params_vector().copy()
                if stopper.should_stop:
                    break
            if on_epoch_end is not None and on_epoch_end(history):
                break

    if best_theta is not None:
        model.set_params_vector(best_theta)
        history.best_epoch = stopper.best_epoch
    return history
