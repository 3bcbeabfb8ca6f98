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
from typing import Literal

import numpy as np
import torch
from torch import Tensor, nn

from neuronlab import config
from neuronlab.errors import ConfigError, valid_names
from neuronlab.train.history import EarlyStopping, History, diverged, epoch_orders

LossFn = Callable[[Tensor, Tensor], Tensor]
MetricFn = Callable[[Tensor, Tensor], Tensor | float]
OPTIMIZERS = config.OPTIMIZERS


def make_optimizer(name: str, params: Iterable[Tensor], *, eta: float,
                   momentum: float = 0.9) -> torch.optim.Optimizer:
    """``"sgd"``, ``"momentum"`` (heavy ball, not Nesterov) or ``"adam"``, all with learning rate eta.

    Fused kernels: one call updates every parameter, which on tiny nets makes a full-batch epoch
    about 1.5× faster than torch's default per-tensor loop.
    """
    if name == "sgd":
        return torch.optim.SGD(params, lr=eta, fused=True)
    if name == "momentum":
        config.check("momentum", momentum)
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


def batch_indices(n: int, batch_size: int | None, generator: np.random.Generator | torch.Generator
                  ) -> list[Tensor] | None:
    """This epoch's mini-batches as index tensors; None = one full batch.

    A NumPy generator gives the orders every engine draws (``history.epoch_orders``), so the torch
    loop sees the compiled kernel's batches; a torch generator (the playground's) draws torch's own.
    """
    if batch_size is None or batch_size >= n:
        return None
    if isinstance(generator, np.random.Generator):
        orders = epoch_orders(n, batch_size, generator)
        return None if orders is None else [torch.from_numpy(o) for o in orders]
    return list(torch.randperm(n, generator=generator).split(batch_size))


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
    tol: float = config.KNOBS["tol"].default,
    generator: np.random.Generator | torch.Generator,
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
    config.check_values(eta=eta, alpha=alpha, max_epochs=max_epochs, batch_size=batch_size,
                        n_iter_no_change=n_iter_no_change, tol=tol, momentum=momentum)
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
