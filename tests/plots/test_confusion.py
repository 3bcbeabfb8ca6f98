"""The confusion matrix's counts and the slide's Precision = TP/(TP+FP), Accuracy = (TP+TN)/Total."""

from __future__ import annotations

import numpy as np
import pytest

from neuronlab.errors import DataError
from neuronlab.plots.confusion import confusion_data, plot_confusion_matrix


def test_binary_counts_and_ratios_follow_the_slide() -> None:
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 2, 50)
    y_pred = np.where(rng.random(50) < 0.8, y_true, 1 - y_true)  # about 80 % right
    d = confusion_data(y_true, y_pred, class_names=("neg", "pos"))
    tp = int(np.sum((y_true == 1) & (y_pred == 1)))
    tn = int(np.sum((y_true == 0) & (y_pred == 0)))
    fp = int(np.sum((y_true == 0) & (y_pred == 1)))
    fn = int(np.sum((y_true == 1) & (y_pred == 0)))
    np.testing.assert_array_equal(d.matrix, [[tn, fp], [fn, tp]])  # rows true, columns predicted
    assert d.precision == pytest.approx(tp / (tp + fp))
    assert d.accuracy == pytest.approx((tp + tn) / 50)
    assert d.class_names == ["neg", "pos"]

    fig = plot_confusion_matrix(y_true, y_pred, class_names=("neg", "pos"))
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {f"TP\n{tp}", f"TN\n{tn}", f"FP\n{fp}", f"FN\n{fn}"} <= texts
    title = fig.axes[0].get_title()
    assert f"{tp / (tp + fp):.3f}" in title and f"{(tp + tn) / 50:.3f}" in title


def test_multiclass_matrix_sums_to_n_and_its_trace_is_the_accuracy() -> None:
    rng = np.random.default_rng(1)
    y_true = rng.integers(0, 3, 40)
    y_pred = np.where(rng.random(40) < 0.6, y_true, rng.integers(0, 3, 40))
    d = confusion_data(y_true, y_pred)
    assert d.matrix.shape == (3, 3) and d.matrix.sum() == 40
    assert d.accuracy == pytest.approx(np.trace(d.matrix) / 40)
    assert d.average == "macro"
    fig = plot_confusion_matrix(y_true, y_pred)
    assert "TP" not in "".join(t.get_text() for t in fig.axes[0].texts)  # no TP/FP names with 3 classes


def test_mismatched_lengths_are_a_data_error() -> None:
    with pytest.raises(DataError, match="equally long"):
        confusion_data([0, 1, 1], [0, 1])
