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
from neuronlab.studies.hall_petch import run_hall_petch_study
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
    """7. Hall–Petch: the cross-validated comparison and the learning curve, not a single test split.

    The study's (``studies.hall_petch``, scenario "slide": the noise of the FAU slide).  Left: every
    model's R² on each grouped test fold of the dev set, its mean, and the noise ceiling.  Right: R² of
    the line on 1/√d and of the MLP on raw d against the number of training crops (fresh data sets;
    band: 95 % interval of the mean), the slide's 225 crops marked.  ``fast``: one repeat, two data
    sets, no GP, the curve up to 225 crops.
    """
    options: dict[str, Any] = {"repeats": 1, "pools": 2, "models": ("linear(d)", "linear(inv_sqrt(d))", "mlp(d)"),
                               "curve_specimens": (2, 4, 8, 15)} if fast else {}
    study = run_hall_petch_study(seed=seed, **options)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    for i, m in enumerate(study.compare.models):
        folds = m.scores.ravel()
        left.scatter(np.full(folds.size, i) + np.linspace(-0.2, 0.2, folds.size), np.clip(folds, -0.5, 1.0), s=10,
                     alpha=0.5, color=f"C{i}")
        left.plot([i - 0.3, i + 0.3], [m.mean] * 2, color="black", lw=2)
        left.annotate(f"{m.mean:.3f}", (i + 0.32, m.mean), fontsize=8, va="center")
    left.axhline(study.ceiling, color="black", ls="--", lw=1, label=f"noise ceiling {study.ceiling:.3f}")
    left.set_xticks(range(len(study.compare.models)), [m.label for m in study.compare.models], fontsize=8)
    left.set_ylabel("R² per grouped test fold (clipped at −0.5)")
    left.set_ylim(-0.55, 1.02)
    pair = study.pair
    left.set_title(f"{study.compare.protocol.repeats} × {study.compare.protocol.folds}-fold by specimen: "
                   f"{pair.a} − {pair.b} = {pair.posterior.mean:+.3f}", fontsize=9)
    left.legend(fontsize=8, loc="lower right")
    curve = study.curve
    for i, label in enumerate(curve.models):
        mean = np.array([s.mean[label] for s in curve.sizes])
        low, high = np.array([s.low[label] for s in curve.sizes]), np.array([s.high[label] for s in curve.sizes])
        right.plot(curve.n_train, mean, marker="o", color=f"C{i + 1}", label=label)
        right.fill_between(curve.n_train, low, high, color=f"C{i + 1}", alpha=0.2)
    right.axhline(study.ceiling, color="black", ls="--", lw=1, label="noise ceiling")
    right.axvline(225, color="0.5", ls=":", lw=1, label="the slide's 225 crops")
    right.set_xscale("log")
    right.set_ylim(-0.2, 1.0)
    right.set_xlabel("training crops (15 per specimen)")
    right.set_ylabel("R² on held-out specimens")
    cross = study.crossovers[0]
    right.set_title(f"no crossover within {cross.max_n} crops" if cross.at is None
                    else f"curves cross at about {cross.at:.0f} crops", fontsize=9)
    right.legend(fontsize=8, loc="lower right")
    fig.suptitle(f"Hall–Petch, scenario {study.scenario!r}: linear on 1/√d against an MLP on raw d")
    fig.tight_layout()
    return fig, {"scenario": study.scenario, "ceiling": study.ceiling,
                 "cv_mean": {m.label: m.mean for m in study.compare.models},
                 "pair": pair.to_dict(), "curve": [s.to_dict() for s in curve.sizes],
                 "crossover": cross.to_dict(), "test_split": study.test.to_dict()}


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
