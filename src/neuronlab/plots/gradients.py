"""Gradient magnitude per layer against depth: why deep sigmoid nets learn slowly near their input.

Backpropagation multiplies the error signal by W_lᵀ and σ'(a_l) once per layer on its way back to the
input.  σ' ≤ 0.25 for the sigmoid, so with weights of order 1/√width the signal shrinks by a roughly
constant factor per layer; ReLU's σ' is 1 where a unit is active, so it shrinks less.  How much either
shrinks depends on the initial weights: ``init="default"`` is PyTorch's own ``nn.Linear`` init
(U(±1/√fan_in), i.e. Kaiming-uniform with a = √5 — too small to preserve the signal even for ReLU);
``init="kaiming"`` is He's normal init with the activation's gain (biases 0), which is built to keep it.
The numbers are measured at initialisation on one fixed batch, no training.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import nn
from torch.nn import functional as F

from neuronlab.errors import ConfigError, valid_names
from neuronlab.nn.activations import get_activation
from neuronlab.nn.mlp import MLP
from neuronlab.plots.boundary import new_figure

INITS = ("default", "kaiming")
_GAIN_NAME = {"identity": "linear", "step": "linear"}  # names torch's calculate_gain knows them by


@dataclass(frozen=True)
class GradientDepth:
    """Mean |∂L/∂W_l| of every Linear layer l = 1 (input side) … depth + 1 (output), per activation."""

    layer: np.ndarray  # (depth + 1,) 1-based, input to output
    mean_abs: dict[str, np.ndarray]  # activation → (depth + 1,)
    depth: int  # hidden layers
    width: int
    n_samples: int
    init: str
    seed: int

    def ratio(self, activation: str) -> float:
        """First layer's mean |gradient| over the last layer's: below 1 when the gradient vanishes."""
        g = self.mean_abs[activation]
        return float(g[0] / g[-1])

    def orders(self, activation: str) -> float:
        """Orders of magnitude lost between the output layer and the input layer: -log10(ratio)."""
        return -math.log10(self.ratio(activation))


def layer_gradient_magnitudes(module: nn.Module, X: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """Mean |∂L/∂W| of each Linear layer of ``module``, in order, for one batch's binary cross-entropy."""
    module.zero_grad()
    F.binary_cross_entropy_with_logits(module(X), y).backward()
    grads = [layer.weight.grad for layer in _linears(module)]
    return np.array([float(g.abs().mean()) if g is not None else 0.0 for g in grads])


def _linears(module: nn.Module) -> list[nn.Linear]:
    """The Linear layers in order (typed: ``ModuleList`` indexing gives plain Modules)."""
    return [m for m in module.modules() if isinstance(m, nn.Linear)]


def gradient_depth_data(activations: Sequence[str] = ("sigmoid", "relu"), *, depth: int = 8, width: int = 32,
                        n_samples: int = 256, n_inputs: int = 2, init: str = "default",
                        seed: int = 0) -> GradientDepth:
    """Per-layer gradient magnitudes of a ``depth``-hidden-layer MLP at initialisation.

    Every activation gets the same initial weights (the same seed) and the same batch: X ~ N(0, 1)
    with the XOR label sign(x1·x2) > 0, so only σ differs between the curves.
    """
    for name in activations:
        get_activation(name)
    if init not in INITS:
        raise ConfigError(f"unknown init {init!r}; choose one of {valid_names(INITS)}")
    if min(depth, width, n_samples, n_inputs) < 1:
        raise ConfigError(f"depth, width, n_samples and n_inputs must be >= 1; got "
                          f"{depth}, {width}, {n_samples}, {n_inputs}")
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n_samples, n_inputs, generator=gen, dtype=torch.float64)  # (N, n_inputs)
    y = (X[:, :1] * X[:, -1:] > 0).to(torch.float64)  # (N, 1)
    widths = (n_inputs, *([width] * depth), 1)
    mean_abs = {}
    for name in activations:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            module = MLP(widths, name).double()
            if init == "kaiming":
                gain_name: Any = _GAIN_NAME.get(name, name)
                for layer in _linears(module):
                    nn.init.kaiming_normal_(layer.weight, nonlinearity=gain_name)
                    nn.init.zeros_(layer.bias)
        mean_abs[name] = layer_gradient_magnitudes(module, X, y)
    return GradientDepth(np.arange(1, depth + 2), mean_abs, depth, width, n_samples, init, seed)


def plot_gradient_depth(data: GradientDepth | None = None, *, ax: Axes | None = None,
                        title: str | None = None) -> Figure:
    """Mean |∂L/∂W_l| against layer l on a log axis, one line per activation, with each first/last ratio."""
    data = data or gradient_depth_data()
    fig, ax = new_figure(ax)
    for k, (name, g) in enumerate(data.mean_abs.items()):
        ax.semilogy(data.layer, g, "o-", color=f"C{k}",
                    label=f"{name}: first/last = {data.ratio(name):.1e} ({data.orders(name):.1f} orders)")
    ax.set_xticks(data.layer)
    ax.set_xlabel(f"layer (1 = input side, {data.layer[-1]} = output); {data.depth} hidden × {data.width}")
    ax.set_ylabel("mean |∂L/∂W| at initialisation")
    ax.set_title(title or f"gradient per layer ({data.init} init, seed {data.seed})")
    ax.legend(fontsize=8)
    return fig

