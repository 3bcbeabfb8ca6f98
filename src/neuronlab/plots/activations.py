"""Activations and their derivatives, drawn from the one shared table.

The derivative panel is the point: σ' of the sigmoid never exceeds 0.25 and vanishes in both tails,
tanh' peaks at 1 but saturates too, while ReLU's is exactly 1 for every positive input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from neuronlab.nn.activations import get_activation
from neuronlab.plots.boundary import new_figure

# The FAU slide's order, from the most historical to the most used today.
FIVE = ("step", "sigmoid", "tanh", "relu", "leaky_relu")


@dataclass(frozen=True)
class ActivationCurves:
    """σ(a) and σ'(a) on a grid of inputs a, one entry per activation name."""

    a: np.ndarray  # (n,)
    values: dict[str, np.ndarray]  # name → σ(a) (n,)
    derivatives: dict[str, np.ndarray]  # name → σ'(a) (n,)

    def max_derivative(self, name: str) -> float:
        return float(self.derivatives[name].max())


def activation_data(names: Sequence[str] = FIVE, *, a_min: float = -5.0, a_max: float = 5.0,
                    n: int = 401) -> ActivationCurves:
    """Each activation and its derivative on ``n`` points of [a_min, a_max] (an odd n includes a = 0)."""
    a = np.linspace(a_min, a_max, n)
    acts = [get_activation(name) for name in names]  # unknown names fail here, listing the valid ones
    return ActivationCurves(a, {act.name: act.f(a) for act in acts}, {act.name: act.df(a) for act in acts})


def plot_activations(names: Sequence[str] = FIVE, *, derivatives: bool = True,
                     data: ActivationCurves | None = None) -> Figure:
    """One panel per activation: σ(a) solid, σ'(a) dashed (the step's derivative is 0 almost everywhere)."""
    data = data or activation_data(names)
    fig, axes = plt.subplots(1, len(data.values), figsize=(3.0 * len(data.values), 3.0), sharey=True,
                             squeeze=False)
    for ax, name in zip(axes[0], data.values, strict=True):
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        ax.plot(data.a, data.values[name], "C0", lw=2, label="σ(a)")
        if derivatives:
            ax.plot(data.a, data.derivatives[name], "C3--", lw=1.5, label="σ'(a)")
        ax.set_title(f"{name}\n{get_activation(name).formula}", fontsize=9)
        ax.set_xlabel("a")
        ax.set_ylim(-1.2, 2.0)
    axes[0][0].legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def plot_derivatives(names: Sequence[str] = ("sigmoid", "relu"), *, ax: Axes | None = None,
                     data: ActivationCurves | None = None) -> Figure:
    """σ'(a) of several activations on one axis, each labelled with its maximum (sigmoid: 0.25)."""
    data = data or activation_data(names)
    fig, ax = new_figure(ax)
    for k, name in enumerate(data.derivatives):
        ax.plot(data.a, data.derivatives[name], color=f"C{k}", lw=2,
                label=f"{name}' (max {data.max_derivative(name):.2f})")
    ax.axhline(0.25, color="0.5", ls=":", lw=1)
    ax.set_xlabel("a")
    ax.set_ylabel("σ'(a)")
    ax.set_title("derivative of the activation")
    ax.legend(fontsize=8)
    return fig
