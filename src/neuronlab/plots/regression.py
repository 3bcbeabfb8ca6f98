"""Fits of a 1-D function against the truth and a Gaussian process's mean ± 2σ band.

The practical's last question — "compare regression to Gaussian processes" — in pictures: each panel
draws the noise-free function (``task.truth``), the training points, a model's curve and the GP's
posterior mean with its 95 % band (mean ± 2σ from ``GaussianProcessRegressor.predict(return_std=True)``).
Unlike the network, the GP says where it does not know: its band widens where data is thin.
``regression_grid_data`` lays several tasks (rows) against several models (columns), e.g. sin x, x,
x², sinh x against 1, 2, 4 and 8 neurons side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.base import BaseEstimator
from sklearn.metrics import r2_score
from threadpoolctl import threadpool_limits

from neuronlab.errors import ConfigError
from neuronlab.evaluate.validation import honest_pipeline
from neuronlab.nn.baselines import gp_model
from neuronlab.plots.boundary import new_figure
from neuronlab.tasks.base import Task


@dataclass(frozen=True)
class GPBand:
    """A GP's posterior on a grid: mean and standard deviation (the band is mean ± 2 std)."""

    x: np.ndarray  # (n,)
    mean: np.ndarray  # (n,)
    std: np.ndarray  # (n,)
    r2_test: float

    def coverage(self, truth: np.ndarray) -> float:
        """Fraction of grid points where the true function lies inside mean ± 2 std."""
        return float(np.mean(np.abs(truth - self.mean) <= 2.0 * self.std))


@dataclass(frozen=True)
class RegressionBand:
    """Everything one panel draws: the grid, the truth, the models' curves, the GP band, the scores."""

    task_name: str
    x: np.ndarray  # (n,) grid over the task's inputs
    truth: np.ndarray | None  # (n,) noise-free function where the task knows it
    predictions: dict[str, np.ndarray]  # model name → (n,) on the grid
    r2_test: dict[str, float]  # model name → R² on the test split
    gp: GPBand | None
    X_train: np.ndarray  # (N,) the points the models saw
    y_train: np.ndarray


def _check_1d(task: Task) -> None:
    if task.kind != "regression" or task.n_features != 1:
        raise ConfigError(f"a regression band needs a 1-D regression task; {task.name!r} is {task.kind} "
                          f"with {task.n_features} features")


def _grid(task: Task, resolution: int) -> np.ndarray:
    X = np.concatenate([task.X_train, task.X_val, task.X_test])[:, 0]
    return np.linspace(X.min(), X.max(), resolution)


def gp_band(task: Task, *, resolution: int = 200, random_state: int = 0) -> GPBand:
    """Fit the baseline GP (amplitude·RBF + white noise, inputs standardized) on the training split.

    ``std`` is the predictive standard deviation of a new observation (it includes the learned white
    noise), so the band is where ~95 % of fresh data should fall, and wider than the function's own.
    """
    _check_1d(task)
    gp = honest_pipeline(gp_model("regression", random_state=random_state))
    x = _grid(task, resolution)
    # A GP on a few hundred points does thousands of tiny Cholesky solves: BLAS threads only add
    # overhead there, and on a busy machine their spin-waiting made the fit ~30× slower.
    with threadpool_limits(limits=1, user_api="blas"):
        gp.fit(task.X_train, task.y_train)
        mean, std = gp.predict(x[:, None], return_std=True)  # Pipeline passes return_std to the GP
    return GPBand(x, np.asarray(mean, dtype=float), np.asarray(std, dtype=float),
                  float(r2_score(task.y_test, gp.predict(task.X_test))))


def regression_band_data(task: Task, models: Mapping[str, Any], *, resolution: int = 200,
                         gp: GPBand | bool = True, random_state: int = 0) -> RegressionBand:
    """The numbers behind one panel: fitted ``models`` (name → estimator) on a grid, and a GP band.

    ``gp=True`` fits the baseline GP, ``False`` leaves it out, and a ``GPBand`` is reused as is
    (the grid panels share one GP per task).
    """
    _check_1d(task)
    band = gp_band(task, resolution=resolution, random_state=random_state) if gp is True else gp or None
    x = band.x if band is not None else _grid(task, resolution)
    preds = {name: np.asarray(m.predict(x[:, None]), dtype=float).ravel() for name, m in models.items()}
    r2 = {name: float(r2_score(task.y_test, m.predict(task.X_test))) for name, m in models.items()}
    truth = None if task.truth is None else np.asarray(task.truth(x), dtype=float)
    return RegressionBand(task.name, x, truth, preds, r2, band, task.X_train[:, 0], task.y_train)


def draw_regression_band(data: RegressionBand, ax: Axes, *, title: str | None = None,
                         legend: bool = True) -> None:
    """Draw one panel's data on ``ax``: points, truth (black dashed), GP band (grey), models (colours)."""
    ax.scatter(data.X_train, data.y_train, s=8, color="0.55", alpha=0.6, label="train")
    if data.gp is not None:
        g = data.gp
        ax.fill_between(g.x, g.mean - 2 * g.std, g.mean + 2 * g.std, color="C2", alpha=0.2,
                        label="GP mean ± 2σ")
        ax.plot(g.x, g.mean, "C2", lw=1.2, label=f"GP (R² {g.r2_test:.2f})")
    if data.truth is not None:
        ax.plot(data.x, data.truth, "k--", lw=1.2, label="true function")
    for k, (name, y) in enumerate(data.predictions.items()):
        ax.plot(data.x, y, color=f"C{(k + 3) % 10}", lw=2, label=f"{name} (R² {data.r2_test[name]:.2f})")
    ax.set_title(title or data.task_name, fontsize=9)
    if legend:
        ax.legend(fontsize=7, loc="best")


def plot_regression_band(task: Task, models: Mapping[str, Any], *, ax: Axes | None = None,
                         title: str | None = None, gp: bool = True, resolution: int = 200) -> Figure:
    """Fitted models against the true function and a GP's mean ± 2σ on one 1-D regression task."""
    data = regression_band_data(task, models, resolution=resolution, gp=gp)
    fig, ax = new_figure(ax)
    draw_regression_band(data, ax, title=title)
    ax.set_xlabel(task.feature_names[0])
    ax.set_ylabel(task.target_name)
    return fig


@dataclass(frozen=True)
class RegressionGrid:
    """Panels by task (rows) and model (columns); each row shares one GP."""

    rows: dict[str, dict[str, RegressionBand]]  # task name → model name → panel


def regression_grid_data(tasks: Sequence[Task], models: Mapping[str, Callable[[], BaseEstimator]], *,
                         resolution: int = 200, random_state: int = 0) -> RegressionGrid:
    """Fit every model factory (name → a function making a fresh estimator) on every task's train split."""
    if not tasks or not models:
        raise ConfigError("a regression grid needs at least one task and one model")
    rows: dict[str, dict[str, RegressionBand]] = {}
    for task in tasks:
        band = gp_band(task, resolution=resolution, random_state=random_state)
        rows[task.name] = {
            name: regression_band_data(task, {name: make().fit(task.X_train, task.y_train)}, gp=band)
            for name, make in models.items()
        }
    return RegressionGrid(rows)


def plot_regression_grid(grid: RegressionGrid, *, titles: Mapping[str, str] | None = None) -> Figure:
    """One panel per (task, model); rows share their y-axis so the fits compare at a glance."""
    row_names = list(grid.rows)
    col_names = list(next(iter(grid.rows.values())))
    fig, axes = plt.subplots(len(row_names), len(col_names), squeeze=False, sharey="row",
                             figsize=(3.2 * len(col_names), 2.6 * len(row_names)))
    for i, task_name in enumerate(row_names):
        for j, model_name in enumerate(col_names):
            label = (titles or {}).get(task_name, task_name)
            panel = grid.rows[task_name][model_name]
            draw_regression_band(panel, axes[i][j], legend=False,
                                 title=f"{label}: {model_name} (test R² {panel.r2_test[model_name]:.2f})")
    handles, labels = axes[0][0].get_legend_handles_labels()
    labels = [lab.split(" (R²")[0] for lab in labels]
    labels = ["model (see titles)" if lab in col_names else lab for lab in labels]
    fig.legend(handles, labels, loc="upper center", ncol=len(labels), fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return fig
