"""The Bayesian neuron's picture (MacKay, ITILA ch. 41): error bars on a decision boundary.

Dashed: the most probable neuron's 0.1, 0.5 and 0.9 contours, σ(w_MP·x + b_MP) — three parallel lines,
equally confident everywhere.  Solid: the moderated P(t = 1 | x, D) at the same levels — the 0.5 line
stays, the 0.1 and 0.9 lines fan out where the data are scarce.  Grey: the boundaries (a = 0) of
posterior samples, the weights that fit the data about as well; where they disagree, so does the
moderated output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from sklearn.pipeline import Pipeline

from neuronlab.errors import ConfigError
from neuronlab.estimators.bayes_neuron import BayesianNeuronClassifier
from neuronlab.plots.boundary import decision_grid, new_figure
from neuronlab.tasks.base import Task

LEVELS = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class BayesBoundaryData:
    """The numbers behind the picture, on a (R, R) grid over the task's inputs."""

    xx: np.ndarray  # (R, R)
    yy: np.ndarray  # (R, R)
    most_probable: np.ndarray  # (R, R) σ(w_MP·x + b_MP)
    moderated: np.ndarray  # (R, R) P(t = 1 | x, D), the classifier's predict_proba
    sample_activations: np.ndarray  # (n, R, R) a = w·x + b of n posterior samples; a = 0 is a boundary


def bayes_boundary_data(estimator: Any, task: Task, *, resolution: int = 150, n_boundaries: int = 30
                        ) -> BayesBoundaryData:
    """The most probable and moderated P(class 1), and ``n_boundaries`` samples' activations, over a
    grid covering the task's points.  ``estimator`` is a fitted BayesianNeuronClassifier or a pipeline
    ending in one (its earlier steps, e.g. a scaler, are applied to the grid)."""
    prepare, neuron = _bayesian_neuron(estimator)
    if isinstance(n_boundaries, bool) or not isinstance(n_boundaries, int) or n_boundaries < 0:
        raise ConfigError(f"n_boundaries must be a whole number >= 0; got {n_boundaries!r}")
    xx, yy, proba = decision_grid(estimator, task, resolution=resolution)  # (R, R, 2), moderated
    Z = prepare(np.column_stack([xx.ravel(), yy.ravel()]))  # (R², n_features) as the neuron sees them
    most_probable = neuron.most_probable_proba(Z)[:, 1].reshape(xx.shape)
    activations = neuron.sample_activations(Z, n_boundaries).reshape(-1, *xx.shape)  # (n, R, R)
    return BayesBoundaryData(xx, yy, most_probable, proba[..., 1], activations)


def plot_bayes_boundary(estimator: Any, task: Task, *, ax: Axes | None = None, title: str | None = None,
                        resolution: int = 150, n_boundaries: int = 30) -> Figure:
    """Most probable (dashed) against moderated (solid) 0.1/0.5/0.9 contours, samples' boundaries (grey),
    the moderated probability as shading, and the training points."""
    data = bayes_boundary_data(estimator, task, resolution=resolution, n_boundaries=n_boundaries)
    fig, ax = new_figure(ax)
    xx, yy = data.xx, data.yy
    shade = ax.contourf(xx, yy, data.moderated, levels=np.linspace(0, 1, 21), cmap="RdBu_r", alpha=0.45)
    fig.colorbar(shade, ax=ax, label="moderated P(class 1 | x, D)")
    for a in data.sample_activations:
        if a.min() < 0 < a.max():  # this sample's boundary crosses the picture
            ax.contour(xx, yy, a, levels=[0.0], colors="0.35", linewidths=0.6, alpha=0.45)
    ax.contour(xx, yy, data.most_probable, levels=LEVELS, colors="k", linestyles="--", linewidths=1.2)
    moderated = ax.contour(xx, yy, data.moderated, levels=LEVELS, colors="k", linewidths=1.8)
    ax.clabel(moderated, fmt="%.1f", fontsize=8)
    for c, colour in enumerate(("#1f77b4", "#d62728")):
        points = task.X_train[task.y_train == c]
        ax.scatter(points[:, 0], points[:, 1], c=colour, edgecolors="k", linewidths=0.4, s=22)
    handles = [Line2D([], [], color="k", ls="--", lw=1.2, label="most probable: 0.1, 0.5, 0.9"),
               Line2D([], [], color="k", lw=1.8, label="moderated: 0.1, 0.5, 0.9"),
               Line2D([], [], color="0.35", lw=0.6, label=f"{len(data.sample_activations)} posterior samples' a = 0")]
    ax.legend(handles=handles, loc="best", fontsize=7, framealpha=0.8)
    ax.set_xlabel(task.feature_names[0])
    ax.set_ylabel(task.feature_names[1])
    ax.set_title(title or f"Bayesian neuron ({neuron_posterior(estimator)}) on {task.name}")
    return fig


def neuron_posterior(estimator: Any) -> str:
    """The posterior the neuron was fitted with ("laplace", "langevin", "hmc"), for titles."""
    return str(_bayesian_neuron(estimator)[1].posterior)


def _bayesian_neuron(estimator: Any) -> tuple[Callable[[np.ndarray], np.ndarray], BayesianNeuronClassifier]:
    """The fitted Bayesian neuron, and what its pipeline does to an input before it."""
    final = estimator[-1] if isinstance(estimator, Pipeline) else estimator
    if not isinstance(final, BayesianNeuronClassifier) or not hasattr(final, "laplace_"):
        raise ConfigError(f"this figure needs a fitted BayesianNeuronClassifier (or a pipeline ending in one); "
                          f"got {type(final).__name__}")
    if isinstance(estimator, Pipeline) and len(estimator) > 1:
        return estimator[:-1].transform, final
    return (lambda X: X), final
