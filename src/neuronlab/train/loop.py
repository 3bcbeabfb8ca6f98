"""Train one torch module: batches, step, evaluate, log, stop.

Tiny data is our whole field, so the loop is written for per-epoch overhead, not flexibility: the
loss is accumulated as a tensor and fetched with one ``.tolist()`` per epoch, the best weights are
copied only when the validation metric improves, and a full batch is used as-is (no shuffle, no
indexing).  Hooks hang on ``on_epoch_end`` as in skorch, without skorch's per-epoch machinery.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any, Literal, Protocol

import numpy as np
import torch
from torch import Tensor, nn

from neuronlab.errors import ConfigError, DivergedError, valid_names

LossFn = Callable[[Tensor, Tensor], Tensor]
MetricFn = Callable[[Tensor, Tensor], Tensor | float]
OPTIMIZERS = ("sgd", "momentum", "adam")


class NumpyModel(Protocol):
    """What ``fit_numpy`` needs of a hand-made model (``nn.neuron.Neuron``, ``SideBySide``)."""

    def step(self, X: np.ndarray, t: np.ndarray, eta: float, alpha: float = 0.0) -> Any: ...
    def loss(self, X: np.ndarray, t: np.ndarray, alpha: float = 0.0) -> float: ...
    def predict_output(self, X: np.ndarray) -> np.ndarray: ...
    def get_params_vector(self) -> np.ndarray: ...
    def set_params_vector(self, theta: np.ndarray) -> None: ...


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


def check_training_params(*, eta: float, alpha: float, max_epochs: int, batch_size: int | None,
                          n_iter_no_change: int, tol: float) -> None:
    """Reject values no training run can use, each with a one-line hint."""
    if not (isinstance(eta, Real) and math.isfinite(eta) and eta > 0):
        raise ConfigError(f"eta must be a number > 0 (the learning rate), got {eta!r}; try 0.01")
    if not (isinstance(alpha, Real) and math.isfinite(alpha) and alpha >= 0):
        raise ConfigError(f"alpha must be a number >= 0 (the weight decay), got {alpha!r}; use 0 for none")
    if not (isinstance(max_epochs, Integral) and max_epochs >= 1):
        raise ConfigError(f"max_epochs must be an integer >= 1, got {max_epochs!r}")
    if batch_size is not None and not (isinstance(batch_size, Integral) and batch_size >= 1):
        raise ConfigError(f"batch_size must be an integer >= 1 or None (full batch), got {batch_size!r}")
    if not (isinstance(n_iter_no_change, Integral) and n_iter_no_change >= 1):
        raise ConfigError(f"n_iter_no_change must be an integer >= 1, got {n_iter_no_change!r}")
    if not (isinstance(tol, Real) and tol >= 0):
        raise ConfigError(f"tol must be a number >= 0, got {tol!r}")


def make_optimizer(name: str, params: Iterable[Tensor], *, eta: float,
                   momentum: float = 0.9) -> torch.optim.Optimizer:
    """``"sgd"``, ``"momentum"`` (heavy ball, not Nesterov) or ``"adam"``, all with learning rate eta.

    Fused kernels: one call updates every parameter, which on tiny nets makes a full-batch epoch
    about 1.5× faster than torch's default per-tensor loop.
    """
    if name == "sgd":
        return torch.optim.SGD(params, lr=eta, fused=True)
    if name == "momentum":
        if not 0.0 <= momentum < 1.0:
            raise ConfigError(f"momentum must be in [0, 1), got {momentum!r}; try 0.9")
        return torch.optim.SGD(params, lr=eta, momentum=momentum, nesterov=False, fused=True)
    if name == "adam":
        return torch.optim.Adam(params, lr=eta, fused=True)
    raise ConfigError(f"unknown optimizer {name!r}; choose one of {valid_names(OPTIMIZERS)}")


@contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run the block with ``threads`` torch intra-op threads (process-wide), then restore the setting."""
    previous = torch.get_num_threads()
    if threads is not None and threads != previous:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)


def batch_indices(n: int, batch_size: int | None, generator: torch.Generator) -> list[Tensor] | None:
    """This epoch's mini-batches as index tensors, shuffled from ``generator``; None = one full batch.

    A batch size of at least ``n`` is a full batch too, taken in order without drawing from the
    generator (the order of a full batch does not change its gradient).
    """
    if batch_size is None or batch_size >= n:
        return None
    return list(torch.randperm(n, generator=generator).split(batch_size))


def diverged(epoch: int, eta: float) -> DivergedError:
    return DivergedError(
        f"loss became NaN at epoch {epoch} (eta={eta}); try a smaller eta, e.g. {eta / 10:g}", epoch=epoch
    )


def fit_module(
    module: nn.Module,
    X: Tensor,
    y: Tensor,
    *,
    loss_fn: LossFn,
    eta: float,
    alpha: float = 0.0,
    optimizer: str | torch.optim.Optimizer = "adam",
    momentum: float = 0.9,
    batch_size: int | None = None,
    max_epochs: int = 200,
    X_val: Tensor | None = None,
    y_val: Tensor | None = None,
    metric_fn: MetricFn | None = None,
    metric_name: str = "",
    n_iter_no_change: int = 30,
    tol: float = 0.0,
    generator: torch.Generator,
    reduction: Literal["mean", "sum"] = "mean",
    history: History | None = None,
    on_epoch_end: Callable[[History], bool | None] | None = None,
    threads: int | None = 1,
) -> History:
    """Train ``module`` on (X, y) and return its History (appended to ``history`` if given).

    ``loss_fn(module(X), y)`` is the data loss of a batch.  Weight decay adds ½·α·Σ‖W‖² over weight
    matrices (biases are not decayed), divided by the batch size when ``reduction="mean"`` (the
    loss is a batch mean: scikit-learn's convention, so α means what it means in
    ``sklearn.neural_network``) and not divided when ``reduction="sum"`` (the loss is summed over the
    batch: the seed neuron's Δw = −η Σ g − η α w).  With a validation set, training stops once more
    than ``n_iter_no_change`` epochs in a row fell short of the best metric so far plus ``tol``
    (higher is better; default −val loss; scikit-learn's rule, see ``EarlyStopping``), and the best
    epoch's weights are restored.  ``optimizer`` may be an existing
    optimizer over ``module``'s parameters, so that ``partial_fit`` keeps Adam's moments.
    ``on_epoch_end(history)`` returning True stops training.  ``threads`` sets torch's intra-op
    threads while training (restored after; None leaves them alone): on our tiny problems one thread
    is fastest, and on a shared machine a second one can make training ten times slower.
    """
    check_training_params(eta=eta, alpha=alpha, max_epochs=max_epochs, batch_size=batch_size,
                          n_iter_no_change=n_iter_no_change, tol=tol)
    opt = optimizer if isinstance(optimizer, torch.optim.Optimizer) else make_optimizer(
        optimizer, module.parameters(), eta=eta, momentum=momentum)
    weights = [p for p in module.parameters() if p.ndim > 1]  # matrices, not bias vectors
    n = X.shape[0]
    validate = X_val is not None and y_val is not None
    history = history if history is not None else History()
    history.metric_name = metric_name or ("neg_val_loss" if validate and metric_fn is None else "")
    stopper = EarlyStopping(n_iter_no_change, tol)
    best_state: dict[str, Tensor] | None = None
    first = history.epoch[-1] + 1 if history.epoch else 1
    module.train()

    with torch_threads(threads):  # tiny ops: a second thread only adds synchronisation
        for epoch in range(first, first + max_epochs):
            # --- prepare batches: a fresh shuffle per epoch from the seeded generator
            batches = batch_indices(n, batch_size, generator)
            parts = [(X, y)] if batches is None else [(X[idx], y[idx]) for idx in batches]

            # --- step: data loss + weight decay, backward, update; the loss stays a tensor (no sync)
            total = torch.zeros((), dtype=X.dtype)
            for Xb, yb in parts:
                n_b = Xb.shape[0]
                loss = loss_fn(module(Xb), yb)
                if alpha:
                    scale = 0.5 * alpha / n_b if reduction == "mean" else 0.5 * alpha
                    loss = loss + scale * sum((W * W).sum() for W in weights)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                # per epoch: the sample-weighted mean of batch objectives (mean) or their sum (sum)
                total = total + loss.detach() * (n_b / n if reduction == "mean" else 1.0)

            # --- evaluate on the validation set; one .tolist() fetches everything this epoch needs
            if validate:
                assert X_val is not None and y_val is not None
                with torch.no_grad():
                    out = module(X_val)
                    val_loss = loss_fn(out, y_val)
                    metric = -val_loss if metric_fn is None else torch.as_tensor(metric_fn(out, y_val))
                    stats = torch.stack([total.double(), val_loss.double(), metric.double()])
                    train_loss, vl, vm = stats.tolist()
            else:
                train_loss, vl, vm = float(total), math.nan, math.nan

            # --- log
            if not math.isfinite(train_loss):
                raise diverged(epoch, eta)
            history.append(epoch, train_loss, vl, vm)

            # --- stop: keep a copy of the best weights; give up after n_iter_no_change flat epochs
            if validate:
                if stopper.update(epoch, vm):
                    best_state = {k: v.detach().clone() for k, v in module.state_dict().items()}
                if stopper.should_stop:
                    break
            if on_epoch_end is not None and on_epoch_end(history):
                break

    if best_state is not None:
        module.load_state_dict(best_state)
        history.best_epoch = stopper.best_epoch
    module.eval()
    return history


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
    tol: float = 0.0,
    generator: torch.Generator,
    history: History | None = None,
    on_epoch_end: Callable[[History], bool | None] | None = None,
) -> History:
    """``fit_module``'s twin for the hand-made NumPy models: the same batches, log and stopping rule.

    Each batch applies the model's own update (the seed's Δw = −η Σ_batch g − η α w), so eta and
    alpha mean the seed's.  Batches come from ``batch_indices`` with the same generator, which is
    what lets a torch model trained by ``fit_module(..., reduction="sum")`` follow it step by step.
    ``metric_fn(y, t)`` gets the model's outputs.
    """
    check_training_params(eta=eta, alpha=alpha, max_epochs=max_epochs, batch_size=batch_size,
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
            # --- prepare batches: the same shuffles fit_module draws from the same generator
            batches = batch_indices(n, batch_size, generator)
            parts = [(X, t)] if batches is None else [(X[i], t[i]) for i in (idx.numpy() for idx in batches)]

            # --- step: the model's own update per batch; its trace carries the loss before the step
            train_loss = float(sum(model.step(Xb, tb, eta, alpha).loss_before for Xb, tb in parts))

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
