"""Metrics: the practical's confusion matrix and ratios, worked out by hand on small examples, and checked
against scikit-learn (the definitions we compute in NumPy) on random labels and targets."""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics
from sklearn.linear_model import LinearRegression, LogisticRegression

from neuronlab.errors import ConfigError, DataError
from neuronlab.evaluate import classification_report, regression_report, score_task
from neuronlab.evaluate.metrics import classification_reports, score_splits
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


def test_string_labels_and_labels_order() -> None:
    r = classification_report(["cat", "dog", "dog", "cat"], ["cat", "dog", "cat", "cat"])
    assert r["labels"] == ["cat", "dog"] and r["positive_label"] == "dog"
    assert r["confusion_matrix"] == [[2, 0], [1, 1]]
    assert (r["precision"], r["recall"]) == (1.0, 0.5)
    # the positive class is the LAST of the given labels, and the matrix follows their order
    r = classification_report([0, 1, 1, 0], [0, 1, 0, 0], labels=[1, 0])
    assert r["positive_label"] == 0 and r["confusion_matrix"] == [[1, 1], [0, 2]]
    assert r["precision"] == pytest.approx(2 / 3) and r["recall"] == 1.0


def test_labels_outside_labels_leave_the_matrix_but_count_elsewhere() -> None:
    # true 0 predicted 3: not in the matrix, yet a miss for class 0 and a wrong answer for accuracy
    r = classification_report([0, 0, 1, 2], [0, 3, 1, 2], labels=[0, 1, 2])
    assert r["confusion_matrix"] == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    assert r["accuracy"] == 3 / 4
    assert r["recall"] == pytest.approx((1 / 2 + 1 + 1) / 3)


@pytest.mark.parametrize(("y_true", "y_pred", "labels", "match"), [
    (["a", "b"], [0, 1], None, "mix text and numeric"),
    ([0, 1], [0.5, 1.0], None, "non-integer"),
    ([0.0, np.nan], [0, 1], None, "non-finite"),
    ([0, 1], [0, 1], ["a", "b"], "mix text and numbers"),
    ([0, 1], [0, 1], [], "non-empty"),
    ([0, 1], [0, 1], [0, 1, 1], "repeat"),
    ([0, 1], [0, 1], [5, 6, 7], "none of labels"),
    ([0, 1, 2], [0, 1, 2], [0, 1], "do not fit the two labels"),
    ([0, 2], [0, 2], [0, 1], "do not fit the two labels"),
])
def test_classification_report_rejects_what_scikit_learn_rejects(
    y_true: list[Any], y_pred: list[Any], labels: list[Any] | None, match: str
) -> None:
    with pytest.raises(DataError, match=match):
        classification_report(y_true, y_pred, labels=labels)


def test_regression_report_rejects_non_finite_and_3d() -> None:
    with pytest.raises(DataError, match="NaN or infinity"):
        regression_report([1.0, 2.0], [1.0, np.inf])
    with pytest.raises(DataError, match="1-d or 2-d"):
        regression_report(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
    with pytest.raises(DataError, match="at least 2 samples"):
        regression_report([[1.0, 2.0]], [[1.0, 2.0]])  # two values, but one sample


# --- scikit-learn as the oracle -------------------------------------------------------------------------

def sklearn_classification_report(y_true: Any, y_pred: Any, labels: Any = None) -> dict[str, Any]:
    """The report as scikit-learn's five metric functions give it (the implementation we replaced)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    labels = np.unique(np.concatenate([y_true, y_pred])) if labels is None else np.asarray(labels)
    binary = len(labels) == 2
    prf: dict[str, Any] = {"labels": labels, "average": "binary" if binary else "macro", "zero_division": 0}
    if binary:
        prf["pos_label"] = labels[-1].item()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # zero_division=0 must not warn, so any warning is a surprise
        warnings.filterwarnings("ignore", "A single label was found")  # a 1x1 matrix is what we asked for
        report = {
            "n": int(y_true.size),
            "labels": labels.tolist(),
            "confusion_matrix": metrics.confusion_matrix(y_true, y_pred, labels=labels).tolist(),
            "accuracy": float(metrics.accuracy_score(y_true, y_pred)),
            "precision": float(metrics.precision_score(y_true, y_pred, **prf)),
            "recall": float(metrics.recall_score(y_true, y_pred, **prf)),
            "f1": float(metrics.f1_score(y_true, y_pred, **prf)),
            "average": prf["average"],
        }
    if binary:
        report["positive_label"] = prf["pos_label"]
    return report


def assert_same_report(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    assert ours.keys() == theirs.keys()
    for key, value in theirs.items():
        if isinstance(value, float):
            assert ours[key] == pytest.approx(value, rel=1e-12, abs=1e-12), key
        else:
            assert ours[key] == value, key
    json.dumps(ours)


WORDS = ("ant", "bee", "cat", "dog", "eel", "fox", "gnu")


@st.composite
def label_problems(draw: st.DrawFn, explicit: bool) -> tuple[list[Any], list[Any], list[Any] | None]:
    """y_true, y_pred over 2-5 classes (ints or words), each possibly missing some, and maybe ``labels``.

    ``explicit=False``: labels is None or the task's classes in order (never an error);
    ``explicit=True``: any distinct labels, in any order, also ones that never occur or miss some that do.
    """
    k = draw(st.integers(2, 5))
    words = draw(st.booleans())
    start = draw(st.integers(-3, 3))
    classes: list[Any] = list(WORDS[:k]) if words else list(range(start, start + k))
    n = draw(st.integers(1, 200))
    true_from = draw(st.lists(st.sampled_from(classes), min_size=1, max_size=k, unique=True))
    pred_from = draw(st.lists(st.sampled_from(classes), min_size=1, max_size=k, unique=True))
    y_true = draw(st.lists(st.sampled_from(true_from), min_size=n, max_size=n))
    y_pred = draw(st.lists(st.sampled_from(pred_from), min_size=n, max_size=n))
    if not explicit:
        return y_true, y_pred, draw(st.sampled_from([None, classes]))
    extra: list[Any] = list(WORDS[k:]) if words else [start + k, start + k + 10]
    labels = draw(st.lists(st.sampled_from(classes + extra), min_size=1, max_size=len(classes) + 2, unique=True))
    return y_true, y_pred, labels


@settings(max_examples=250, deadline=None, derandomize=True, database=None)
@given(label_problems(explicit=False))
def test_classification_report_equals_scikit_learn(problem: tuple[list[Any], list[Any], Any]) -> None:
    y_true, y_pred, labels = problem
    assert_same_report(classification_report(y_true, y_pred, labels=labels),
                       sklearn_classification_report(y_true, y_pred, labels=labels))


@settings(max_examples=250, deadline=None, derandomize=True, database=None)
@given(label_problems(explicit=True))
def test_explicit_labels_equal_scikit_learn_or_fail_where_it_fails(
    problem: tuple[list[Any], list[Any], Any],
) -> None:
    y_true, y_pred, labels = problem
    try:
        theirs = sklearn_classification_report(y_true, y_pred, labels=labels)
    except ValueError:
        with pytest.raises(DataError):
            classification_report(y_true, y_pred, labels=labels)
        return
    assert_same_report(classification_report(y_true, y_pred, labels=labels), theirs)


@st.composite
def label_pair_groups(draw: st.DrawFn) -> tuple[list[tuple[list[Any], list[Any]]], list[Any] | None]:
    """Two to four (y_true, y_pred) pairs over the same classes — a run's splits — and one ``labels``."""
    first = draw(label_problems(explicit=True))
    classes = sorted({*first[0], *first[1]}, key=str)
    pairs = [(first[0], first[1])]
    for _ in range(draw(st.integers(1, 3))):
        n = draw(st.integers(1, 60))
        pairs.append((draw(st.lists(st.sampled_from(classes), min_size=n, max_size=n)),
                      draw(st.lists(st.sampled_from(classes), min_size=n, max_size=n))))
    return pairs, draw(st.sampled_from([None, first[2], sorted(classes, key=str)]))


@settings(max_examples=250, deadline=None, derandomize=True, database=None)
@given(label_pair_groups())
def test_reports_of_several_pairs_at_once_equal_one_pair_at_a_time(
    problem: tuple[list[tuple[list[Any], list[Any]]], list[Any] | None],
) -> None:
    """One unique and one bincount for all the pairs: the same bits as each pair alone, the same refusals."""
    pairs, labels = problem
    alone: list[dict[str, Any]] = []
    for y_true, y_pred in pairs:
        try:
            alone.append(classification_report(y_true, y_pred, labels=labels))
        except DataError:
            with pytest.raises(DataError):
                classification_reports(pairs, labels)
            return
    together = classification_reports(pairs, labels)
    assert json.dumps(together) == json.dumps(alone)


def test_a_label_only_one_pair_holds_stays_out_of_the_others_reports() -> None:
    """Without ``labels`` each pair's classes are its own; with them, a class absent from a pair is a zero
    row and column there, exactly as for that pair alone."""
    pairs = [([0, 1, 2, 2], [0, 1, 2, 1]), ([0, 1, 1], [1, 1, 0])]
    free = classification_reports(pairs)
    assert [r["labels"] for r in free] == [[0, 1, 2], [0, 1]] and free[1]["average"] == "binary"
    fixed = classification_reports(pairs, labels=[0, 1, 2])
    assert fixed[1]["confusion_matrix"] == [[0, 1, 0], [1, 1, 0], [0, 0, 0]]
    assert fixed == [classification_report(t, p, labels=[0, 1, 2]) for t, p in pairs]


@st.composite
def regression_problems(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """1-d or 2-d targets and predictions; some y_true constant, some predictions perfect."""
    n = draw(st.integers(2, 60))
    shape: tuple[int, ...] = (n,) if draw(st.booleans()) else (n, draw(st.integers(1, 3)))
    size = int(np.prod(shape))
    values = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
    y_true = np.array(draw(st.lists(values, min_size=size, max_size=size))).reshape(shape)
    if draw(st.booleans()):  # constant y_true (per output): R² is 1 or 0, not NaN / -inf
        y_true = np.broadcast_to(y_true[:1], shape).copy()
    y_pred = np.array(draw(st.lists(values, min_size=size, max_size=size))).reshape(shape)
    perfect = draw(st.sampled_from(["no", "all", "first column"]))
    if perfect == "all":
        y_pred = y_true.copy()
    elif perfect == "first column" and y_true.ndim == 2:
        y_pred[:, 0] = y_true[:, 0]
    return y_true, y_pred


@settings(max_examples=250, deadline=None, derandomize=True, database=None)
@given(regression_problems())
def test_regression_report_equals_scikit_learn(problem: tuple[np.ndarray, np.ndarray]) -> None:
    y_true, y_pred = problem
    r = regression_report(y_true, y_pred)
    # scikit-learn's R² per output, except where y_true is constant: there its mean can round and leave a
    # subnormal total sum of squares (R² → −inf); ours is 1 when perfect, else 0, as for any constant
    with np.errstate(over="ignore"):  # scikit-learn's −inf where the ratio overflows is our most negative float
        raw = np.maximum(np.atleast_1d(metrics.r2_score(y_true, y_pred, multioutput="raw_values")),
                         np.finfo(float).min)
    constant = np.atleast_1d(np.ptp(y_true.reshape(len(y_true), -1), axis=0) == 0)
    perfect = np.atleast_1d(np.all(y_true.reshape(len(y_true), -1) == y_pred.reshape(len(y_true), -1), axis=0))
    expected = float(np.mean(np.where(constant, perfect.astype(float), raw)))
    assert r["r2"] == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert r["mse"] == pytest.approx(metrics.mean_squared_error(y_true, y_pred), rel=1e-12, abs=1e-12)
    assert r["mae"] == pytest.approx(metrics.mean_absolute_error(y_true, y_pred), rel=1e-12, abs=1e-12)
    assert r["n"] == len(y_true)
    json.dumps(r)


@pytest.mark.parametrize(("task_name", "kind"), [("moons", "mlp"), ("iris", "linear"), ("sin", "mlp"), ("sin", "gp")])
def test_score_splits_gives_score_task_for_every_split(task_name: str, kind: str) -> None:
    """One predict call over the splits' rows together scores each split exactly as on its own."""
    from neuronlab.experiments.fit import build_model
    from neuronlab.tasks import load_task

    task = load_task(task_name, seed=0)
    model = build_model(kind, task, scale=True, seed=0, **({"hidden": (8,), "max_epochs": 30} if kind == "mlp" else {}))
    model.fit(task.X_train, task.y_train)
    together = score_splits(model, task, ("train", "val", "test"))
    for split in ("train", "val", "test"):
        assert together[split] == score_task(model, task, split=split)
