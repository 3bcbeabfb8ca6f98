"""Baselines: scikit-learn models as the practicals use them, and the hand-crafted feature map."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.gaussian_process import GaussianProcessClassifier, GaussianProcessRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import r2_score
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from neuronlab.errors import ConfigError, DataError
from neuronlab.estimators.registry import make_model
from neuronlab.nn.baselines import HandFeature, gp_model, linear_model


def test_linear_model_follows_the_task_kind() -> None:
    assert isinstance(linear_model("regression"), LinearRegression)
    assert isinstance(linear_model("binary"), LogisticRegression)
    assert isinstance(linear_model("multiclass"), LogisticRegression)
    with pytest.raises(ConfigError, match="'binary'"):
        linear_model("ordinal")


def test_gp_beats_linear_on_sin_regression() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-3, 3, size=(60, 1))
    y = np.sin(X[:, 0]) + rng.normal(0, 0.05, size=60)
    X_test = np.linspace(-2.8, 2.8, 50)[:, None]
    y_test = np.sin(X_test[:, 0])
    gp = gp_model("regression", random_state=0).fit(X, y)
    lin = linear_model("regression").fit(X, y)
    r2_gp, r2_lin = r2_score(y_test, gp.predict(X_test)), r2_score(y_test, lin.predict(X_test))
    assert r2_gp > 0.95
    assert r2_gp > r2_lin + 0.1
    # The WhiteKernel learned a noise level near the true 0.05² (relative to normalized y), not ~0.
    assert isinstance(gp, GaussianProcessRegressor)
    assert gp.kernel_.k2.noise_level > 1e-4


def test_gp_classifier_draws_a_curved_boundary() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 2))
    y = (np.hypot(X[:, 0], X[:, 1]) < 1.0).astype(int)  # a disc: no straight line separates it
    gp = gp_model("binary", random_state=0)
    assert isinstance(gp, GaussianProcessClassifier)
    acc_gp = gp.fit(X, y).score(X, y)
    acc_lin = linear_model("binary").fit(X, y).score(X, y)
    assert acc_gp > 0.9 > acc_lin


def test_gp_fit_is_reproducible() -> None:
    rng = np.random.default_rng(2)
    X = rng.uniform(-2, 2, size=(30, 1))
    y = X[:, 0] ** 2 + rng.normal(0, 0.1, size=30)
    a = gp_model("regression", random_state=3).fit(X, y).predict(X)
    b = gp_model("regression", random_state=3).fit(X, y).predict(X)
    np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- HandFeature


def test_inv_sqrt_values_and_names() -> None:
    X = pd.DataFrame({"d_um": [1.0, 4.0, 100.0], "T_K": [300.0, 300.0, 400.0]})
    hf = HandFeature("inv_sqrt", columns=["d_um"]).fit(X)
    Z = hf.transform(X)
    np.testing.assert_allclose(Z[:, 0], [1.0, 0.5, 0.1])
    np.testing.assert_array_equal(Z[:, 1], X["T_K"])  # unselected columns pass through
    assert list(hf.get_feature_names_out()) == ["inv_sqrt(d_um)", "T_K"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("sqrt", [1.0, 2.0, 10.0]), ("log", np.log([1.0, 4.0, 100.0])), ("square", [1.0, 16.0, 1e4]),
     ("inv", [1.0, 0.25, 0.01]), ("identity", [1.0, 4.0, 100.0])],
)
def test_other_maps(name: str, expected: list[float]) -> None:
    X = np.array([[1.0], [4.0], [100.0]])
    np.testing.assert_allclose(HandFeature(name).fit_transform(X)[:, 0], expected)


def test_inv_sqrt_rejects_non_positive_inputs_with_a_clear_message() -> None:
    hf = HandFeature("inv_sqrt").fit(np.array([[1.0], [2.0]]))
    with pytest.raises(DataError, match=r"needs positive inputs but column 'x0' has min -0\.5.*scale after"):
        hf.transform(np.array([[3.0], [-0.5]]))
    with pytest.raises(ValueError, match="positive"):  # DataError is a ValueError for sklearn's sake
        HandFeature("log").fit(np.array([[0.0], [1.0]]))
    assert np.isfinite(HandFeature("square").fit_transform(np.array([[-2.0]]))).all()


def test_unknown_feature_and_column_raise_config_error() -> None:
    with pytest.raises(ConfigError, match=r"unknown hand feature 'cube'.*'inv_sqrt'"):
        HandFeature("cube").fit(np.ones((3, 1)))
    with pytest.raises(ConfigError, match="out of range"):
        HandFeature("sqrt", columns=[2]).fit(np.ones((3, 2)))
    with pytest.raises(ConfigError, match="'grain'"):
        HandFeature("sqrt", columns=["grain"]).fit(pd.DataFrame({"d_um": [1.0, 2.0]}))


def test_hall_petch_domain_model_recovers_sigma0_and_k() -> None:
    rng = np.random.default_rng(0)
    d = rng.uniform(1.0, 100.0, size=(50, 1))
    sigma = 70.0 + 600.0 / np.sqrt(d[:, 0])  # σ_y = σ_0 + k d^(-1/2)
    model = make_pipeline(HandFeature("inv_sqrt"), LinearRegression()).fit(d, sigma)
    lr = model[-1]
    assert lr.intercept_ == pytest.approx(70.0)
    assert lr.coef_[0] == pytest.approx(600.0)
    # Linear on raw d cannot: the law is curved in d.
    assert LinearRegression().fit(d, sigma).score(d, sigma) < 0.95


# scikit-learn's data for positive-only estimators is ``X - X.min()``: it holds an exact 0, where 1/√d
# is infinite.  HandFeature("inv_sqrt") rightly refuses it, so these checks cannot pass for it; the same
# class and code path pass them all as HandFeature("sqrt"), whose domain includes 0.
_ZERO_IN_DATA = "sklearn's positive-only check data contains 0, outside 1/sqrt's domain"
_INV_SQRT_XFAIL = dict.fromkeys(
    [
        "check_dict_unchanged", "check_dont_overwrite_parameters", "check_dtype_object",
        "check_estimators_dtypes", "check_estimators_fit_returns_self", "check_estimators_nan_inf",
        "check_estimators_overwrite_params", "check_estimators_pickle", "check_f_contiguous_array_estimator",
        "check_fit2d_1feature", "check_fit2d_1sample", "check_fit2d_predict1d", "check_fit_check_is_fitted",
        "check_fit_idempotent", "check_fit_score_takes_y", "check_methods_sample_order_invariance",
        "check_methods_subset_invariance", "check_n_features_in", "check_n_features_in_after_fitting",
        "check_pipeline_consistency", "check_readonly_memmap_input", "check_transformer_data_not_an_array",
        "check_transformer_general", "check_transformer_preserve_dtypes",
    ],
    _ZERO_IN_DATA,
)


def _expected_failures(estimator: HandFeature) -> dict[str, str]:
    return _INV_SQRT_XFAIL if estimator.name == "inv_sqrt" else {}


@parametrize_with_checks(
    [HandFeature("inv_sqrt"), HandFeature("sqrt"), HandFeature("square")],
    expected_failed_checks=_expected_failures,
)
def test_hand_feature_is_a_sklearn_transformer(estimator: HandFeature, check: object) -> None:
    check(estimator)  # type: ignore[operator]


# ---------------------------------------------------------------- make_model


def test_make_model_builds_linear_and_gp_for_each_kind() -> None:
    assert isinstance(make_model("linear", "regression"), LinearRegression)
    assert isinstance(make_model("gp", "regression"), GaussianProcessRegressor)
    clf = make_model("linear", "binary", random_state=7, C=0.5)
    assert isinstance(clf, LogisticRegression)
    assert (clf.random_state, clf.C) == (7, 0.5)
    # LinearRegression has no random_state: a shared seed must not break it.
    assert isinstance(make_model("linear", "regression", random_state=3), LinearRegression)
    assert make_model("gp", "multiclass", random_state=5).random_state == 5


def test_make_model_rejects_unknown_names_and_parameters() -> None:
    with pytest.raises(ConfigError,
                       match="unknown model 'svm'; use one of 'bayes_neuron', 'gp', 'linear', 'mlp', 'neuron'"):
        make_model("svm", "binary")
    with pytest.raises(ConfigError, match=r"no parameter 'eta'.*'fit_intercept'"):
        make_model("linear", "regression", eta=0.1)
    with pytest.raises(ConfigError, match="task kind"):
        make_model("linear", "clustering")


def test_make_model_builds_neural_estimators_lazily() -> None:
    est = pytest.importorskip("neuronlab.estimators")
    mlp = make_model("mlp", "regression", hidden=(8,), random_state=4)
    assert isinstance(mlp, est.MLPRegressor)
    assert mlp.hidden == (8,) and mlp.random_state == 4
    assert isinstance(make_model("mlp", "binary"), est.MLPClassifier)
    assert isinstance(make_model("neuron", "binary"), est.NeuronClassifier)
    assert isinstance(make_model("neuron", "regression"), est.NeuronRegressor)


@pytest.mark.parametrize(("name", "kind", "params"), [
    ("mlp", "binary", {"hidden": (5, 3), "eta": 0.2, "alpha": 1e-3, "optimizer": "sgd", "early_stopping": True}),
    ("mlp", "regression", {"hidden": 7, "loss": "mae", "scale_target": False, "batch_size": 16}),
    ("neuron", "binary", {"eta": 0.3, "max_epochs": 12}),
    ("neuron", "regression", {}),
    ("bayes_neuron", "binary", {"alpha": 0.5}),
])
def test_our_estimators_are_built_as_set_params_would(name: str, kind: str, params: dict[str, Any]) -> None:
    """Our classes are constructed with the parameters directly: the same estimator as a default one
    given them through ``set_params``, the seed applied, an unknown name refused with the valid ones."""
    built = make_model(name, kind, random_state=11, **params)
    reference = type(built)().set_params(**params, random_state=11)
    assert built.get_params() == reference.get_params()
    with pytest.raises(ConfigError, match=r"has no parameter 'etta'; valid parameters: .*'random_state'"):
        make_model(name, kind, etta=0.1, **params)
