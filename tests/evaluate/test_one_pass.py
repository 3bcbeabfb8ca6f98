"""One forward pass scores a fitted MLP on every split as its ``predict`` does, and says which hidden units
fired on the training rows as the trap check's own pass does; the scaled rows it shares between runs are
shared only between equal fitted fronts, and nobody can write to them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuronlab.estimators import MLPClassifier
from neuronlab.estimators.registry import final_estimator
from neuronlab.evaluate.metrics import score_splits
from neuronlab.evaluate.one_pass import SplitRows, lone_mlp, model_inputs, score_one_pass
from neuronlab.experiments.fit import build_model
from neuronlab.experiments.traps import dead_units
from neuronlab.tasks import load_task

SPLITS = ("train", "val", "test")

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("moons", "mlp", {"hidden": (6, 6), "activation": "relu", "eta": 0.5}),  # dead units likely
    ("moons", "mlp", {"hidden": (5,), "activation": "sigmoid", "scale": False}),
    ("iris", "mlp", {"hidden": (7,), "activation": "tanh"}),  # softmax: argmax of three logits
    ("sin", "mlp", {"hidden": (8, 4), "activation": "leaky_relu"}),  # standardised target, mapped back
    ("sin", "mlp", {"hidden": (4,), "activation": "relu", "scale": False}),  # raw target, no scaler
    ("hall_petch", "mlp", {"hidden": (5,), "activation": "relu", "feature": "inv_sqrt"}),  # nested pipelines
    ("moons", "neuron", {"activation": "relu"}),  # not an MLP: scored through its predict
    ("sin", "neuron", {"activation": "tanh"}),  # a TransformedTargetRegressor around a neuron
]


def fitted(task_name: str, kind: str, params: dict[str, Any], seed: int = 0) -> tuple[Any, Any]:
    task = load_task(task_name, seed=seed)
    params = {"max_epochs": 40, **params}
    scale = params.pop("scale", True)
    estimator = build_model(kind, task, scale=scale, seed=seed, **params)
    return task, estimator.fit(task.X_train, task.y_train)


@pytest.mark.parametrize(("task_name", "kind", "params"), CASES)
def test_one_pass_gives_what_predict_and_the_trap_check_give(task_name: str, kind: str,
                                                             params: dict[str, Any]) -> None:
    task, estimator = fitted(task_name, kind, params)
    scored = score_one_pass(estimator, task, SPLITS)
    assert scored.metrics == score_splits(estimator, task, SPLITS)
    assert scored.train_pred is not None
    np.testing.assert_array_equal(scored.train_pred, estimator.predict(task.X_train), strict=True)
    model = final_estimator(estimator)
    if lone_mlp(estimator) is None:
        assert scored.fired is None
        return
    assert scored.fired is not None
    dead = dead_units(model, model_inputs(estimator, task.X_train)) if model.activation == "relu" else []
    # the trap check's own forward over the training rows alone counts the same dead units
    counted = [(int((~alive).sum()), int(alive.size)) for alive in scored.fired]
    if model.activation == "relu":
        assert counted == dead
    assert [alive.size for alive in scored.fired] == [W.shape[0] for W in model.coefs_[:-1]]


def test_the_relu_case_above_has_dead_units_to_count() -> None:
    """Guards the comparison above against passing on nothing: its ReLU network lost units."""
    task, estimator = fitted(*CASES[0])
    fired = score_one_pass(estimator, task, SPLITS).fired
    assert fired is not None and sum(int((~alive).sum()) for alive in fired) > 0


def test_without_the_training_split_nothing_is_said_about_it() -> None:
    task, estimator = fitted(*CASES[0])
    scored = score_one_pass(estimator, task, ("val", "test"))
    assert scored.metrics == score_splits(estimator, task, ("val", "test"))
    assert scored.train_pred is None and scored.fired is None


def test_training_rows_in_the_middle_of_the_splits_are_the_ones_checked() -> None:
    task, estimator = fitted(*CASES[0])
    first, middle = score_one_pass(estimator, task, SPLITS), score_one_pass(estimator, task, ("val", "train", "test"))
    assert middle.metrics == first.metrics
    assert first.fired is not None and middle.fired is not None
    for a, b in zip(first.fired, middle.fired, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(middle.train_pred, first.train_pred)  # type: ignore[arg-type]


def test_split_rows_share_the_scaled_rows_only_between_equal_fitted_fronts() -> None:
    task = load_task("moons", seed=0)
    rows = SplitRows(task, SPLITS)

    def pipeline(X: np.ndarray) -> Any:
        mlp = MLPClassifier((3,), max_epochs=5, random_state=0)
        return make_pipeline(StandardScaler(), mlp).fit(X, task.y_train)

    same_a, same_b = pipeline(task.X_train), pipeline(task.X_train)
    assert same_a[0] is not same_b[0]
    assert rows.inputs(same_a) is rows.inputs(same_b)  # equal fits: transformed once
    # attack: a scaler fitted on other rows (shifted and stretched) must not get the shared rows
    other = pipeline(3.0 * task.X_train + 5.0)
    Z_other = rows.inputs(other)
    assert Z_other is not rows.inputs(same_a)
    np.testing.assert_array_equal(Z_other, other[0].transform(rows.X))
    np.testing.assert_array_equal(rows.inputs(same_a), same_a[0].transform(rows.X))
    # and a run scored with other's rows gets other's numbers, not its neighbours'
    assert score_one_pass(other, task, SPLITS, rows=rows).metrics == score_splits(other, task, SPLITS)


def test_the_shared_rows_cannot_be_written() -> None:
    task, estimator = fitted(*CASES[0])
    Z = SplitRows(task, SPLITS).inputs(estimator)
    with pytest.raises(ValueError, match="read-only"):
        Z[0, 0] = 1.0


def test_a_unit_that_fires_only_on_held_out_rows_is_dead_for_training() -> None:
    """The trap is about training: a unit silent on every training row gets no gradient, whatever it does
    on the validation and test rows that come through the same pass."""
    task = load_task("moons", seed=0)
    held_out = np.concatenate([task.X_val, task.X_test])
    # a direction in which some held-out point lies beyond every training point
    j, sign = next((j, s) for j in range(2) for s in (1.0, -1.0)
                   if (s * held_out[:, j]).max() > (s * task.X_train[:, j]).max())
    edge = (sign * task.X_train[:, j]).max()
    w = np.zeros((2, 2))
    w[0, j], w[1, j] = sign, 1.0  # unit 1: a = ±x_j − edge, ≤ 0 on training rows; unit 2: fires on many
    mlp = MLPClassifier.from_weights([w, np.ones((1, 2))], [np.array([-edge, 0.0]), np.zeros(1)],
                                     activation="relu", dtype="float64")
    scored = score_one_pass(mlp, task, SPLITS)
    assert scored.fired is not None
    np.testing.assert_array_equal(scored.fired[0], [False, True])
    assert dead_units(mlp, task.X_train) == [(1, 2)]
    assert (sign * held_out[:, j] - edge > 0).any()  # ... though it fires on a held-out row
