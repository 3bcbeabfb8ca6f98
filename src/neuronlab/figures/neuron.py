"""Figures of the single neuron: AND-like vs XOR data, and its straight boundary on moons and Gaussians."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.linear_model import LogisticRegression

from neuronlab.estimators import NeuronClassifier
from neuronlab.evaluate.validation import honest_pipeline
from neuronlab.plots.boundary import plot_decision_boundary
from neuronlab.tasks import Task, load_task


def scatter_classes(ax: Axes, task: Task, *, title: str) -> None:
    """The training points of a 2-D binary task, coloured by class."""
    for c, colour in ((0, "C0"), (1, "C3")):
        pts = task.X_train[task.y_train == c]
        ax.scatter(pts[:, 0], pts[:, 1], c=colour, edgecolors="k", linewidths=0.4, s=24, label=f"class {c}")
    ax.set_title(title)
    ax.set_xlabel(task.feature_names[0])
    ax.set_ylabel(task.feature_names[1])
    ax.legend(fontsize=8, loc="upper left")


def and_vs_xor(*, fast: bool = False, seed: int = 0) -> tuple[Figure, dict[str, Any]]:
    """1. AND-like data (one line separates it) beside XOR data (no line does).

    The data holds the best straight line's training accuracy on each (logistic regression, the
    linear classifier a single sigmoid neuron matches): ≈ 1 on AND, at most ≈ 0.75 on XOR, because a
    line can put at most three of XOR's four clusters on their right side.
    """
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 4.3))
    data: dict[str, Any] = {}
    for ax, name, label in zip(axes, ("and", "xor"), ("AND-like", "XOR"), strict=True):
        task = load_task(name, seed=seed)
        # C large: (almost) no regularisation, so this is the best line, not a shrunk one
        line = LogisticRegression(C=1e4, max_iter=5000).fit(task.X_train, task.y_train)
        acc = float(line.score(task.X_train, task.y_train))
        w, b = line.coef_[0], float(line.intercept_[0])
        xs = np.linspace(task.X_train[:, 0].min() - 0.2, task.X_train[:, 0].max() + 0.2, 2)
        if abs(w[1]) > 1e-12:
            ax.plot(xs, -(w[0] * xs + b) / w[1], "k--", lw=1.2, label=f"best line: accuracy {acc:.2f}")
            ax.set_ylim(task.X_train[:, 1].min() - 0.3, task.X_train[:, 1].max() + 0.3)
        scatter_classes(ax, task, title=f"{label} data: "
                                        f"{'one line separates' if acc > 0.95 else 'no line separates'}")
        data[name] = {"linear_accuracy": acc, "w": w.tolist(), "b": b, "n_train": len(task.y_train)}
    fig.tight_layout()
    return fig, data


def neuron_boundaries(*, fast: bool = False, seed: int = 0) -> tuple[Figure, dict[str, Any]]:
    """8. The sigmoid neuron's one straight boundary on moons and on overlapping Gaussians.

    On Gaussians a line is the Bayes-optimal boundary, so the neuron comes close to the task's
    ceiling; on moons it cannot follow the curve and stays clearly below it.
    """
    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    data: dict[str, Any] = {}
    for ax, name in zip(axes, ("moons", "gaussians"), strict=True):
        task = load_task(name, seed=seed)
        neuron = honest_pipeline(NeuronClassifier("sigmoid", eta=0.01, max_epochs=50 if fast else 200,
                                                  random_state=seed))
        neuron.fit(task.X_train, task.y_train)
        acc = float(neuron.score(task.X_test, task.y_test))
        spread = task.ceiling_range()
        assert spread is not None  # both generators are known
        plot_decision_boundary(neuron, task, ax=ax, resolution=80 if fast else 200,
                               title=f"neuron on {name}: test accuracy {acc:.2f}\n(ceiling {spread.ceiling:.2f}; "
                                     f"best possible {spread.span(2)})")
        est = neuron[-1]
        data[name] = {"test_accuracy": acc, "ceiling": task.ceiling, "ceiling_range": spread.to_dict(),
                      "w_scaled": est.coef_.tolist(),
                      "b_scaled": est.intercept_, "epochs": est.n_iter_}
    fig.tight_layout()
    return fig, data
