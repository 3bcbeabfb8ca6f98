"""The torch engine: a ``Problem`` trained by ``loop.fit_module`` on an ``nn.mlp.MLP``.

This is the PyTorch practical's path (autograd, ``torch.optim``), and the second implementation the
compiled engine is tested against: from the same initial weights and the same shuffles the two give
the same network to rounding.  A ``TorchMLP`` lives on between ``partial_fit`` calls, so Adam's
moments carry on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from neuronlab.nn import mlp
from neuronlab.train.history import History, shuffle_rng
from neuronlab.train.loop import fit_module, make_optimizer
from neuronlab.train.problem import Problem, Trained

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def tensor(a: np.ndarray, dtype: torch.dtype) -> Tensor:
    """A tensor from an array; read-only input (a memmap, a broadcast view) is copied, not shared."""
    return torch.as_tensor(np.require(a, requirements="W"), dtype=dtype)


def head_kind(head: str) -> tuple[str, str | None]:
    """(task kind, regression loss) of a problem's head."""
    return ("regression", head) if head in ("mse", "mae") else (head, None)


def module_from(weights: list[np.ndarray], biases: list[np.ndarray | None], activation: str,
                dtype: str, *, share: bool = False) -> mlp.MLP:
    """An ``nn.mlp.MLP`` holding these weights in ``dtype``: copies, or with ``share`` the very arrays
    (an estimator's ``module_`` and its ``coefs_`` are then one network: a change to one is a change to
    the other)."""
    widths = (weights[0].shape[1], *(W.shape[0] for W in weights))
    with torch.device("meta"):  # no init drawn: every weight is set below
        module = mlp.MLP(widths, activation, bias=biases[0] is not None)
    for layer, W, b in zip(module.layers, weights, biases, strict=True):
        assert isinstance(layer, nn.Linear)
        layer.weight = nn.Parameter(_param(W, dtype, share))
        if b is not None:
            layer.bias = nn.Parameter(_param(b, dtype, share))
    return module


def _param(a: np.ndarray, dtype: str, share: bool) -> Tensor:
    if share and a.dtype == np.dtype(dtype) and a.flags.writeable and a.flags.c_contiguous:
        return torch.from_numpy(a)
    return torch.tensor(np.asarray(a, dtype=dtype))


def weights_of(module: mlp.MLP) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    """The module's (weights, biases) as arrays that share its memory (views, not copies)."""
    layers = [m for m in module.layers if isinstance(m, nn.Linear)]
    return ([layer.weight.detach().numpy() for layer in layers],
            [None if layer.bias is None else layer.bias.detach().numpy() for layer in layers])


class TorchMLP:
    """One problem's network under training by torch, with its optimiser."""

    def __init__(self, problem: Problem) -> None:
        self.dtype = DTYPES[problem.dtype]
        self.module = module_from(problem.weights, problem.biases, problem.activation, problem.dtype)
        self.optimizer = make_optimizer(problem.optimizer, self.module.parameters(), eta=problem.eta,
                                        momentum=problem.momentum)

    def targets(self, problem: Problem, t: np.ndarray) -> Tensor:
        if problem.head == "binary":
            return tensor(t, self.dtype)[:, None]  # (N, 1) 0/1 for BCE
        if problem.head == "multiclass":
            return tensor(t, torch.long)  # (N,) class indices for cross-entropy
        return tensor(t, self.dtype)  # (N, O)

    def train(self, problem: Problem, history: History, *, max_epochs: int | None = None,
              on_epoch_end: Callable[[History], Any] | None = None) -> Trained:
        """Train for ``max_epochs`` (default the problem's) more epochs, appending to ``history``."""
        kind, loss = head_kind(problem.head)
        validate = problem.X_val is not None and problem.t_val is not None
        fit_module(
            self.module, tensor(problem.X, self.dtype), self.targets(problem, problem.t),
            loss_fn=mlp.head_loss(kind, loss), eta=problem.eta, alpha=problem.alpha, optimizer=self.optimizer,
            batch_size=problem.batch_size, max_epochs=problem.max_epochs if max_epochs is None else max_epochs,
            X_val=tensor(problem.X_val, self.dtype) if validate else None,  # type: ignore[arg-type]
            y_val=self.targets(problem, problem.t_val) if validate else None,  # type: ignore[arg-type]
            metric_fn=mlp.head_metric(kind), metric_name=problem.metric, n_iter_no_change=problem.n_iter_no_change,
            tol=problem.tol, generator=shuffle_rng(problem.seed, len(history)), reduction="mean", history=history,
            on_epoch_end=on_epoch_end)
        weights, biases = weights_of(self.module)
        return Trained(weights, biases, history)
