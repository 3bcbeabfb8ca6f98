"""Metrics: the practical's confusion matrix and ratios, worked out by hand on small examples."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from neuronlab.errors import ConfigError, DataError
from neuronlab.evaluate import classification_report, regression_report, score_task
from neuronlab.tasks.base import split_task


def test_binary_report_matches_hand_counts() -> None:
    y_true = [1, 1, 1, 0, 0, 0, 0, 1]
    y_pred = [1, 0, 1, 0, 1, 1, 0, 1]
    # TP = 3 (idx 0, 2, 7), FN = 1 (idx 1), FP = 2 (idx 4, 5), TN = 2 (idx 3, 6)
    r = classification_report(y_true, y_pred)
    assert r["confusion_matrix"] == [[2, 2], [1, 3]]  # rows: true 0, 1; columns: predicted 0, 1
    assert r["accuracy"] == pytest.approx((3 + 2) / 8)  # (TP + TN) / total
    assert r["precision"] == pytest.approx(3 / (3 + 2))  # TP / (TP + FP)
    assert r["recall"] == pytest.approx(3 / (3 + 1))  # TP / (TP + FN)
    assert r["f1"] == pytest.approx(2 * 0.6 * 0.75 / (0.6 + 0.75))
    assert (r["average"], r["positive_label"], r["n"]) == ("binary", 1, 8)
    json.dumps(r)  # plain Python types: the store and the web app serialise it as is


def test_multiclass_report_uses_macro_averages() -> None:
    y_true = [0, 0, 1, 1, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 0]
    r = classification_report(y_true, y_pred)
    precision = [1 / 2, 2 / 3, 1 / 1]  # per class: correct / predicted as that class
    recall = [1 / 2, 2 / 2, 1 / 2]  # per class: correct / truly that class
    f1 = [2 * p * q / (p + q) for p, q in zip(precision, recall, strict=True)]
    assert r["average"] == "macro"
    assert r["precision"] == pytest.approx(np.mean(precision))
    assert r["recall"] == pytest.approx(np.mean(recall))
    assert r["f1"] == pytest.approx(np.mean(f1))
    assert r["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert "positive_label" not in r


def test_labels_fix_the_matrix_even_for_absent_classes() -> None:
    r = classification_report([0, 0, 1], [0, 1, 1], labels=[0, 1, 2])
    assert r["confusion_matrix"] == [[1, 1, 0], [0, 1, 0], [0, 0, 0]]
    assert r["labels"] == [0, 1, 2]
    assert r["average"] == "macro"


def test_no_predicted_positives_gives_zero_precision_not_a_warning() -> None:
    r = classification_report([0, 1, 1], [0, 0, 0])
    assert r["precision"] == 0.0 and r["recall"] == 0.0


def test_regression_report_matches_hand_values() -> None:
    r = regression_report([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 5.0])
    assert r["mse"] == pytest.approx(1 / 4)
    assert r["mae"] == pytest.approx(1 / 4)
    assert r["r2"] == pytest.approx(1 - 1 / 5)  # SS_res = 1, SS_tot = 5
    assert r["n"] == 4


def test_reports_reject_bad_input() -> None:
    with pytest.raises(DataError, match="equally long"):
        classification_report([0, 1], [0])
    with pytest.raises(DataError, match="no samples"):
        classification_report([], [])
    with pytest.raises(DataError, match="at least 2 samples"):
        regression_report([1.0], [1.0])


def test_score_task_picks_the_report_by_kind() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    reg = split_task("lin", "regression", X, X @ [1.0, -2.0] + rng.normal(0, 0.1, 100), seed=0,
                     feature_names=("x1", "x2"))
    model = LinearRegression().fit(reg.X_train, reg.y_train)
    r = score_task(model, reg, split="val")
    assert r == regression_report(reg.y_val, model.predict(reg.X_val))
    assert r["r2"] > 0.95
    assert score_task(model, reg)["n"] == len(reg.y_test)

    clf_task = split_task("lin3", "multiclass", X, np.digitize(X[:, 0], [-0.5, 0.5]), seed=0,
                          feature_names=("x1", "x2"))
    clf = LogisticRegression().fit(clf_task.X_train, clf_task.y_train)
    c = score_task(clf, clf_task, split="dev")
    assert len(c["confusion_matrix"]) == 3
    assert c["accuracy"] == pytest.approx(clf.score(clf_task.X_dev, clf_task.y_dev))


def test_score_task_rejects_unknown_or_empty_splits() -> None:
    X = np.arange(20.0)[:, None]
    task = split_task("t", "regression", X, X[:, 0], seed=0, test_fraction=0.0, feature_names=("x",))
    model = LinearRegression().fit(task.X_train, task.y_train)
    with pytest.raises(ConfigError, match=r"unknown split 'holdout'.*'test'"):
        score_task(model, task, split="holdout")
    with pytest.raises(DataError, match="no samples in its 'test' split"):
        score_task(model, task)
