"""MLPRegressor standardises its target by default (``scale_target``, declared once in config): on an
unscaled target such as Hall–Petch's MPa it no longer scores R² ≈ −3 under GroupKFold, the batched
path equals it, and ``build_model`` gives the very numbers its old TransformedTargetRegressor gave."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.preprocessing import StandardScaler

from neuronlab import config
from neuronlab.errors import ConfigError
from neuronlab.estimators import MLPRegressor
from neuronlab.estimators.batch import fit_mlps
from neuronlab.evaluate import honest_pipeline
from neuronlab.experiments.fit import build_model
from neuronlab.tasks import load_task

TASK = load_task("hall_petch")


def _cv_r2(mlp: MLPRegressor) -> float:
    scores = cross_val_score(honest_pipeline(mlp), TASK.X_dev, TASK.y_dev, groups=TASK.groups_dev,
                             cv=GroupKFold(5), scoring="r2")
    return float(scores.mean())


def test_the_default_scales_the_target_and_the_knob_switches_it_off() -> None:
    assert config.default("scale_target") is True
    assert MLPRegressor().get_params()["scale_target"] is config.default("scale_target")
    assert _cv_r2(MLPRegressor(random_state=0)) > 0.9  # the practical's MLP on raw d, target in MPa
    assert _cv_r2(MLPRegressor(random_state=0, scale_target=False)) < 0.5  # the trap the default now avoids


def test_predictions_come_back_in_target_units_and_partial_fit_keeps_the_scaler() -> None:
    X, y = TASK.X_train, TASK.y_train
    mlp = MLPRegressor((8,), max_epochs=30, random_state=0).fit(X, y)
    scaler = mlp.target_scaler_
    assert scaler.mean_[0] == pytest.approx(y.mean()) and scaler.scale_[0] == pytest.approx(y.std())
    # the network's own output is in standardised units; predict maps it back
    raw = mlp.module_(torch.as_tensor(X[:5], dtype=torch.float32)).detach().numpy()
    np.testing.assert_allclose(mlp.predict(X[:5]), raw[:, 0] * y.std() + y.mean(), rtol=1e-4)
    mlp.partial_fit(X, y)  # another epoch, on the same scale: the scaler is not refitted
    assert mlp.target_scaler_ is scaler
    assert MLPRegressor((8,), max_epochs=5, scale_target=False, random_state=0).fit(X, y).target_scaler_ is None


def test_build_model_equals_the_old_target_wrapper_bit_for_bit() -> None:
    for early_stopping in (False, True):
        kw = {"hidden": (16,), "max_epochs": 60, "early_stopping": early_stopping}
        new = build_model("mlp", TASK, seed=0, **kw)
        assert not isinstance(new, TransformedTargetRegressor)
        old = TransformedTargetRegressor(regressor=honest_pipeline(MLPRegressor(scale_target=False, random_state=0,
                                                                                **kw)),
                                         transformer=StandardScaler())
        new.fit(TASK.X_train, TASK.y_train)
        old.fit(TASK.X_train, TASK.y_train)
        np.testing.assert_array_equal(new.predict(TASK.X_test), old.predict(TASK.X_test))
    # --no-scale keeps the target as it is too, as before
    assert build_model("mlp", TASK, scale=False).get_params()["scale_target"] is False
    assert isinstance(build_model("neuron", TASK), TransformedTargetRegressor)  # the neuron keeps its wrapper


def test_the_batched_path_equals_each_fit_alone_with_and_without_scaling() -> None:
    """Estimators of one batch on the same data but different ``scale_target`` must not share targets."""
    base = MLPRegressor((6,), "tanh", max_epochs=40, dtype="float64", early_stopping=True, random_state=3)
    ests = [clone(base).set_params(scale_target=s, eta=eta) for s in (True, False) for eta in (0.01, 0.03)]
    ests.append(build_model("mlp", TASK, seed=3, hidden=(6,), max_epochs=40))  # the pipeline a sweep builds
    alone = [clone(e).fit(TASK.X_train, TASK.y_train) for e in ests]
    batched = [clone(e) for e in ests]
    assert fit_mlps(batched, [(TASK.X_train, TASK.y_train)] * len(ests)) == [None] * len(ests)
    for a, b in zip(alone, batched, strict=True):
        np.testing.assert_allclose(b.predict(TASK.X_test), a.predict(TASK.X_test), rtol=1e-9)


def test_a_bad_value_is_refused_in_one_line_naming_the_knob() -> None:
    with pytest.raises(ConfigError, match=r"^scale_target must be True or False .*got 'yes'$"):
        MLPRegressor(scale_target="yes").fit(TASK.X_train, TASK.y_train)  # type: ignore[arg-type]
