"""Figures of regression: early stopping's peak, Hall–Petch's physics against an MLP, and neurons side
by side against a Gaussian process on sin x, x, x², sinh x."""

from __future__ import annotations

import warnings
from functools import partial
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from sklearn.exceptions import ConvergenceWarning

from neuronlab.estimators import MLPRegressor, NeuronRegressor
from neuronlab.evaluate.validation import honest_pipeline
from neuronlab.plots.curves import learning_curve_data, plot_learning_curves
from neuronlab.plots.regression import plot_regression_grid, regression_grid_data
from neuronlab.studies.hall_petch import hall_petch_models
from neuronlab.tasks import load_task


def early_stopping(*, fast: bool = False, seed: int = 0) -> tuple[Figure, dict[str, Any]]:
    """6. Training loss and validation R² against epoch, the early-stopping peak marked.

    A 1 → 32 → 1 ReLU MLP on 100 noisy samples of sin x (noise 0.3) with the practical's patience of
    30 epochs: the training loss keeps falling while validation R² peaks and then stalls.
    """
    task = load_task("sin", n_samples=100, noise=0.3, seed=seed)
    model = honest_pipeline(MLPRegressor((32,), "relu", eta=0.01, early_stopping=True,
                                         validation_fraction=0.25, n_iter_no_change=30, max_epochs=1000,
                                         random_state=seed))
    model.fit(task.X_train, task.y_train)
    history = model[-1].history_
    curves = learning_curve_data(history)
    fig = plot_learning_curves(history, title="MLP 1→32→1 on noisy sin x: early stopping "
                                              f"(patience {model[-1].n_iter_no_change})")
    return fig, {"history": history.to_dict(), "best_epoch": curves.best_epoch,
                 "best_val_r2": curves.best_metric, "last_val_r2": float(curves.val_metric[-1]),
                 "stopped_epoch": history.stopped_epoch, "ceiling": task.ceiling,
                 "test_r2": float(model.score(task.X_test, task.y_test))}


def hall_petch(*, fast: bool = False, seed: int = 0) -> tuple[Figure, dict[str, Any]]:
    """7. Hall–Petch: linear regression on the hand-made 1/√d against an MLP on raw d, test R² of each.

    The models are the Hall–Petch study's (``studies.hall_petch``), fitted on the dev split (train +
    validation specimens) and scored once on the test specimens.
    """
    task = load_task("hall_petch", seed=seed)
    models = hall_petch_models(task, seed=seed, max_epochs=150 if fast else 500)
    linear = models["linear(1/sqrt(d))"].fit(task.X_dev, task.y_dev)
    mlp = models["mlp(d)"].fit(task.X_dev, task.y_dev)
    r2 = {"linear(1/sqrt(d))": float(linear.score(task.X_test, task.y_test)),
          "mlp(d)": float(mlp.score(task.X_test, task.y_test))}
    d_all = np.concatenate([task.X_dev, task.X_test])[:, 0]
    d = np.geomspace(d_all.min(), d_all.max(), 300)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8), sharey=True)
    for ax, x_dev, x_test, x_grid, y_grid, name, colour in (
        (left, task.X_dev[:, 0] ** -0.5, task.X_test[:, 0] ** -0.5, d**-0.5, linear.predict(d[:, None]),
         "linear(1/sqrt(d))", "C3"),
        (right, task.X_dev[:, 0], task.X_test[:, 0], d, mlp.predict(d[:, None]), "mlp(d)", "C2"),
    ):
        ax.scatter(x_dev, task.y_dev, s=8, color="0.6", alpha=0.6, label=f"dev ({len(task.y_dev)} crops)")
        ax.scatter(x_test, task.y_test, s=14, marker="x", color="C0",
                   label=f"test ({len(task.y_test)} crops)")
        ax.plot(x_grid, y_grid, color=colour, lw=2, label=f"{name}: test R² {r2[name]:.3f}")
        ax.legend(fontsize=8)
    left.set_xlabel("1/√d (µm^-½): the hand-crafted feature")
    left.set_ylabel("yield stress σ_y (MPa)")
    left.set_title("linear regression on 1/√d")
    right.set_xscale("log")
    right.set_xlabel("grain size d (µm), raw")
    right.set_title("MLP on raw d")
    fig.suptitle(f"Hall–Petch (noise ceiling R² {task.ceiling:.3f})")
    fig.tight_layout()
    return fig, {"test_r2": r2, "ceiling": task.ceiling, "n_dev": len(task.y_dev), "n_test": len(task.y_test),
                 "mlp_epochs": int(mlp[-1].regressor_.n_iter_)}


FUNCTION_TITLES = {"sin": "sin x", "identity": "x", "square": "x²", "sinh": "sinh x"}
NEURON_COUNTS = (1, 2, 4, 8)


def neurons_vs_gp(*, fast: bool = False, seed: int = 0) -> tuple[Figure, dict[str, Any]]:
    """11. sin x, x, x², sinh x fitted by 1, 2, 4 and 8 tanh neurons side by side, against a GP.

    ``NeuronRegressor(n_neurons=K, activation="tanh")``: the practical's summed squared error and
    plain gradient descent (K = 1 is one tanh neuron alone, bounded in (−1, 1); K > 1 adds the identity
    output neuron that sums them).  Each row's GP (mean ± 2σ) is fitted on the same training points.
    """
    n_samples = 80 if fast else 200
    tasks = [load_task(name, n_samples=n_samples, seed=seed) for name in FUNCTION_TITLES]
    make = {f"{k} neuron{'s' if k > 1 else ''}": partial(NeuronRegressor, "tanh", n_neurons=k, eta=1e-3,
                                                          max_epochs=500 if fast else 2000, random_state=seed)
            for k in NEURON_COUNTS}
    with warnings.catch_warnings():
        # sinh's ±10 range pushes the GP's amplitude to the kernel's upper bound (1e3); the fit is
        # still near the noise ceiling, so the bound warning is noise in a figure run
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid = regression_grid_data(tasks, make, resolution=100 if fast else 200, random_state=seed)
    fig = plot_regression_grid(grid, titles=FUNCTION_TITLES)
    data: dict[str, Any] = {}
    for task in tasks:
        panels = grid.rows[task.name]
        band = next(iter(panels.values())).gp
        assert band is not None and task.truth is not None
        data[task.name] = {
            "r2_test": {name: p.r2_test[name] for name, p in panels.items()},
            "gp_r2_test": band.r2_test,
            "gp_truth_coverage": band.coverage(np.asarray(task.truth(band.x))),
            "ceiling": task.ceiling,
        }
    return fig, data
