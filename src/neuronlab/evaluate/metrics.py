"""How well a model did: the practicals' confusion matrix, accuracy, precision, recall, F1, R², MSE, MAE.

The numbers are scikit-learn's definitions (``sklearn.metrics``; the tests compare with it to 1e-12), but
computed here in NumPy from ONE confusion matrix per call: scikit-learn re-validates its inputs in each of
its five metric functions, about 5 ms for 100 labels, which dominated a sweep of small nets.  Results are
plain JSON-ready dicts (Python floats and lists), so the store, the CLI and the web app print the same values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from neuronlab.errors import ConfigError, DataError, valid_names
from neuronlab.tasks.base import Task

SPLITS = ("train", "val", "test", "dev")


def _is_text(a: np.ndarray) -> bool:
    return a.dtype.kind in "USO"


def _check_labels(name: str, y: np.ndarray) -> None:
    """Reject what scikit-learn rejects as a class label: NaN, infinity, fractions (a regression target)."""
    if y.dtype.kind == "f" and not np.all(np.isfinite(y) & (y == np.round(y))):
        raise DataError(f"{name} holds non-integer or non-finite values, not class labels; "
                        "pass predicted classes (not scores) or score it as a regression")


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den`` is 0 (scikit-learn's ``zero_division=0``)."""
    return np.divide(num, den, out=np.zeros(den.shape), where=den != 0)


def classification_report(y_true: Any, y_pred: Any, labels: Any = None) -> dict[str, Any]:
    """Confusion matrix, accuracy, precision, recall and F1.

    With two labels precision/recall/F1 are those of the positive class, the last label (the larger one,
    1 in a 0/1 task, unless ``labels`` orders them otherwise), as in the practical's TP/(TP+FP); with more
    they are macro averages over ``labels``, so a rare class counts as much as a common one.  The confusion
    matrix is scikit-learn's: rows are the true class, columns the predicted one (the slides draw it
    transposed); samples whose true or predicted label is not in ``labels`` are left out of it, but still
    count in accuracy and in the other classes' precision and recall.  Undefined ratios are 0.
    """
    return classification_reports([(y_true, y_pred)], labels)[0]


def classification_reports(pairs: Sequence[tuple[Any, Any]], labels: Any = None) -> list[dict[str, Any]]:
    """``classification_report`` of each (y_true, y_pred) pair — a run's splits — in one go when ``labels``
    are given: one ``np.unique`` over every pair and one ``bincount`` for all the confusion matrices (a sweep
    scores three splits of thousands of runs).  The same numbers as one pair at a time: a label that only
    another pair holds adds an empty row and column, which nothing reads.  Without ``labels`` each pair's
    own labels are its classes, so the pairs are scored one by one."""
    if labels is None and len(pairs) > 1:
        return [classification_reports([pair])[0] for pair in pairs]
    trues: list[np.ndarray] = []
    preds: list[np.ndarray] = []
    for y_true, y_pred in pairs:
        y_true, y_pred = _checked_pair(np.asarray(y_true), np.asarray(y_pred))
        if trues and _is_text(y_true) != _is_text(trues[0]):
            raise DataError("the pairs mix text and numeric labels; score each kind on its own")
        trues.append(y_true)
        preds.append(y_pred)
    given = labels is not None
    if given:
        labels = np.asarray(labels)
        if labels.ndim != 1 or labels.size == 0:
            raise DataError(f"labels must be a non-empty 1-d list, got shape {labels.shape}")
        if _is_text(labels) != _is_text(trues[0]):
            raise DataError(f"labels ({labels.dtype}) and y ({trues[0].dtype}) mix text and numbers; "
                            "pass labels of the same kind as y")
    # one code per distinct label of every y_true, y_pred and labels: codes[:n] true, [n:2n] predicted, [2n:] labels
    everything, codes = np.unique(np.concatenate([*trues, *preds, *([labels] if given else [])]), return_inverse=True)
    m, sizes = everything.size, [y.size for y in trues]
    n_all = sum(sizes)
    pair = np.repeat(np.arange(len(sizes)), sizes)  # (n_all,) which pair each sample belongs to
    # (pairs, true, predicted): every pair's confusion matrix over all m labels
    cms = np.bincount(m * m * pair + m * codes[:n_all] + codes[n_all:2 * n_all],
                      minlength=len(sizes) * m * m).reshape(len(sizes), m, m)
    if given:
        at = codes[2 * n_all:]  # where each of ``labels`` sits among all m labels
        if np.unique(at).size != at.size:
            raise DataError(f"labels {labels.tolist()} repeat a label; pass each class once")
    else:
        labels, at = everything, np.arange(m)
    return _reports(cms, sizes, labels, at, everything, given)


def _checked_pair(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise DataError(
            f"y_true and y_pred must be 1-d and equally long, got {y_true.shape} and {y_pred.shape}"
        )
    if y_true.size == 0:
        raise DataError("no samples to score; pass non-empty y_true and y_pred")
    if _is_text(y_true) != _is_text(y_pred):
        raise DataError(f"y_true and y_pred mix text and numeric labels ({y_true.dtype} and {y_pred.dtype}); "
                        "pass the same kind of labels")
    _check_labels("y_true", y_true)
    _check_labels("y_pred", y_pred)
    return y_true, y_pred


def _reports(cms: np.ndarray, sizes: list[int], labels: np.ndarray, at: np.ndarray, everything: np.ndarray,
             given: bool) -> list[dict[str, Any]]:
    """Each pair's report from its confusion matrix over all m labels, ``cms`` (pairs, m, m), all pairs at
    once; ``at``: where ``labels`` sit among the m labels."""
    truly, predicted = cms.sum(axis=2), cms.sum(axis=1)  # (pairs, m) each: TP + FN, TP + FP
    if given and not np.all(np.any(truly[:, at] > 0, axis=1)):
        raise DataError(f"none of labels {labels.tolist()} occurs in y_true; pass the task's classes")
    binary = len(labels) == 2
    if binary and given:
        # scikit-learn's binary average looks at the labels present, not at ``labels``
        present = truly + predicted > 0  # (pairs, m)
        count = present.sum(axis=1)
        misfit = np.flatnonzero((count > 2) | ((count == 2) & ~present[:, at[-1]]))
        if misfit.size:
            where = np.flatnonzero(present[misfit[0]])
            raise DataError(f"y_true and y_pred hold labels {everything[where].tolist()}, which do not "
                            f"fit the two labels {labels.tolist()}; pass every class in labels")
    # per scored class, over ALL samples (also those whose other label is outside ``labels``)
    scored = at[-1:] if binary else at
    diag = cms[:, np.arange(cms.shape[1]), np.arange(cms.shape[1])]  # (pairs, m): TP of every label
    tp, pred_sum, true_sum = diag[:, scored], predicted[:, scored], truly[:, scored]  # (pairs, k)
    precision = _ratio(tp, pred_sum)
    recall = _ratio(tp, true_sum)
    f1 = _ratio(2.0 * tp, (true_sum + pred_sum).astype(float))  # 2PR/(P+R) = 2TP/(2TP+FP+FN)
    accuracy = (diag.sum(axis=1) / np.asarray(sizes)).tolist()  # (pairs,)
    # each row's mean as of that row alone: NumPy sums a contiguous row pairwise either way, the same bits
    means = [ratio.mean(axis=1).tolist() for ratio in (precision, recall, f1)]
    matrices = cms[:, at][:, :, at].tolist()
    reports = []
    for i, n in enumerate(sizes):
        report: dict[str, Any] = {
            "n": int(n),
            "labels": labels.tolist(),
            "confusion_matrix": matrices[i],
            "accuracy": accuracy[i],
            "precision": means[0][i],
            "recall": means[1][i],
            "f1": means[2][i],
            "average": "binary" if binary else "macro",
        }
        if binary:
            report["positive_label"] = labels[-1].item()
        reports.append(report)
    return reports


def regression_report(y_true: Any, y_pred: Any) -> dict[str, Any]:
    """R² (the practicals' headline number), MSE and MAE (the two regression losses of the loss table).

    A 2-d ``y`` (several outputs) gets the uniform average over outputs.  R² of a constant ``y_true`` is
    1.0 if the predictions are perfect and 0.0 otherwise (scikit-learn's ``force_finite``), never NaN/-inf.
    """
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    if y_true.shape != y_pred.shape:
        raise DataError(f"y_true and y_pred must be equally long, got {y_true.shape} and {y_pred.shape}")
    if y_true.ndim not in (1, 2):
        raise DataError(f"y must be 1-d or 2-d (samples, outputs), got shape {y_true.shape}")
    if len(y_true) < 2:
        raise DataError(f"R² needs at least 2 samples, got {len(y_true)}; score a larger split")
    if not (np.all(np.isfinite(y_true)) and np.all(np.isfinite(y_pred))):
        raise DataError("y_true or y_pred holds NaN or infinity; check the data, or the model diverged")
    n = len(y_true)
    y_true, y_pred = y_true.reshape(n, -1), y_pred.reshape(n, -1)  # (N, outputs)
    e = y_true - y_pred
    ss_res = np.sum(e**2, axis=0)
    ss_tot = np.sum((y_true - np.mean(y_true, axis=0)) ** 2, axis=0)
    r2 = np.where(ss_res == 0, 1.0, 0.0)  # (outputs,); stays for a constant y_true: perfect or not
    # constant: every value equal (a mean of equal values can round, leaving a subnormal ss_tot to divide by)
    constant = np.ptp(y_true, axis=0) == 0
    fit = (ss_res != 0) & (ss_tot != 0) & ~constant
    with np.errstate(over="ignore"):  # a subnormal ss_tot (y_true spread ~1e-150) overflows the ratio
        r2[fit] = np.maximum(1 - ss_res[fit] / ss_tot[fit], np.finfo(float).min)  # finite: JSON and the store
    return {
        "n": n,
        "r2": float(np.mean(r2)),
        "mse": float(np.mean(np.mean(e**2, axis=0))),
        "mae": float(np.mean(np.mean(np.abs(e), axis=0))),
    }


def split_arrays(task: Task, split: str) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` of one split of ``task``: train, val, test, or dev (train + val)."""
    if split not in SPLITS:
        raise ConfigError(f"unknown split {split!r}; use one of {valid_names(SPLITS)}")
    X, y = getattr(task, f"X_{split}"), getattr(task, f"y_{split}")
    if len(y) == 0:
        raise DataError(f"task {task.name!r} has no samples in its {split!r} split; score another split")
    return X, y


def score_task(estimator: Any, task: Task, split: str = "test") -> dict[str, Any]:
    """Score a fitted ``estimator`` on one split of ``task`` with the report its kind calls for."""
    return score_splits(estimator, task, (split,))[split]


def score_splits(estimator: Any, task: Task, splits: Sequence[str] = ("train", "val", "test")) -> dict[str, Any]:
    """``score_task`` for several splits with one ``predict`` call on their rows together: input
    validation and pipeline steps run once instead of once per split (a sweep records thousands of
    runs).  The same numbers, because a fitted model predicts each row on its own."""
    X = np.concatenate([split_arrays(task, split)[0] for split in splits])
    return score_predictions(task, splits, np.asarray(estimator.predict(X)))


def score_predictions(task: Task, splits: Sequence[str], y_pred: np.ndarray) -> dict[str, Any]:
    """Each split's report from ``y_pred``, the predictions for the rows of ``splits`` one after the other
    (``score_splits``' single call, or a sweep's single forward pass)."""
    pairs, start = [], 0
    for split in splits:
        y = split_arrays(task, split)[1]
        pairs.append((y, y_pred[start:start + len(y)]))
        start += len(y)
    if task.kind == "regression":
        return {split: regression_report(y, pred) for split, (y, pred) in zip(splits, pairs, strict=True)}
    labels = np.arange(task.n_classes) if task.n_classes else None
    return dict(zip(splits, classification_reports(pairs, labels), strict=True))
