"""Learning curves: the arrays behind the plot are the History's, and the best epoch is marked."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neuronlab.errors import DataError
from neuronlab.estimators import MLPRegressor
from neuronlab.plots.curves import learning_curve_data, plot_learning_curves
from neuronlab.tasks import load_task


@pytest.fixture(scope="module")
def history() -> object:
    task = load_task("sin", n_samples=60, noise=0.3, seed=1)
    model = MLPRegressor((8,), "tanh", eta=0.02, early_stopping=True, validation_fraction=0.25,
                         n_iter_no_change=5, max_epochs=60, random_state=0)
    return model.fit(task.X_train, task.y_train).history_


def test_data_is_the_history_and_best_epoch_holds_the_best_metric(history: object) -> None:
    d = learning_curve_data(history)  # type: ignore[arg-type]
    h = history.to_dict()  # type: ignore[attr-defined]
    np.testing.assert_array_equal(d.epoch, h["epoch"])
    np.testing.assert_array_equal(d.train_loss, h["train_loss"])
    np.testing.assert_array_equal(d.val_metric, h["val_metric"])
    assert d.metric_name == "r2"
    assert d.best_epoch == h["best_epoch"]
    # early stopping keeps the first epoch with the highest validation metric
    assert d.best_metric == pytest.approx(np.max(d.val_metric))
    assert d.best_epoch == d.epoch[int(np.argmax(d.val_metric))]
    # to_dict() and the History itself give the same arrays
    np.testing.assert_array_equal(learning_curve_data(h).val_loss, d.val_loss)


def test_plot_draws_the_columns_and_marks_the_best_epoch(history: object) -> None:
    d = learning_curve_data(history)  # type: ignore[arg-type]
    fig = plot_learning_curves(history)  # type: ignore[arg-type]
    ax, ax2 = fig.axes
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["train loss"].get_ydata(), d.train_loss)
    np.testing.assert_allclose(lines["validation loss"].get_ydata(), d.val_loss)
    np.testing.assert_allclose(ax2.get_lines()[0].get_ydata(), d.val_metric)
    best = [line for label, line in lines.items() if str(label).startswith("best epoch")]
    assert len(best) == 1 and best[0].get_xdata()[0] == d.best_epoch


def test_history_without_validation_has_no_metric_axis_nor_best_epoch() -> None:
    h = {"epoch": [1, 2, 3], "train_loss": [3.0, 2.0, 1.0], "val_loss": [math.nan] * 3,
         "val_metric": [math.nan] * 3, "metric_name": "accuracy", "best_epoch": None}
    d = learning_curve_data(h)
    assert d.best_epoch is None and math.isnan(d.best_metric)
    fig = plot_learning_curves(h, log_loss=True)
    assert len(fig.axes) == 1 and fig.axes[0].get_yscale() == "log"


@pytest.mark.parametrize(("bad", "match"), [
    ({"epoch": [1, 2], "train_loss": [1.0, 0.5], "val_loss": [1.0]}, "val_metric"),
    ({"epoch": [1, 2], "train_loss": [1.0], "val_loss": [1.0, 1.0], "val_metric": [0.1, 0.2]},
     "equally long"),
    ({"epoch": [], "train_loss": [], "val_loss": [], "val_metric": []}, "non-empty"),
    ({"epoch": [1, 2], "train_loss": [1.0, 0.5], "val_loss": [1.0, 1.0], "val_metric": [0.1, 0.2],
      "best_epoch": 7}, "best_epoch 7"),
])
def test_bad_histories_are_data_errors(bad: dict[str, object], match: str) -> None:
    with pytest.raises(DataError, match=match):
        learning_curve_data(bad)
