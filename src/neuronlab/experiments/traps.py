"""Silent traps, said out loud: training that ended at chance, and units that died.

A single ReLU neuron at the default η ends at 0.500 on every split, and nothing in a table of
numbers says that this is a dead unit and not a hard task.  ``training_warnings`` reads a fitted
model the way a tutor would — is it better than always answering the largest class (or the mean)?
does any ReLU unit output 0 on every training point, so that no gradient will ever reach it? — and
returns one line per trap, each with the fix to try.  ``neuronlab train`` prints them and every run
stores them with its metrics (``metrics["warnings"]``).  A sweep hands over what its one scoring pass
saw (``evaluate.one_pass.Scored``: the training predictions, which units fired), so no trap costs a
forward pass of its own.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neuronlab.estimators import MLPClassifier, MLPRegressor, NeuronClassifier, NeuronRegressor
from neuronlab.estimators.registry import final_estimator
from neuronlab.evaluate.one_pass import Scored, model_inputs
from neuronlab.tasks.base import Task

CHANCE_MARGIN = 0.02  # within this of always answering the largest class (or the mean) counts as chance
LEARNABLE = 0.05  # ... when the ceiling (if known) lies at least this far above chance
DEAD_SHARE = 0.5  # warn when at least this share of a layer's ReLU units is dead


def dead_units(model: Any, Z: np.ndarray) -> list[tuple[int, int]]:
    """(dead, total) ReLU units per layer of ``model`` on inputs ``Z`` (empty for other models).

    A ReLU unit whose pre-activation is ≤ 0 on every training point outputs 0 everywhere and passes
    no gradient back: no further epoch can revive it.  The single neuron's one unit is its output.
    """
    if isinstance(model, MLPClassifier | MLPRegressor) and model.activation == "relu":
        out, h = [], Z
        for W, b in zip(model.coefs_[:-1], model.intercepts_[:-1], strict=True):
            a = h @ W.T + (0.0 if b is None else b)  # (N, width)
            out.append((int((a <= 0).all(axis=0).sum()), int(a.shape[1])))
            h = np.maximum(a, 0.0)
        return out
    if isinstance(model, NeuronClassifier | NeuronRegressor) and model.activation == "relu" and model.n_neurons == 1:
        a = Z @ model.coef_ + model.intercept_  # (N,)
        return [(int((a <= 0).all()), 1)]
    return []


def _fix(model: Any) -> str:
    """What to try, for this kind of model."""
    activation = getattr(model, "activation", None)
    if isinstance(model, NeuronClassifier) and activation in ("relu", "leaky_relu", "identity"):
        return (f"a single {activation} neuron fits the 0/1 labels with squared error and η = {model.eta:g} "
                "overshoots; try activation sigmoid, or a smaller eta (e.g. 0.001)")
    if isinstance(model, NeuronClassifier | NeuronRegressor | MLPClassifier | MLPRegressor):
        return "try a smaller eta (e.g. a tenth), more epochs, another activation or another seed"
    return "check the model's settings and the data's scale"


def chance_warning(estimator: Any, task: Task, split_metrics: dict[str, dict[str, Any]],
                   train_pred: np.ndarray | None = None) -> str | None:
    """One line when the training score is no better than always answering the largest class (or the
    mean, for regression) although the task has more to learn; else None.  ``train_pred``: the
    estimator's predictions on the training split, when the caller has them."""
    train = split_metrics.get("train") or {}
    if task.kind == "regression":
        score, chance, what = train.get("r2"), 0.0, "R²"
        baseline = "predicting the mean (R² 0)"
    else:
        _, counts = np.unique(task.y_train, return_counts=True)
        score, chance, what = train.get("accuracy"), float(counts.max() / counts.sum()), "accuracy"
        baseline = f"always answering the largest class ({chance:.3f})"
    if score is None or not np.isfinite(score) or score > chance + CHANCE_MARGIN:
        return None
    if task.ceiling is not None and task.ceiling < chance + LEARNABLE:
        return None  # nothing to learn: chance is the best there is
    worse = "at chance" if score >= chance - CHANCE_MARGIN else "below chance"
    line = f"training ended {worse}: train {what} {score:.3f}, no better than {baseline}"
    if task.kind != "regression":
        labels = np.unique(np.asarray(estimator.predict(task.X_train) if train_pred is None else train_pred))
        if len(labels) == 1:
            line += f"; every prediction is class {labels[0]}"
    fix = _fix(final_estimator(estimator))
    return f"{line}. {fix[:1].upper()}{fix[1:]}."


def dead_warning(estimator: Any, task: Task, fired: list[np.ndarray] | None = None) -> str | None:
    """One line when a ReLU layer lost at least ``DEAD_SHARE`` of its units (or the neuron is dead).
    ``fired``: per hidden layer of an MLP, which units had a > 0 on some training row (``Scored.fired``)."""
    model = final_estimator(estimator)
    if getattr(model, "activation", None) != "relu":  # only ReLU units die: no inputs to transform, no forward
        return None
    if fired is not None and isinstance(model, MLPClassifier | MLPRegressor):
        layers = [(int((~alive).sum()), int(alive.size)) for alive in fired]
    else:
        layers = dead_units(model, model_inputs(estimator, task.X_train))
    bad = [(i, dead, total) for i, (dead, total) in enumerate(layers, start=1) if dead and dead >= DEAD_SHARE * total]
    if not bad:
        return None
    if isinstance(model, NeuronClassifier | NeuronRegressor):
        return ("the ReLU neuron is dead (a ≤ 0 on every training point, so its output and gradient are 0). "
                "Try a smaller eta (e.g. 0.001) or activation sigmoid.")
    what = ", ".join(f"{dead} of {total} ReLU units of hidden layer {i} are dead" for i, dead, total in bad)
    return (f"{what} (output 0 on every training point, so no gradient reaches them). "
            "Try a smaller eta, activation leaky_relu, or another seed.")


def training_warnings(estimator: Any, task: Task, split_metrics: dict[str, dict[str, Any]], *,
                      seen: Scored | None = None) -> list[str]:
    """Every trap the fitted ``estimator`` fell into on ``task``, one line each (empty when none).
    ``seen``: what ``score_one_pass`` saw when it scored these ``split_metrics`` (saves the forward passes)."""
    found = [chance_warning(estimator, task, split_metrics, None if seen is None else seen.train_pred),
             dead_warning(estimator, task, None if seen is None else seen.fired)]
    return [line for line in found if line]
