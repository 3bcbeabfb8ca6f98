"""Figures of activations, their gradients (by depth, at two initialisations), and gradient descent."""

from __future__ import annotations

import math
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from neuronlab.plots.activations import FIVE, activation_data, plot_activations, plot_derivatives
from neuronlab.plots.gradients import INITS, gradient_depth_data, plot_gradient_depth


def activations(*, fast: bool = False, seed: int = 0) -> tuple[Figure, dict[str, Any]]:
    """3. The five activations from step to leaky ReLU, each with its derivative (dashed)."""
    data = activation_data(FIVE)
    fig = plot_activations(FIVE, data=data)
    return fig, {"a": data.a.tolist(), "values": {k: v.tolist() for k, v in data.values.items()},
                 "derivatives": {k: v.tolist() for k, v in data.derivatives.items()},
                 "max_derivative": {k: data.max_derivative(k) for k in data.derivatives}}


# The lecture slide's statement, and what it takes to hold: ReLU within one order of magnitude ("full
# strength"), sigmoid losing several.  Tested against both initialisations, never assumed.
SLIDE = "ReLU keeps the gradient at full strength; sigmoid loses ~4 orders"
FULL_STRENGTH_ORDERS = 1.0
SEVERAL_ORDERS = 3.0
DEPTH_ACTIVATIONS = ("sigmoid", "tanh", "relu")
INIT_TITLES = {"default": "PyTorch's default init (U(±1/√fan_in))", "kaiming": "Kaiming (He) init"}


def slide_holds(orders: dict[str, float]) -> bool:
    """Whether orders of magnitude lost per activation agree with the slide: ReLU keeps, sigmoid loses."""
    return orders["relu"] < FULL_STRENGTH_ORDERS and orders["sigmoid"] >= SEVERAL_ORDERS


def vanishing_gradients(*, fast: bool = False, seed: int = 0, depth: int = 8) -> tuple[Figure, dict[str, Any]]:
    """4. Left: sigmoid' ≤ 0.25 against ReLU' = 1 for a > 0.  Middle and right: mean |∂L/∂W| per layer of an
    MLP with ``depth`` hidden layers of 32 for sigmoid, tanh and ReLU, at PyTorch's default init and at
    Kaiming (He) init, side by side; the caption says which one the slide's statement matches.

    Why both: the slide's "ReLU at full strength" is a property of ReLU *and* an init built for it.  At
    PyTorch's default (Kaiming-uniform with a = √5, weights too small to keep the signal) ReLU loses
    orders of magnitude as well; at He's init it keeps them.  Sigmoid loses more than the slide's ~4 at
    either: its ~4 is σ' ≤ ¼ alone, (¼)^depth, before the weights shrink the signal further.
    """
    curves = activation_data(("sigmoid", "relu"))
    depth_data = {init: gradient_depth_data(DEPTH_ACTIVATIONS, depth=depth, width=32, init=init, seed=seed)
                  for init in INITS}
    fig, axes = plt.subplots(1, 3, figsize=(17, 5.2), gridspec_kw={"width_ratios": [0.8, 1, 1]})
    plot_derivatives(ax=axes[0], data=curves)
    for ax, (init, d) in zip(axes[1:], depth_data.items(), strict=True):
        plot_gradient_depth(d, ax=ax, title=f"gradient per layer, depth {depth}: {INIT_TITLES[init]}")
    low = min(ax.get_ylim()[0] for ax in axes[1:])
    high = max(ax.get_ylim()[1] for ax in axes[1:])
    for ax in axes[1:]:
        ax.set_ylim(low, high)  # one scale, so the two inits compare by eye
    orders = {init: {name: d.orders(name) for name in DEPTH_ACTIVATIONS} for init, d in depth_data.items()}
    matches = [init for init in INITS if slide_holds(orders[init])]
    sentences = gradient_summary(orders, matches, depth)
    summary = " ".join(sentences)
    fig.suptitle("\n".join(sentences), fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    positive = curves.a > 0
    data: dict[str, Any] = {
        "sigmoid_max_derivative": curves.max_derivative("sigmoid"),
        "relu_derivative_a_positive": sorted(set(curves.derivatives["relu"][positive].tolist())),
        "depth": depth,
        "slide": SLIDE,
        "slide_matches": matches,
        "sigmoid_derivative_bound_orders": depth * math.log10(4.0),  # (¼)^depth: σ' alone
        "summary": summary,
    }
    for init, d in depth_data.items():
        data[init] = {"layer": d.layer.tolist(), "orders": orders[init], **{
            name: {"mean_abs_grad": g.tolist(), "ratio_first_last": d.ratio(name), "orders": d.orders(name)}
            for name, g in d.mean_abs.items()}}
    return fig, data


def gradient_summary(orders: dict[str, dict[str, float]], matches: list[str], depth: int) -> list[str]:
    """Three sentences: which init the slide's statement matches, the orders lost under each, and why
    sigmoid's ~4 is a bound."""
    def lost(init: str) -> str:
        return ", ".join(f"{name} {orders[init][name]:.1f}" for name in DEPTH_ACTIVATIONS)

    if matches:
        verdict = f"the slide's \"{SLIDE}\" matches {' and '.join(INIT_TITLES[m] for m in matches)}"
    else:
        verdict = f"the slide's \"{SLIDE}\" matches neither init"
    bound = depth * math.log10(4.0)
    return [f"{verdict}.",
            f"Orders of magnitude lost over {depth} layers — default init: {lost('default')}; "
            f"Kaiming: {lost('kaiming')}.",
            f"The slide's ~4 for sigmoid is σ' ≤ ¼ alone ((¼)^{depth} = 10^-{bound:.1f}); the weights shrink it "
            "further."]


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
