"""Silent traps are said out loud: runs at chance and dead ReLU units come back as warnings in the
metrics every run returns and stores, each with a fix; healthy runs get none."""

from __future__ import annotations

import numpy as np

from neuronlab.estimators.registry import final_estimator
from neuronlab.experiments.evaluation import evaluate_spec
from neuronlab.experiments.fit import fit_and_score
from neuronlab.experiments.spec import spec_from_dict
from neuronlab.experiments.traps import dead_units, model_inputs, training_warnings
from neuronlab.tasks import load_task


def _spec(task: str, model: dict[str, object], train: dict[str, object]) -> object:
    return spec_from_dict({"name": "t", "task": {"name": task}, "model": model, "train": train}, source="test")


def test_a_run_stuck_at_chance_is_stored_with_its_warning() -> None:
    spec = _spec("gaussians", {"kind": "neuron", "activation": "relu"}, {"eta": 0.01, "alpha": 1e-4})
    metrics, _, _ = evaluate_spec(spec, seed=0, figures=False)  # type: ignore[arg-type]
    assert metrics["test"]["accuracy"] == 0.5
    (chance, dead) = metrics["warnings"]
    assert chance.startswith("training ended at chance: train accuracy 0.500") and "activation sigmoid" in chance
    assert dead.startswith("the ReLU neuron is dead")


def test_dead_relu_units_of_an_mlp_are_counted_from_its_weights() -> None:
    task = load_task("moons")
    result = fit_and_score(task, "mlp", hidden=(4,), eta=1.0, max_epochs=100, seed=0)
    mlp = final_estimator(result.estimator)
    Z = model_inputs(result.estimator, task.X_train)
    # by hand: a unit is dead when its pre-activation is ≤ 0 on every training point
    a = Z @ mlp.coefs_[0].T + mlp.intercepts_[0]
    assert dead_units(mlp, Z) == [(int((a <= 0).all(axis=0).sum()), 4)]
    (line,) = training_warnings(result.estimator, task, result.metrics)
    dead = int((a <= 0).all(axis=0).sum())
    assert dead >= 2 and line.startswith(f"{dead} of 4 ReLU units of hidden layer 1 are dead")
    assert "smaller eta" in line


def test_a_regressor_that_learnt_nothing_is_flagged_but_a_task_without_signal_is_not() -> None:
    task = load_task("sin")
    stuck = fit_and_score(task, "mlp", eta=1e-6, max_epochs=1, seed=1)  # an MLP that barely moved
    assert stuck.metrics["train"]["r2"] <= 0.02
    (line,) = training_warnings(stuck.estimator, task, stuck.metrics)
    assert "no better than predicting the mean (R² 0)" in line and "more epochs" in line
    # noise only: the ceiling is chance, so chance is no trap
    flat = load_task("gaussians", separation=0.0)
    result = fit_and_score(flat, "linear", seed=0)
    assert training_warnings(result.estimator, flat, {"train": {"accuracy": 0.5}}) == []


def test_healthy_runs_carry_no_warning() -> None:
    for task_name, model, params in (("moons", "mlp", {"max_epochs": 200}), ("gaussians", "neuron", {}),
                                     ("sin", "mlp", {"max_epochs": 200}), ("iris", "linear", {})):
        task = load_task(task_name)
        result = fit_and_score(task, model, seed=0, **params)
        assert training_warnings(result.estimator, task, result.metrics) == [], task_name
    assert np.isfinite(result.score("test"))
