"""The numbers behind the boundary and fit pictures, not only that a file exists."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from neuronlab.errors import ConfigError
from neuronlab.plots import decision_grid, plot_decision_boundary, plot_task_fit, save_figure
from neuronlab.tasks import load_task


def test_grid_probabilities_are_the_models_and_flip_across_the_boundary() -> None:
    task = load_task("linear", seed=1)
    model = LogisticRegression().fit(task.X_train, task.y_train)
    xx, yy, proba = decision_grid(model, task, resolution=50)
    assert proba.shape == (50, 50, 2)
    np.testing.assert_allclose(proba.sum(axis=-1), 1.0)
    point = np.array([[xx[7, 11], yy[7, 11]]])
    np.testing.assert_allclose(proba[7, 11], model.predict_proba(point)[0])
    # a linearly separable task: both classes own part of the plane
    assert (proba[..., 1] > 0.9).any() and (proba[..., 1] < 0.1).any()
    # the grid covers every point of every split
    X = np.concatenate([task.X_train, task.X_val, task.X_test])
    assert xx.min() < X[:, 0].min() and xx.max() > X[:, 0].max()


def test_multiclass_boundary_and_png(tmp_path: Path) -> None:
    task = load_task("blobs", seed=0)
    model = LogisticRegression().fit(task.X_train, task.y_train)
    _, _, proba = decision_grid(model, task, resolution=30)
    assert proba.shape[-1] == task.n_classes
    path = save_figure(plot_decision_boundary(model, task), tmp_path / "blobs")
    assert path.suffix == ".png" and path.read_bytes()[:4] == b"\x89PNG"


def test_regression_fit_and_wrong_shapes(tmp_path: Path) -> None:
    task = load_task("identity", seed=0)
    fig = plot_task_fit(LinearRegression().fit(task.X_train, task.y_train), task)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    model_line = lines["model"]
    # a straight line fitted to y = x + noise has slope close to 1
    x, y = model_line.get_xdata(), model_line.get_ydata()
    assert np.polyfit(x, y, 1)[0] == pytest.approx(1.0, abs=0.1)
    with pytest.raises(ConfigError, match="2-D"):
        decision_grid(LinearRegression(), task)
    with pytest.raises(ConfigError, match="no picture"):
        plot_task_fit(LinearRegression(), load_task("iris"))


def test_a_2d_regression_is_drawn_as_a_surface_in_the_playground_colours(tmp_path: Path) -> None:
    """The plane (y = (x1 + x2)/10) fitted by a linear model: the shading follows the model's output, low
    (orange) at the lower left and high (blue) at the upper right; the points carry their own values."""
    task = load_task("plane", seed=0)
    fig = plot_task_fit(LinearRegression().fit(task.X_train, task.y_train), task)
    ax = fig.axes[0]
    shade = ax.collections[0]
    levels = shade.levels  # type: ignore[attr-defined]
    assert levels[0] == pytest.approx(task.y_train.min()) and levels[-1] == pytest.approx(task.y_train.max())
    train = next(c for c in ax.collections if c.get_label() == "train")
    np.testing.assert_allclose(train.get_array(), task.y_train)  # each point coloured by its own value
    low, high = train.to_rgba(task.y_train.min()), train.to_rgba(task.y_train.max())
    assert low[0] > low[2] and high[2] > high[0]  # orange, blue
    path = save_figure(fig, tmp_path / "plane")
    assert path.read_bytes()[:4] == b"\x89PNG"
