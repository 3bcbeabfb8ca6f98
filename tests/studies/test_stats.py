"""The two tests of a paired difference, against published numbers and against their own definitions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.datasets import make_moons
from sklearn.model_selection import RepeatedStratifiedKFold, cross_val_score
from sklearn.svm import SVC

from neuronlab.errors import ConfigError
from neuronlab.studies.stats import bayesian_correlated_ttest, corrected_ttest, paired_ttest


@pytest.fixture(scope="module")
def example_scores() -> dict[str, np.ndarray]:
    """The fixed inputs of scikit-learn's example "Statistical comparison of models using grid search":
    SVCs on make_moons(noise=0.352, random_state=1, n_samples=100), ROC AUC on the same 10 × 10-fold
    RepeatedStratifiedKFold(random_state=0) partitions (90 training, 10 test rows each)."""
    X, y = make_moons(noise=0.352, random_state=1, n_samples=100)
    cv = RepeatedStratifiedKFold(n_splits=10, n_repeats=10, random_state=0)
    models = {"rbf": SVC(kernel="rbf", random_state=0), "linear": SVC(kernel="linear", random_state=0),
              "3_poly": SVC(kernel="poly", degree=3, random_state=0)}
    return {name: cross_val_score(m, X, y, scoring="roc_auc", cv=cv) for name, m in models.items()}


def test_reproduces_the_scikit_learn_example(example_scores: dict[str, np.ndarray]) -> None:
    # The example's printed output (scikit-learn 1.3 docs, auto_examples/model_selection/plot_grid_search_stats).
    d = example_scores["rbf"] - example_scores["linear"]
    corrected = corrected_ttest(d, 90, 10)
    assert round(corrected.t, 3) == 0.750 and round(corrected.p_greater, 3) == 0.227  # "Corrected t-value: 0.750"
    naive = paired_ttest(d)
    assert round(naive.t, 3) == 2.611 and round(naive.p_greater, 3) == 0.005  # "Uncorrected t-value: 2.611"
    assert round(1 - bayesian_correlated_ttest(d, 90, 10).p_left, 3) == 0.773  # P(rbf more accurate)
    post = bayesian_correlated_ttest(d, 90, 10, rope=0.01)
    assert (round(post.p_left, 3), round(post.p_right, 3), round(post.p_rope, 3)) == (0.068, 0.500, 0.432)
    low, high = post.interval(0.95)
    assert (round(low, 6), round(high, 6)) == (-0.016445, 0.036445)
    assert tuple(round(v, 6) for v in post.interval(0.5)) == (0.000977, 0.019023)
    # the pairwise table: rbf vs 3_poly and linear vs 3_poly
    for a, b, t, probs in (("rbf", "3_poly", 1.657, (0.018, 0.882, 0.100)),
                           ("linear", "3_poly", 1.111, (0.063, 0.750, 0.187))):
        diff = example_scores[a] - example_scores[b]
        assert round(corrected_ttest(diff, 90, 10).t, 3) == t
        p = bayesian_correlated_ttest(diff, 90, 10, rope=0.01)
        assert (round(p.p_left, 3), round(p.p_right, 3), round(p.p_rope, 3)) == probs


def test_closed_forms_follow_their_definitions() -> None:
    d = np.random.default_rng(0).normal(0.02, 0.05, size=50)
    n_train, n_test = 160, 40
    rho = n_test / (n_train + n_test)
    scale = np.sqrt((1 / d.size + rho / (1 - rho)) * np.var(d, ddof=1))  # Benavoli et al. 2017, eq. for St
    post = bayesian_correlated_ttest(d, n_train, n_test, rope=0.01)
    assert post.scale == pytest.approx(scale) and post.df == 49 and post.mean == pytest.approx(d.mean())
    assert post.p_left + post.p_rope + post.p_right == pytest.approx(1.0)
    assert post.p_right == pytest.approx(stats.t.sf((0.01 - d.mean()) / scale, 49))
    test = corrected_ttest(d, n_train, n_test)
    assert test.se == pytest.approx(scale) and test.p == pytest.approx(2 * stats.t.sf(abs(d.mean() / scale), 49))
    # without a ROPE, P(a better) is one minus the corrected test's one-sided p-value: the same evidence
    assert bayesian_correlated_ttest(d, n_train, n_test).p_right == pytest.approx(1 - test.p_greater)
    # the plain test is scipy's paired t-test
    assert paired_ttest(d).p == pytest.approx(stats.ttest_1samp(d, 0.0).pvalue)


def test_equal_differences_give_a_point_mass() -> None:
    post = bayesian_correlated_ttest([0.2] * 10, 80, 20, rope=0.01)
    assert (post.p_left, post.p_rope, post.p_right) == (0.0, 0.0, 1.0)
    assert corrected_ttest([0.0] * 10, 80, 20).p == 1.0


@pytest.mark.parametrize(("diffs", "kwargs", "message"), [
    ([0.1], {}, "at least 2 differences"),
    ([0.1, float("nan")], {}, "NaN or inf"),
    ([0.1, 0.2], {"rope": -0.1}, "rope must be"),
    ([0.1, 0.2], {"rope": float("inf")}, "rope must be"),
])
def test_bad_inputs_are_one_line(diffs: list[float], kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        bayesian_correlated_ttest(diffs, 80, 20, **kwargs)


def test_sizes_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="n_train and n_test must be > 0"):
        corrected_ttest([0.1, 0.2], 0, 20)
