"""Honest validation: in-fold scaling, group-disjoint folds, and the leakage warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression, SGDRegressor
from sklearn.model_selection import KFold, cross_validate
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuronlab.errors import ConfigError, DataError
from neuronlab.evaluate import LeakageWarning, cross_validate_task, honest_pipeline, leakage_report
from neuronlab.nn.baselines import HandFeature
from neuronlab.tasks.base import Task, split_task


def grouped_task(*, memorisable: bool, n_groups: int = 40, per_group: int = 5, seed: int = 0) -> Task:
    """Samples in groups.  With ``memorisable`` each group has its own target offset and its own
    feature signature, so a 1-NN model can look the offset up from a same-group neighbour; without,
    groups are arbitrary labels on one smooth linear law."""
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(n_groups), per_group)
    n = len(groups)
    if memorisable:
        signature = rng.normal(size=(n_groups, 2))[groups] + rng.normal(0, 0.05, size=(n, 2))
        y = rng.normal(0, 1.0, size=n_groups)[groups] + rng.normal(0, 0.1, size=n)
        X = signature
    else:
        X = rng.normal(size=(n, 2))
        y = X @ [1.0, 0.5] + rng.normal(0, 0.5, size=n)
    return split_task("grouped", "regression", X, y, seed=seed, groups=groups, val_fraction=0.2,
                      test_fraction=0.2, feature_names=("s1", "s2"))


def test_honest_pipeline_fits_the_scaler_on_the_training_fold_only() -> None:
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (30, 2)), rng.normal(10, 1, (10, 2))])  # last fold is shifted
    y = X.sum(axis=1)
    out = cross_validate(honest_pipeline(LinearRegression()), X, y, cv=KFold(4), return_estimator=True,
                         return_indices=True)
    for est, train in zip(out["estimator"], out["indices"]["train"], strict=True):
        scaler = est.named_steps["standardscaler"]
        np.testing.assert_allclose(scaler.mean_, X[train].mean(axis=0))
        assert not np.allclose(scaler.mean_, X.mean(axis=0))


def test_honest_pipeline_keeps_feature_maps_on_raw_values() -> None:
    d = np.linspace(1.0, 100.0, 30)[:, None]  # standardized, half of these would be negative
    pipe = honest_pipeline(make_pipeline(HandFeature("inv_sqrt"), LinearRegression()))
    assert [name for name, _ in pipe.steps] == ["handfeature", "standardscaler", "linearregression"]
    pipe.fit(d, 5.0 + 3.0 / np.sqrt(d[:, 0]))
    assert pipe.score(d, 5.0 + 3.0 / np.sqrt(d[:, 0])) == pytest.approx(1.0)
    scaled = make_pipeline(StandardScaler(), LinearRegression())
    assert honest_pipeline(scaled) is scaled  # already scaled: not scaled twice


def test_group_folds_never_share_groups_and_cover_the_dev_set() -> None:
    task = grouped_task(memorisable=True)
    res = cross_validate_task(LinearRegression(), task, cv="group", n_splits=4)
    groups = task.groups_dev
    assert groups is not None
    assert res.splitter == "GroupKFold" and res.scoring == "r2" and len(res.scores) == 4
    for train, test in res.folds:
        assert set(groups[train]).isdisjoint(groups[test])
    tested = np.sort(np.concatenate([test for _, test in res.folds]))
    np.testing.assert_array_equal(tested, np.arange(len(task.y_dev)))
    assert res.mean == pytest.approx(np.mean(res.scores))


def test_out_of_fold_predictions_come_from_the_model_that_did_not_see_them() -> None:
    task = grouped_task(memorisable=False)
    res = cross_validate_task(LinearRegression(), task, cv="group", n_splits=4)
    assert res.predictions is not None and res.predictions.shape == task.y_dev.shape
    X, y = task.X_dev, task.y_dev
    for train, test in res.folds:
        expected = LinearRegression().fit(X[train], y[train]).predict(X[test])
        np.testing.assert_allclose(res.predictions[test], expected)
    # In-sample predictions would fit better than out-of-fold ones.
    in_sample = LinearRegression().fit(X, y).predict(X)
    assert np.mean((in_sample - y) ** 2) < np.mean((res.predictions - y) ** 2)


def test_kfold_mixes_groups_across_folds() -> None:
    task = grouped_task(memorisable=True)
    res = cross_validate_task(LinearRegression(), task, cv="kfold", n_splits=4)
    groups = task.groups_dev
    assert groups is not None
    assert res.splitter == "KFold"
    assert any(set(groups[train]) & set(groups[test]) for train, test in res.folds)


def test_fold_scores_are_deterministic_in_the_seed() -> None:
    task = grouped_task(memorisable=False)
    sgd = honest_pipeline(SGDRegressor(max_iter=20, tol=None))  # random_state unset: the seed fills it
    a = cross_validate_task(sgd, task, cv="kfold", n_splits=3, seed=1)
    b = cross_validate_task(sgd, task, cv="kfold", n_splits=3, seed=1)
    c = cross_validate_task(sgd, task, cv="kfold", n_splits=3, seed=2)
    np.testing.assert_array_equal(a.scores, b.scores)
    assert not np.array_equal(a.scores, c.scores)
    assert sgd.get_params()["sgdregressor__random_state"] is None  # the caller's estimator is untouched


def test_classification_scores_accuracy_by_default() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    task = split_task("lin", "binary", X, (X[:, 0] > 0).astype(int), seed=0, feature_names=("x1", "x2"))
    res = cross_validate_task(LogisticRegression(), task, cv="kfold", n_splits=3)
    assert res.scoring == "accuracy"
    assert np.all((res.scores >= 0.8) & (res.scores <= 1.0))
    assert cross_validate_task(LogisticRegression(), task, cv="kfold", scoring="f1").scoring == "f1"


def test_validation_errors_say_what_to_do() -> None:
    rng = np.random.default_rng(0)
    ungrouped = split_task("plain", "regression", rng.normal(size=(20, 1)), rng.normal(size=20), seed=0,
                           feature_names=("x",))
    with pytest.raises(DataError, match="task 'plain' has no groups; use cv='kfold'"):
        cross_validate_task(LinearRegression(), ungrouped, cv="group")
    with pytest.raises(DataError, match=r"has 16 samples in its dev set.*lower n_splits to at most 16"):
        cross_validate_task(LinearRegression(), ungrouped, cv="kfold", n_splits=17)
    few = grouped_task(memorisable=True, n_groups=6)
    n_dev_groups = len(np.unique(few.groups_dev))  # type: ignore[arg-type]
    with pytest.raises(DataError, match=f"has {n_dev_groups} groups.*at most {n_dev_groups}"):
        cross_validate_task(LinearRegression(), few, cv="group", n_splits=n_dev_groups + 1)
    with pytest.raises(ConfigError, match="unknown cv 'loo'"):
        cross_validate_task(LinearRegression(), few, cv="loo")
    with pytest.raises(ConfigError, match="n_splits"):
        cross_validate_task(LinearRegression(), few, cv="kfold", n_splits=1)
    with pytest.raises(DataError, match="no groups"):
        leakage_report(LinearRegression(), ungrouped)


def test_leakage_warning_fires_when_a_model_memorises_groups() -> None:
    task = grouped_task(memorisable=True)
    with pytest.warns(LeakageWarning, match="GroupKFold"):
        report = leakage_report(KNeighborsRegressor(n_neighbors=1), task, n_splits=4)
    assert report.kfold.mean > 0.6  # a same-group neighbour gives the offset away
    assert report.group.mean < 0.0  # on new groups the offset is unknowable: worse than the mean
    assert report.gap > report.spread
    assert report.warning is not None and "grouped" in report.warning
    assert report.to_dict()["gap"] == pytest.approx(report.gap)


def test_no_leakage_warning_without_group_structure() -> None:
    task = grouped_task(memorisable=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LeakageWarning)
        report = leakage_report(LinearRegression(), task, n_splits=4)
    assert report.warning is None
    assert abs(report.gap) <= report.spread
    assert report.group.mean > 0.6
