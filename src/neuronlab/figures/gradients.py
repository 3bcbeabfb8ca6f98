"""Figures of activations, their gradients, and gradient descent on a non-convex loss."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from neuronlab.plots.activations import FIVE, activation_data, plot_activations, plot_derivatives
from neuronlab.plots.gradients import gradient_depth_data, plot_gradient_depth


def activations(*, fast: bool = False, seed: int = 0) -> tuple[Figure, dict[str, Any]]:
    """3. The five activations from step to leaky ReLU, each with its derivative (dashed)."""
    data = activation_data(FIVE)
    fig = plot_activations(FIVE, data=data)
    return fig, {"a": data.a.tolist(), "values": {k: v.tolist() for k, v in data.values.items()},
                 "derivatives": {k: v.tolist() for k, v in data.derivatives.items()},
                 "max_derivative": {k: data.max_derivative(k) for k in data.derivatives}}


def vanishing_gradients(*, fast: bool = False, seed: int = 0) -> tuple[Figure, dict[str, Any]]:
    """4. Left: sigmoid' ≤ 0.25 against ReLU' = 1 for a > 0.  Right: mean |∂L/∂W| per layer of an MLP
    with 8 hidden layers of 32 at PyTorch's default init (the "kaiming" numbers are in the data too)."""
    curves = activation_data(("sigmoid", "relu"))
    depth = {init: gradient_depth_data(("sigmoid", "relu"), depth=8, width=32, init=init, seed=seed)
             for init in ("default", "kaiming")}
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6))
    plot_derivatives(ax=left, data=curves)
    plot_gradient_depth(depth["default"], ax=right,
                        title="gradient per layer, depth 8 (PyTorch default nn.Linear init)")
    fig.tight_layout()
    positive = curves.a > 0
    data: dict[str, Any] = {
        "sigmoid_max_derivative": curves.max_derivative("sigmoid"),
        "relu_derivative_a_positive": sorted(set(curves.derivatives["relu"][positive].tolist())),
    }
    for init, d in depth.items():
        data[init] = {"layer": d.layer.tolist(), **{
            name: {"mean_abs_grad": g.tolist(), "ratio_first_last": d.ratio(name), "orders": d.orders(name)}
            for name, g in d.mean_abs.items()}}
    return fig, data


# A non-convex 1-D loss: L'(w) = 4w³ − 6w + 1 has three roots, a global minimum near w = −1.30,
# a maximum near 0.17 and a local minimum near 1.13, so the start decides where descent ends.
def loss_1d(w: np.ndarray) -> np.ndarray:
    return w**4 - 3 * w**2 + w


def grad_1d(w: np.ndarray) -> np.ndarray:
    return 4 * w**3 - 6 * w + 1


def descend(w0: float, *, eta: float, steps: int) -> np.ndarray:
    """The iterates w_{t+1} = w_t − η ∇L(w_t), starting at w0: (steps + 1,)."""
    path = [float(w0)]
    for _ in range(steps):
        path.append(path[-1] - eta * float(grad_1d(np.asarray(path[-1]))))
    return np.asarray(path)


def gradient_descent(*, fast: bool = False, seed: int = 0, starts: tuple[float, float] = (2.0, -0.1),
                     eta: float = 0.02) -> tuple[Figure, dict[str, Any]]:
    """5. Gradient descent from two starts on either side of a hump: one stuck in the local minimum,
    one reaching the global minimum (the minima themselves are the real roots of L')."""
    steps = 100 if fast else 200
    paths = {w0: descend(w0, eta=eta, steps=steps) for w0 in starts}
    roots = np.sort(np.roots([4.0, 0.0, -6.0, 1.0]).real)  # all three are real for this L'
    minima = roots[[0, 2]]
    global_min = float(minima[np.argmin(loss_1d(minima))])
    w = np.linspace(-2.2, 2.2, 400)
    fig, ax = plt.subplots(figsize=(8, 4.6))
    ax.plot(w, loss_1d(w), "k", lw=1.5, label="L(w) = w⁴ − 3w² + w")
    for k, (w0, path) in enumerate(paths.items()):
        end = float(path[-1])
        kind = "global" if abs(end - global_min) < 1e-3 else "local"
        ax.plot(path, loss_1d(path), "o-", color=f"C{k}", ms=3, lw=0.8, alpha=0.8,
                label=f"start w₀ = {w0:g} → w = {end:.3f} ({kind} minimum)")
    ax.set_xlabel("w")
    ax.set_ylabel("L(w)")
    ax.set_title(f"gradient descent w_(t+1) = w_t − η ∇L(w_t), η = {eta}, {steps} steps")
    ax.legend(fontsize=8)
    data = {"eta": eta, "steps": steps, "minima": minima.tolist(), "global_minimum": global_min,
            "paths": {str(w0): p.tolist() for w0, p in paths.items()},
            "ends": {str(w0): float(p[-1]) for w0, p in paths.items()},
            "end_losses": {str(w0): float(loss_1d(p[-1])) for w0, p in paths.items()}}
    return fig, data
