"""0 and 1b. The FAU slides' diagrams: the perceptron and the multilayer perceptron, drawn from real models.

Why draw them from models rather than by hand: a diagram that is only boxes and arrows can say
anything.  Here the perceptron is a real ``nn.neuron.Neuron`` (step activation, weights set by hand to
compute AND), and its truth table in the figure is what that neuron outputs; the MLP is a real
``nn.mlp.MLP`` module, every drawn edge one of its weights (colour: sign, width: size), so the test can
count edges against the module's parameters.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from neuronlab.nn.mlp import MLP
from neuronlab.nn.neuron import Neuron

# The perceptron's worked example: AND, the boundary x1 + x2 = 1.5.
AND_WEIGHTS = (1.0, 1.0)
AND_BIAS = -1.5
# The MLP drawn: the 2 → 8 → 8 → 1 tanh net that solves XOR in figure 2 (xor_mlp).
MLP_WIDTHS = (2, 8, 8, 1)
MLP_ACTIVATION = "tanh"

NODE = {"boxstyle": "circle,pad=0.35", "fc": "#eef3fb", "ec": "0.25"}
INPUT = {"boxstyle": "circle,pad=0.35", "fc": "#fdf6e3", "ec": "0.25"}
POSITIVE, NEGATIVE = "#1f77b4", "#d62728"


def perceptron_truth_table(w: tuple[float, float] = AND_WEIGHTS, b: float = AND_BIAS) -> dict[str, list[float]]:
    """The step neuron's activation a and output y on the four corners of {0, 1}²."""
    neuron = Neuron(2, "step", bias=True)
    neuron.set_weights(np.asarray(w), b)
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])  # (4, 2)
    a, y = neuron.forward(X)
    return {"x1": X[:, 0].tolist(), "x2": X[:, 1].tolist(), "a": a.tolist(), "y": y.tolist()}


def _edge(ax: Axes, start: tuple[float, float], end: tuple[float, float], label: str = "", *,
          colour: str = "black", width: float = 1.2, shrink: float = 18.0) -> None:
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "color": colour, "lw": width,
                                                      "shrinkA": shrink, "shrinkB": shrink})
    if label:
        x, y = start[0] + 0.45 * (end[0] - start[0]), start[1] + 0.45 * (end[1] - start[1])
        ax.text(x, y + 0.12, label, ha="center", va="bottom", fontsize=10, color=colour,
                bbox={"fc": "white", "ec": "none", "alpha": 0.85, "pad": 0.5})


def perceptron_diagram(*, fast: bool = False, seed: int = 0) -> tuple[Figure, dict[str, Any]]:
    """The perceptron: inputs x₁, x₂ and a constant 1, weighted, summed into a, through the step to y."""
    table = perceptron_truth_table()
    w, b = AND_WEIGHTS, AND_BIAS
    fig, (ax, side) = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [2.2, 1]})
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 6)
    ax.axis("off")
    inputs = {"x₁": (1.0, 4.8), "x₂": (1.0, 3.0), "1": (1.0, 1.2)}
    labels = {"x₁": f"w₁ = {w[0]:g}", "x₂": f"w₂ = {w[1]:g}", "1": f"b = {b:g}"}
    total, step, out = (4.8, 3.0), (7.0, 3.0), (9.2, 3.0)
    for name, xy in inputs.items():
        ax.text(*xy, name, ha="center", va="center", fontsize=13, bbox=INPUT)
        _edge(ax, xy, total, labels[name])
    ax.text(*total, "Σ", ha="center", va="center", fontsize=20, bbox=NODE)
    ax.text(total[0], total[1] - 0.9, "a = w₁x₁ + w₂x₂ + b", ha="center", va="top", fontsize=10)
    ax.text(*step, "  ", ha="center", va="center", fontsize=22,
            bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "0.25"})
    ax.plot([step[0] - 0.3, step[0], step[0], step[0] + 0.3], [step[1] - 0.25] * 2 + [step[1] + 0.25] * 2,
            color="black", lw=1.8, zorder=5)  # the step function's icon, drawn over its box
    ax.text(step[0], step[1] - 0.9, "y = 1 if a ≥ 0 else 0", ha="center", va="top", fontsize=10)
    _edge(ax, total, step, "a", shrink=24.0)
    ax.text(*out, "y", ha="center", va="center", fontsize=13, bbox=INPUT)
    _edge(ax, step, out, shrink=22.0)
    ax.set_title("the perceptron (step activation), weights set by hand to compute AND")
    side.axis("off")
    rows = [[f"{x1:g}", f"{x2:g}", f"{a:+.1f}", f"{y:g}"]
            for x1, x2, a, y in zip(table["x1"], table["x2"], table["a"], table["y"], strict=True)]
    grid = side.table(cellText=rows, colLabels=["x₁", "x₂", "a", "y"], loc="center", cellLoc="center")
    grid.scale(1.0, 1.8)
    side.set_title("what this neuron outputs (= x₁ AND x₂)")
    fig.tight_layout()
    and_of = [float(x1 and x2) for x1, x2 in zip(table["x1"], table["x2"], strict=True)]
    return fig, {"w": list(w), "b": b, "activation": "step", "truth_table": table,
                 "computes_and": table["y"] == and_of, "n_inputs": 2, "n_weights": 2, "n_biases": 1}


def mlp_diagram(*, fast: bool = False, seed: int = 0, widths: tuple[int, ...] = MLP_WIDTHS,
                activation: str = MLP_ACTIVATION) -> tuple[Figure, dict[str, Any]]:
    """The multilayer perceptron as layers of units, every edge one weight of a real (seeded) MLP module."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        module = MLP(widths, activation)
    linears = [m for m in module.modules() if isinstance(m, torch.nn.Linear)]  # typed, in order
    weights = [layer.weight.detach().double().numpy() for layer in linears]  # (n_out, n_in) each
    fig, ax = plt.subplots(figsize=(10, 6))
    ax.axis("off")
    x_of = np.linspace(0.0, 1.0, len(widths))
    tallest = max(widths)
    y_of = [((n - 1) / 2 - np.arange(n)) / max(tallest - 1, 1) for n in widths]  # unit 1 on top
    largest = max(float(np.abs(W).max()) for W in weights)
    edges_per_layer = []
    for k, W in enumerate(weights):
        drawn = 0
        for j in range(W.shape[0]):  # unit j of layer k + 1
            for i in range(W.shape[1]):  # unit i of layer k
                ax.plot([x_of[k], x_of[k + 1]], [y_of[k][i], y_of[k + 1][j]], lw=0.3 + 2.2 * abs(W[j, i]) / largest,
                        color=POSITIVE if W[j, i] >= 0 else NEGATIVE, alpha=0.6, zorder=1)
                drawn += 1
        edges_per_layer.append(drawn)
    names = ["input", *(f"hidden {k} ({activation})" for k in range(1, len(widths) - 1)), "output (sigmoid)"]
    for k, n in enumerate(widths):
        ax.scatter(np.full(n, x_of[k]), y_of[k], s=420, c="#fdf6e3" if k == 0 else "#eef3fb", edgecolors="0.25",
                   zorder=2)
        ax.text(x_of[k], -0.62, f"{names[k]}\n{n} unit{'s' if n > 1 else ''}", ha="center", va="top", fontsize=9)
    for i, y in enumerate(y_of[0]):
        ax.text(x_of[0] - 0.06, y, f"x{'₁₂₃₄₅₆₇₈₉'[i] if i < 9 else i + 1}", ha="right", va="center", fontsize=11)
    ax.text(x_of[-1] + 0.06, y_of[-1][0], "y", ha="left", va="center", fontsize=11)
    ax.set_xlim(-0.15, 1.15)
    ax.set_ylim(-0.85, 0.65)
    n_params = sum(p.numel() for p in module.parameters())
    ax.set_title(f"multilayer perceptron {' → '.join(map(str, widths))} ({n_params} parameters with the biases)\n"
                 "every line is one weight of the seeded module: blue ≥ 0, red < 0, width ∝ |w|")
    fig.tight_layout()
    return fig, {"widths": list(widths), "activation": activation, "edges_per_layer": edges_per_layer,
                 "n_weights": int(sum(edges_per_layer)), "n_biases": int(sum(widths[1:])),
                 "n_parameters": int(n_params), "seed": seed}
