"""scikit-learn's own contract checks, and the meta-estimators our users will wrap us in."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from neuronlab.estimators import MLPClassifier, MLPRegressor, NeuronClassifier, NeuronRegressor

# The seed's neuron takes fixed-eta steps on a loss SUMMED over samples; on the checks' unscaled
# X ≈ N(100, 1) that needs eta < ~1e-6, which then cannot fit the checks' scaled regression data in a
# few epochs.  It raises DivergedError (with a smaller-eta hint) instead: scale X first, as the
# practical does.  The classifier's cross-entropy gradient stays bounded, so it passes.
UNSCALED = "the seed's summed-loss gradient descent at fixed eta diverges on unscaled X ~ 100 (DivergedError)"
NEURON_REGRESSOR_XFAIL = {
    "check_fit_idempotent": UNSCALED,
    "check_fit_check_is_fitted": UNSCALED,
    "check_n_features_in": UNSCALED,
}

ESTIMATORS = [
    MLPClassifier(max_epochs=60, eta=0.05, random_state=0),
    MLPRegressor(max_epochs=60, eta=0.05, random_state=0),
    NeuronClassifier(max_epochs=60, random_state=0),
    NeuronClassifier(max_epochs=60, backend="torch", n_neurons=3, random_state=0),
    NeuronRegressor(max_epochs=60, eta=1e-3, random_state=0),
    NeuronRegressor(max_epochs=60, eta=1e-3, backend="torch", random_state=0),
]


def expected_failures(estimator):
    return NEURON_REGRESSOR_XFAIL if isinstance(estimator, NeuronRegressor) else {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures)
def test_sklearn_contract(estimator, check):
    check(estimator)


@pytest.fixture
def grouped_moons() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Moons on a large scale (so the scaler matters), in 6 groups of 20 (say, 6 specimens)."""
    from sklearn.datasets import make_moons

    X, y = make_moons(120, noise=0.2, random_state=0)
    return 50 * X + 200, y, np.repeat(np.arange(6), 20)


@pytest.mark.parametrize("estimator", [
    MLPClassifier(hidden=(16,), max_epochs=150, random_state=0),
    NeuronClassifier(max_epochs=150, random_state=0),
], ids=["mlp", "neuron"])
def test_pipeline_with_standard_scaler(estimator, grouped_moons) -> None:
    X, y, _ = grouped_moons
    pipe = make_pipeline(StandardScaler(), estimator).fit(X, y)
    assert pipe.score(X, y) >= 0.85
    assert pipe.predict_proba(X).shape == (120, 2)


def test_grid_search_over_eta_refits_the_best(grouped_moons) -> None:
    X, y, groups = grouped_moons
    pipe = make_pipeline(StandardScaler(), NeuronClassifier(max_epochs=50, random_state=0))
    search = GridSearchCV(pipe, {"neuronclassifier__eta": [1e-4, 1e-2]}, cv=GroupKFold(3))
    search.fit(X, y, groups=groups)
    scores = search.cv_results_["mean_test_score"]
    assert search.best_params_["neuronclassifier__eta"] == [1e-4, 1e-2][int(np.argmax(scores))]
    assert scores[0] != scores[1]  # eta matters: the two settings really trained differently
    assert search.best_estimator_[-1].n_iter_ == 50


def test_cross_validate_with_group_k_fold(grouped_moons) -> None:
    X, y, groups = grouped_moons
    pipe = make_pipeline(StandardScaler(), MLPClassifier(hidden=(16,), max_epochs=100, random_state=0))
    result = cross_validate(pipe, X, y, groups=groups, cv=GroupKFold(3), return_estimator=True)
    assert len(result["test_score"]) == 3 and np.all(result["test_score"] > 0.6)
    # each fold held out two whole groups: no group on both sides
    for (train, test) in GroupKFold(3).split(X, y, groups):
        assert not set(groups[train]) & set(groups[test])
    assert len({id(est[-1].module_) for est in result["estimator"]}) == 3


def test_clone_copies_parameters_not_learned_state(grouped_moons) -> None:
    X, y, _ = grouped_moons
    est = MLPClassifier(hidden=(8, 4), eta=0.02, max_epochs=5, random_state=3).fit(X, y)
    twin = clone(est)
    assert twin.get_params() == est.get_params()
    assert not hasattr(twin, "module_") and not hasattr(twin, "history_")
    np.testing.assert_array_equal(twin.fit(X, y).predict_proba(X), est.predict_proba(X))
