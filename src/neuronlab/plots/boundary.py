"""What a model learned, drawn over its task: decision boundaries (2-D) and fitted curves (1-D).

The seeds' "decision boundary visualisation": probability shading over the input plane, the 0.5
contour for binary tasks, training points as circles and test points as crosses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, ListedColormap
from matplotlib.figure import Figure

from neuronlab.errors import ConfigError
from neuronlab.tasks.base import Task

# The playground's colours (TensorFlow Playground's), so a class looks the same on every page and figure:
# class 0 orange, class 1 blue, then the page's palette (web/static/js/draw.js: PALETTE).
_CLASS_COLOURS = ["#f59322", "#0877bd", "#2ca02c", "#9467bd", "#d62728", "#8c564b", "#e377c2", "#7f7f7f"]
PROBABILITY_CMAP = LinearSegmentedColormap.from_list("playground", ["#f59322", "#ffffff", "#0877bd"])
"""P(class 1) from orange (0) through white (0.5) to blue (1), as the playground shades it."""


def decision_grid(
    estimator: Any, task: Task, *, resolution: int = 200, margin: float = 0.5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The model's class probabilities over a grid covering the task's points.

    Returns ``(xx, yy, proba)`` with ``proba`` of shape (resolution, resolution, n_classes);
    the numbers behind the picture, so tests can check them.
    """
    if task.n_features != 2:
        raise ConfigError(
            f"a decision boundary needs a 2-D task; {task.name!r} has {task.n_features} features"
        )
    X = np.concatenate([task.X_train, task.X_val, task.X_test])
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    if hasattr(estimator, "predict_proba"):
        proba = np.asarray(estimator.predict_proba(grid), dtype=float)
    else:  # a hard classifier: one-hot of its predictions
        classes = np.unique(task.y_train)
        pred = np.asarray(estimator.predict(grid))
        proba = (pred[:, None] == classes[None, :]).astype(float)
    return xx, yy, proba.reshape(resolution, resolution, -1)


def plot_decision_boundary(
    estimator: Any,
    task: Task,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    resolution: int = 200,
    show_test: bool = True,
) -> Figure:
    """Probability shading, the boundary, and the train (o) and test (x) points of a 2-D task."""
    fig, ax = new_figure(ax)
    xx, yy, proba = decision_grid(estimator, task, resolution=resolution)
    n_classes = proba.shape[-1]
    if n_classes == 2:
        shade = ax.contourf(xx, yy, proba[..., 1], levels=np.linspace(0, 1, 21), cmap=PROBABILITY_CMAP, alpha=0.6)
        ax.contour(xx, yy, proba[..., 1], levels=[0.5], colors="k", linewidths=1.5)
        fig.colorbar(shade, ax=ax, label=f"P({_class_name(task, 1)})")
    else:
        winner = proba.argmax(axis=-1)
        cmap = ListedColormap(_CLASS_COLOURS[:n_classes])
        ax.contourf(xx, yy, winner, levels=np.arange(n_classes + 1) - 0.5, cmap=cmap, alpha=0.3)
        ax.contour(xx, yy, proba.max(axis=-1), levels=[0.5], colors="k", linewidths=0.5, alpha=0.4)
    for c in range(n_classes):
        colour = _CLASS_COLOURS[c % len(_CLASS_COLOURS)]
        train = task.y_train == c
        ax.scatter(task.X_train[train, 0], task.X_train[train, 1], c=colour, edgecolors="k", linewidths=0.4, s=22,
                   label=f"{_class_name(task, c)} (train)")
        if show_test:
            test = task.y_test == c
            ax.scatter(task.X_test[test, 0], task.X_test[test, 1], c=colour, marker="x", s=26,
                       label=f"{_class_name(task, c)} (test)")
    ax.set_xlabel(task.feature_names[0])
    ax.set_ylabel(task.feature_names[1])
    ax.set_title(title or f"{model_name(estimator)} on {task.name}")
    ax.legend(loc="best", fontsize=7, framealpha=0.7)
    return fig


def plot_regression_fit(
    estimator: Any, task: Task, *, ax: Axes | None = None, title: str | None = None, resolution: int = 400
) -> Figure:
    """A 1-D regression: the data, the model's curve and (where known) the true function."""
    if task.n_features != 1:
        raise ConfigError(f"a fit plot needs a 1-D task; {task.name!r} has {task.n_features} features")
    fig, ax = new_figure(ax)
    X = np.concatenate([task.X_train, task.X_val, task.X_test])
    grid = np.linspace(X.min(), X.max(), resolution)[:, None]
    ax.scatter(task.X_train[:, 0], task.y_train, s=12, alpha=0.6, label="train")
    ax.scatter(task.X_test[:, 0], task.y_test, s=16, marker="x", alpha=0.8, label="test")
    if task.truth is not None:
        ax.plot(grid[:, 0], task.truth(grid[:, 0]), "k--", lw=1, label="true function")
    ax.plot(grid[:, 0], np.asarray(estimator.predict(grid)).ravel(), "C3", lw=2, label="model")
    ax.set_xlabel(task.feature_names[0])
    ax.set_ylabel(task.target_name)
    ax.set_title(title or f"{model_name(estimator)} on {task.name}")
    ax.legend(loc="best", fontsize=8)
    return fig


def plot_surface_fit(estimator: Any, task: Task, *, ax: Axes | None = None, title: str | None = None,
                     resolution: int = 120) -> Figure:
    """A 2-D regression (the playground's plane and bumps): the model's output over the input plane, shaded
    orange (low) to blue (high) on the training target's range as the playground does, with the points in
    the same colours (train: circles, test: crosses), so a point that stands out is one the model misses."""
    if task.n_features != 2:
        raise ConfigError(f"a surface plot needs a 2-D task; {task.name!r} has {task.n_features} features")
    fig, ax = new_figure(ax)
    X = np.concatenate([task.X_train, task.X_val, task.X_test])
    lo, hi = X.min(axis=0) - 0.1, X.max(axis=0) + 0.1
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    out = np.asarray(estimator.predict(np.column_stack([xx.ravel(), yy.ravel()])), dtype=float).reshape(xx.shape)
    vmin, vmax = float(task.y_train.min()), float(task.y_train.max())
    shade = ax.contourf(xx, yy, np.clip(out, vmin, vmax), levels=np.linspace(vmin, vmax, 21), cmap=PROBABILITY_CMAP,
                        alpha=0.6)
    fig.colorbar(shade, ax=ax, label=task.target_name)
    ax.scatter(task.X_train[:, 0], task.X_train[:, 1], c=task.y_train, cmap=PROBABILITY_CMAP, vmin=vmin, vmax=vmax,
               edgecolors="k", linewidths=0.4, s=22, label="train")
    ax.scatter(task.X_test[:, 0], task.X_test[:, 1], c=task.y_test, cmap=PROBABILITY_CMAP, vmin=vmin, vmax=vmax,
               marker="x", s=26, label="test")
    ax.set_xlabel(task.feature_names[0])
    ax.set_ylabel(task.feature_names[1])
    ax.set_title(title or f"{model_name(estimator)} on {task.name}")
    ax.legend(loc="best", fontsize=7, framealpha=0.7)
    return fig


def has_picture(task: Task) -> bool:
    """Whether :func:`plot_task_fit` draws ``task``: one or two inputs (a curve, a boundary, a surface)."""
    return task.n_features in (1, 2) and (task.kind == "regression" or task.n_features == 2)


def plot_task_fit(estimator: Any, task: Task, *, title: str | None = None) -> Figure:
    """The natural picture for a task: a boundary for 2-D classification, a curve for 1-D regression, a
    shaded surface for 2-D regression."""
    if task.kind != "regression" and task.n_features == 2:
        return plot_decision_boundary(estimator, task, title=title)
    if task.kind == "regression" and task.n_features == 1:
        return plot_regression_fit(estimator, task, title=title)
    if task.kind == "regression" and task.n_features == 2:
        return plot_surface_fit(estimator, task, title=title)
    raise ConfigError(
        f"no picture for {task.name!r} ({task.kind}, {task.n_features} features): plots need a 2-D task or "
        "a 1-D regression"
    )


def save_figure(fig: Figure, path: str | Path) -> Path:
    """Write a figure (format from the suffix, PNG by default), create folders, free its memory."""
    path = Path(path)
    if not path.suffix:
        path = path.with_suffix(".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def model_name(estimator: Any) -> str:
    """The model's class name, looking through pipelines and target scalers (what a reader cares about)."""
    from neuronlab.estimators.registry import final_estimator

    return type(final_estimator(estimator)).__name__


def new_figure(ax: Axes | None) -> tuple[Figure, Axes]:
    """Draw into ``ax`` when given (a panel of a bigger figure), else into a new figure."""
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig, new_ax = plt.subplots(figsize=(6.4, 5.0))
    return fig, new_ax


def _class_name(task: Task, c: int) -> str:
    return task.class_names[c] if task.class_names and c < len(task.class_names) else str(c)
