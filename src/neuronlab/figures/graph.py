"""12. The computational graph of one neuron: forward values left to right, gradients right to left.

    a = w·x + b  →  y = σ(a)  →  L = −[t ln y + (1 − t) ln(1 − y)]

Every number comes from a real ``nn.neuron.Neuron`` with weights set by hand: the forward values from
``forward``/``loss``, the weight and bias gradients from ``gradients``.  The inner gradients follow by
the chain rule, each from the one to its right: ∂L/∂a = ∂L/∂b (b enters a with slope 1),
∂L/∂y = ∂L/∂a / σ'(a), ∂L/∂x_i = ∂L/∂a · w_i.  The test checks them all against torch autograd.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from neuronlab.nn.neuron import Neuron

# the worked example: two inputs, a positive target
X_EXAMPLE = (1.0, 2.0)
W_EXAMPLE = (0.8, -0.3)
B_EXAMPLE = 0.2
T_EXAMPLE = 1.0

BACKWARD = "#c0392b"


def graph_values(x: tuple[float, float] = X_EXAMPLE, w: tuple[float, float] = W_EXAMPLE, b: float = B_EXAMPLE,
                 t: float = T_EXAMPLE) -> dict[str, dict[str, float]]:
    """Forward values and backward gradients of the sigmoid neuron with cross-entropy loss."""
    neuron = Neuron(2, "sigmoid", bias=True)
    neuron.set_weights(np.asarray(w), b)
    X, target = np.asarray([x], dtype=float), np.asarray([t], dtype=float)  # one sample: (1, 2), (1,)
    a, y = (float(v[0]) for v in neuron.forward(X))
    grads = neuron.gradients(X, target)
    dL_da = float(grads["b"])  # ∂a/∂b = 1, and one sample: the bias gradient is δ = ∂L/∂a itself
    forward = {"x1": x[0], "x2": x[1], "w1": w[0], "w2": w[1], "b": b, "t": t, "a": a, "y": y,
               "L": neuron.loss(X, target)}
    backward = {
        "dL_dy": dL_da / float(neuron.sigma.df(np.asarray([a]))[0]),  # chain rule: δ = ∂L/∂y · σ'(a)
        "dL_da": dL_da,
        "dL_dw1": float(grads["w"][0]), "dL_dw2": float(grads["w"][1]), "dL_db": dL_da,
        "dL_dx1": dL_da * w[0], "dL_dx2": dL_da * w[1],
    }
    return {"forward": forward, "backward": backward}


def _box(ax: Axes, xy: tuple[float, float], text: str, colour: str = "#eef3fb") -> None:
    ax.text(*xy, text, ha="center", va="center", fontsize=9,
            bbox={"boxstyle": "round,pad=0.4", "fc": colour, "ec": "0.3"})


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], label: str, *,
           backward: bool = False, offset: float = 0.0, at: float = 0.5,
           shrink: tuple[float, float] = (30, 30)) -> None:
    """An arrow start → end, shifted ``offset`` to its right-hand side, labelled at fraction ``at``."""
    colour = BACKWARD if backward else "black"
    (x0, y0), (x1, y1) = start, end
    length = float(np.hypot(x1 - x0, y1 - y0))
    nx, ny = (y1 - y0) / length * offset, -(x1 - x0) / length * offset  # right-hand normal
    s, e = (x0 + nx, y0 + ny), (x1 + nx, y1 + ny)
    ax.annotate("", xy=e, xytext=s, arrowprops={
        "arrowstyle": "-|>", "color": colour, "lw": 1.2, "linestyle": "--" if backward else "-",
        "shrinkA": shrink[0], "shrinkB": shrink[1]})
    if label:
        pos = (s[0] + at * (e[0] - s[0]) + 2 * nx, s[1] + at * (e[1] - s[1]) + 2 * ny)
        ax.text(*pos, label, ha="center", va="center", fontsize=8, color=colour,
                bbox={"fc": "white", "ec": "none", "alpha": 0.85, "pad": 0.5})


def computational_graph(*, fast: bool = False, seed: int = 0) -> tuple[Figure, dict[str, Any]]:
    """Boxes for x, w, b, a, y, L; black arrows carry values forward, red dashed ones gradients back."""
    v = graph_values()
    f, g = v["forward"], v["backward"]
    fig, ax = plt.subplots(figsize=(12, 5.5))
    ax.set_xlim(0, 12)
    ax.set_ylim(0, 6)
    ax.axis("off")
    inputs = {"x1": (1.0, 5.2), "w1": (1.0, 4.1), "x2": (1.0, 2.9), "w2": (1.0, 1.8), "b": (1.0, 0.7)}
    a_xy, y_xy, L_xy, t_xy = (4.8, 2.95), (7.4, 2.95), (10.4, 2.95), (10.4, 5.0)
    names = {"x1": "x₁", "x2": "x₂", "w1": "w₁", "w2": "w₂", "b": "b"}
    for key, xy in inputs.items():
        _box(ax, xy, f"{names[key]} = {f[key]:g}", "#fdf6e3")
    _box(ax, a_xy, f"a = w·x + b\n= {f['a']:.4g}")
    _box(ax, y_xy, f"y = σ(a)\n= {f['y']:.4g}")
    _box(ax, L_xy, f"L = −[t ln y + (1−t) ln(1−y)]\n= {f['L']:.4g}")
    _box(ax, t_xy, f"t = {f['t']:g}", "#fdf6e3")
    for key, xy in inputs.items():
        _arrow(ax, xy, a_xy, "", shrink=(24, 44))
        _arrow(ax, a_xy, xy, f"∂L/∂{names[key]} = {g['dL_d' + key]:.4g}", backward=True, offset=0.12, at=0.62,
               shrink=(44, 24))
    _arrow(ax, a_xy, y_xy, f"a = {f['a']:.3g}", offset=-0.15)
    _arrow(ax, y_xy, a_xy, f"∂L/∂a = y − t = {g['dL_da']:.4g}", backward=True, offset=-0.15)
    _arrow(ax, y_xy, L_xy, f"y = {f['y']:.3g}", offset=-0.15, shrink=(30, 80))
    _arrow(ax, L_xy, y_xy, f"∂L/∂y = {g['dL_dy']:.4g}", backward=True, offset=-0.15, shrink=(80, 30))
    _arrow(ax, t_xy, L_xy, "", shrink=(12, 20))
    ax.text(6.0, 0.25, "forward: values (black, left to right)    backward: gradients by the chain rule "
            "(red dashed, right to left)", ha="center", fontsize=9, color="0.3")
    ax.set_title("computational graph of one neuron (sigmoid, cross-entropy)")
    return fig, v
