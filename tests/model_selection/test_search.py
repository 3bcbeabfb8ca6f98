"""The batched searches against scikit-learn's own over the same estimator: the same numbers.

Each test runs scikit-learn's ``GridSearchCV``/``RandomizedSearchCV`` (our estimator's ``fit``, one
model at a time) and ours (every candidate × fold in one kernel call) on the same folds, float64, and
compares every key of ``cv_results_`` (times aside), ``best_*`` and the refitted model's predictions.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn import model_selection as sk
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import make_classification, make_moons
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import Ridge
from sklearn.metrics import make_scorer, mean_absolute_error
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from neuronlab import GridSearchCV, MLPClassifier, MLPRegressor, RandomizedSearchCV, honest_pipeline
from neuronlab.errors import ConfigError, DivergedError

TOL = 1e-6


@pytest.fixture(scope="module")
def moons() -> tuple[np.ndarray, np.ndarray]:
    return make_moons(90, noise=0.25, random_state=0)


@pytest.fixture(scope="module")
def grouped() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A regression whose rows come in 9 groups with their own offsets (crops of one specimen)."""
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(9), 10)
    X = rng.uniform(-2, 2, size=(90, 2))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] + rng.normal(0, 0.3, 9)[groups] + rng.normal(0, 0.05, 90)
    return X, y, groups


def assert_same_search(ours: Any, theirs: Any) -> None:
    """Every key of cv_results_ equal (numbers within TOL, params and ranks exactly), and best_*."""
    a, b = ours.cv_results_, theirs.cv_results_
    assert sorted(a) == sorted(b)
    assert a["params"] == b["params"]
    for key in b:
        if key.endswith("_time") or key == "params":
            continue
        if key.startswith("param_"):
            assert a[key].dtype == b[key].dtype, key
            np.testing.assert_array_equal(np.ma.getmaskarray(a[key]), np.ma.getmaskarray(b[key]))
            assert list(a[key].compressed()) == list(b[key].compressed()), key
        elif key.startswith("rank_"):
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
            assert a[key].dtype == b[key].dtype
        else:
            np.testing.assert_allclose(a[key], b[key], rtol=0, atol=TOL, err_msg=key)
    for key in ("fit_time", "score_time"):
        assert a[f"mean_{key}"].shape == b[f"mean_{key}"].shape and np.all(a[f"mean_{key}"] >= 0)
    assert ours.n_splits_ == theirs.n_splits_ and ours.multimetric_ == theirs.multimetric_
    if theirs.refit:
        assert ours.best_index_ == theirs.best_index_ and ours.best_params_ == theirs.best_params_
        if not callable(theirs.refit):
            assert ours.best_score_ == pytest.approx(theirs.best_score_, abs=TOL)
        assert ours.refit_time_ >= 0


def both(search: type, sk_search: type, *args: Any, groups: Any = None, X: Any, y: Any, **kwargs: Any) -> Any:
    ours = search(*args, **kwargs).fit(X, y, groups=groups)
    theirs = sk_search(*args, **kwargs).fit(X, y, groups=groups)
    assert_same_search(ours, theirs)
    return ours, theirs


def test_classifier_with_stratified_folds_equals_gridsearchcv(moons: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = moons
    est = MLPClassifier((6,), "tanh", max_epochs=20, dtype="float64", random_state=0)
    grid = {"eta": [0.01, 0.1], "hidden": [(3,), (6, 4)]}
    cv = StratifiedKFold(3, shuffle=True, random_state=1)
    ours, theirs = both(GridSearchCV, sk.GridSearchCV, est, grid, cv=cv, scoring="neg_log_loss",
                        return_train_score=True, X=X, y=y)
    assert ours.batched_.all()  # every fold went through the kernel
    assert isinstance(ours, sk.GridSearchCV)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-9)
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y), abs=1e-9)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)


def test_regressor_with_groupkfold_and_groups_equals_gridsearchcv(
        grouped: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    X, y, groups = grouped
    est = MLPRegressor((8,), "tanh", max_epochs=25, batch_size=16, dtype="float64", random_state=3)
    grid = [{"eta": [0.003, 0.03], "alpha": [1e-4, 1e-1]}, {"optimizer": ["sgd"], "momentum": [0.5]}]
    ours, _ = both(GridSearchCV, sk.GridSearchCV, est, grid, cv=GroupKFold(3), X=X, y=y, groups=groups)
    assert ours.batched_.all() and np.ma.is_masked(ours.cv_results_["param_eta"])  # sub-grids leave holes
    # the folds kept each group on one side
    fold = GroupKFold(3).split(X, y, groups)
    for tr, te in fold:
        assert not set(groups[tr]) & set(groups[te])


def test_multimetric_scoring_refits_on_the_named_metric(grouped: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    X, y, groups = grouped
    est = MLPRegressor((5,), "relu", max_epochs=15, dtype="float64", random_state=0)
    scoring = {"r2": "r2", "mae": make_scorer(mean_absolute_error, greater_is_better=False)}
    grid = {"eta": [0.001, 0.01, 0.05]}
    ours, theirs = both(GridSearchCV, sk.GridSearchCV, est, grid, cv=GroupKFold(3), scoring=scoring, refit="mae",
                        return_train_score=True, X=X, y=y, groups=groups)
    assert {"mean_test_r2", "rank_test_mae", "split2_train_mae"} <= set(ours.cv_results_)
    assert sorted(ours.scorer_) == ["mae", "r2"]
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y), abs=1e-9)  # the refit metric's scorer
    # a list of names, no refit: no best_*, as in scikit-learn
    ours, _ = both(GridSearchCV, sk.GridSearchCV, est, grid, cv=3, scoring=["r2", "neg_mean_squared_error"],
                   refit=False, X=X, y=y)
    assert not hasattr(ours, "best_index_") and not hasattr(ours, "best_estimator_")


def test_pipeline_scales_inside_each_fold(grouped: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    """Scaler and MLP as honest_pipeline builds them, a target scaler too, and a searched scaler knob
    (so candidates differ in their preprocessing): the same scores as scikit-learn's Pipeline.fit."""
    X, y, groups = grouped
    X = X * [100.0, 0.01] + [500.0, 0.0]  # scales an MLP cannot take raw
    mlp = MLPRegressor((6,), "tanh", max_epochs=20, dtype="float64", random_state=1)
    est = honest_pipeline(TransformedTargetRegressor(regressor=mlp, transformer=StandardScaler()))
    grid = {"transformedtargetregressor__regressor__eta": [0.005, 0.05], "standardscaler__with_mean": [True, False]}
    ours, theirs = both(GridSearchCV, sk.GridSearchCV, est, grid, cv=GroupKFold(3), X=X, y=y, groups=groups)
    assert ours.batched_.all()
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), atol=1e-9)
    assert ours.best_estimator_.named_steps["standardscaler"].n_samples_seen_ == len(X)


def test_randomized_search_draws_the_same_candidates(moons: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = moons
    est = honest_pipeline(MLPClassifier((4,), "relu", max_epochs=15, dtype="float64", random_state=0))
    space = {"mlpclassifier__eta": loguniform(1e-3, 1e-1), "mlpclassifier__hidden": [(2,), (5,)]}
    ours, _ = both(RandomizedSearchCV, sk.RandomizedSearchCV, est, space, n_iter=4, random_state=7,
                   cv=KFold(3, shuffle=True, random_state=0), X=X, y=y)
    again = RandomizedSearchCV(est, space, n_iter=4, random_state=7, cv=3).fit(X, y)
    assert again.cv_results_["params"] == ours.cv_results_["params"]


def test_a_diverging_candidate_scores_error_score(grouped: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    X, y, _ = grouped
    est = MLPRegressor((8,), "identity", optimizer="sgd", max_epochs=60, dtype="float64", random_state=0)
    grid = {"eta": [0.01, 1e4]}  # 1e4: SGD's steps blow the weights up to inf
    with pytest.warns(FitFailedWarning, match="3 fits failed out of a total of 6"), \
            pytest.warns(UserWarning, match="non-finite"):
        ours = GridSearchCV(est, grid, cv=3).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = sk.GridSearchCV(est, grid, cv=3).fit(X, y)
    assert_same_search(ours, theirs)
    assert np.isnan(ours.cv_results_["mean_test_score"][1]) and ours.cv_results_["rank_test_score"].tolist() == [1, 2]
    with pytest.warns(FitFailedWarning):
        low = GridSearchCV(est, grid, cv=3, error_score=-99.0).fit(X, y)
    assert low.cv_results_["split0_test_score"][1] == -99.0
    with pytest.raises(DivergedError):
        GridSearchCV(est, grid, cv=3, error_score="raise").fit(X, y)
    with pytest.raises(ConfigError, match=r"all 3 fits failed.*DivergedError"):
        GridSearchCV(est, {"eta": [1e4]}, cv=3).fit(X, y)


def test_what_the_kernel_cannot_train_falls_back_to_fit(moons: tuple[np.ndarray, np.ndarray]) -> None:
    """activation='step' has no gradient for the kernel; Ridge is no MLP: both are fitted alone, and a
    grid mixing them with a trainable candidate still equals scikit-learn's."""
    X, y = moons
    est = MLPClassifier((4,), "tanh", max_epochs=10, dtype="float64", random_state=0)
    ours, _ = both(GridSearchCV, sk.GridSearchCV, est, {"activation": ["tanh", "step"]}, cv=3, X=X, y=y)
    assert ours.batched_.tolist() == [True, False]
    ridge, _ = both(GridSearchCV, sk.GridSearchCV, Ridge(), {"alpha": [0.1, 10.0]}, cv=3, X=X, y=y.astype(float))
    assert not ridge.batched_.any()


def test_contract_clone_get_params_and_delegation(moons: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = moons
    est = MLPClassifier((3,), max_epochs=5, dtype="float64", random_state=0)
    ours = GridSearchCV(est, {"eta": [0.01]}, cv=2, n_jobs=1)
    assert ours.get_params(deep=False).keys() == sk.GridSearchCV(est, {"eta": [0.01]}).get_params(deep=False).keys()
    twin = clone(ours)
    assert type(twin) is GridSearchCV and twin.get_params()["estimator__hidden"] == (3,)
    assert set(RandomizedSearchCV(est, {"eta": [0.1]}).get_params(deep=False)) >= {"n_iter", "random_state"}
    assert not hasattr(ours, "cv_results_")
    ours.fit(X, y)
    assert ours.predict(X).shape == (len(X),) and ours.n_features_in_ == 2
    assert ours.best_estimator_ is not est and not hasattr(est, "history_")  # the given estimator stays unfitted
    with pytest.raises(AttributeError):
        GridSearchCV(est, {"eta": [0.01]}, cv=2, refit=False).fit(X, y).predict(X)


@pytest.mark.parametrize(("kwargs", "fit_kwargs", "match"), [
    ({"param_grid": {"no_such_knob": [1]}}, {}, "does not fit the estimator"),
    ({"param_grid": {"eta": 0.1}}, {}, "parameter grid"),
    ({"scoring": "no_such_metric"}, {}, "scoring"),
    ({"scoring": ["r2", "accuracy"], "refit": "f1"}, {}, "refit must name one of"),
    ({"error_score": "ignore"}, {}, "error_score"),
    ({"cv": "five"}, {}, "cv="),
    ({"n_jobs": 0}, {}, "n_jobs"),
    ({}, {"sample_weight": np.ones(90)}, "fit parameters"),
])
def test_bad_settings_get_one_clear_line(moons: tuple[np.ndarray, np.ndarray], kwargs: dict[str, Any],
                                         fit_kwargs: dict[str, Any], match: str) -> None:
    X, y = moons
    settings: dict[str, Any] = {"param_grid": {"eta": [0.01]}, "cv": 2, **kwargs}
    search = GridSearchCV(MLPClassifier((3,), max_epochs=3, random_state=0), **settings)
    with pytest.raises(ConfigError, match=match) as info:
        search.fit(X, y, **fit_kwargs)
    assert "\n" not in str(info.value)


def test_float32_default_estimators_agree_closely(moons: tuple[np.ndarray, np.ndarray]) -> None:
    """The estimators' default float32: the kernel and the torch loop round differently, so the
    scores agree to float32's precision, not exactly (and the ranking stays the same here)."""
    X, y = make_classification(80, n_features=4, random_state=0)
    est = MLPClassifier((5,), max_epochs=20, random_state=0)
    grid = {"eta": [0.003, 0.03]}
    ours = GridSearchCV(est, grid, cv=3, scoring="neg_log_loss").fit(X, y)
    theirs = sk.GridSearchCV(est, grid, cv=3, scoring="neg_log_loss").fit(X, y)
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"],
                               rtol=1e-4)
    assert ours.best_params_ == theirs.best_params_


def test_unrelated_pipelines_never_share_their_preprocessing(moons: tuple[np.ndarray, np.ndarray]) -> None:
    """fit_folds(params=None), as the Hall–Petch study calls it: two different pipelines on the same
    folds each keep their own preprocessing (a shared one gave the second the first's features)."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from neuronlab.model_selection.folds import fit_folds

    X, y = moons
    mlp = MLPClassifier((4,), "tanh", max_epochs=10, dtype="float64", random_state=0)
    plain, squared = make_pipeline(StandardScaler(), mlp), make_pipeline(FunctionTransformer(np.square), mlp)
    splits = list(KFold(2).split(X))
    fits = fit_folds([plain, squared], None, splits, X, y, threads=1)
    for fit, (model, (tr, _)) in zip(fits, [(m, s) for m in (plain, squared) for s in splits], strict=True):
        alone = clone(model).fit(X[tr], y[tr])
        np.testing.assert_allclose(fit.estimator.predict_proba(X), alone.predict_proba(X), atol=1e-9)
