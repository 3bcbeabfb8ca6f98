"""The held-out test split's verdict, with the uncertainty a handful of test specimens leaves.

The task's test split is 5 specimens: its crops are not 75 independent samples, and one lucky or
unlucky specimen can rank the models either way.  So every model is refitted on the dev set, scored
once on the test split, and the difference ``a − b`` gets a 95 % interval by bootstrap over the test
*specimens* (resampled whole, with replacement).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from neuronlab.studies.compare_models import build_estimator, parse_model

BOOTSTRAP = 2000


@dataclass(frozen=True)
class SplitVerdict:
    """Test R² per model, and ``a − b`` on the test split with its specimen-bootstrap 95 % interval."""

    r2: dict[str, float]
    a: str
    b: str
    diff: float
    low: float
    high: float
    n_rows: int
    n_specimens: int
    cv_diff: float | None = None  # the cross-validated mean difference, to say whether the split agrees

    def sentence(self) -> str:
        head = (f"test split ({self.n_rows} crops of {self.n_specimens} specimens): {self.a} − {self.b} = "
                f"{self.diff:+.3f} R² [95 % {self.low:+.3f}, {self.high:+.3f}, bootstrap over test specimens]")
        if self.low <= 0.0 <= self.high:
            verdict = "too few test specimens to rank the two"
        else:
            verdict = f"{self.a if self.diff > 0 else self.b} is ahead on this split"
        if self.cv_diff is not None and np.sign(self.cv_diff) != np.sign(self.diff):
            verdict += f"; the opposite sign of the cross-validated mean ({self.cv_diff:+.3f}): trust the folds"
        return f"{head} → {verdict}"

    def to_dict(self) -> dict[str, Any]:
        return {"r2": self.r2, "a": self.a, "b": self.b, "diff": self.diff, "interval_95": [self.low, self.high],
                "n_rows": self.n_rows, "n_specimens": self.n_specimens, "cv_diff": self.cv_diff,
                "sentence": self.sentence()}


def r2(y: np.ndarray, pred: np.ndarray) -> float:
    """scikit-learn's R² of one test set (its own variance as denominator)."""
    return 1.0 - float(np.sum((y - pred) ** 2)) / float(np.sum((y - y.mean()) ** 2))


def split_verdict(X_dev: np.ndarray, y_dev: np.ndarray, X_test: np.ndarray, y_test: np.ndarray,
                  groups_test: np.ndarray, models: Sequence[str], pair: tuple[str, str], *, columns: Sequence[str],
                  seed: int = 0, cv_diff: float | None = None) -> SplitVerdict:
    """Fit ``models`` on dev, score them on test, bootstrap ``pair[0] − pair[1]`` over the test groups."""
    predictions = {}
    for text in models:
        spec = parse_model(text, columns)
        model = build_estimator(spec, "regression", columns, seed=seed).fit(X_dev, y_dev)
        predictions[spec.label] = np.asarray(model.predict(X_test), dtype=float)
    a, b = pair
    names = np.unique(groups_test)
    rows = [np.flatnonzero(groups_test == g) for g in names]
    # Each resample's difference of mean squared errors over the whole split's variance: the split's own
    # R² difference exactly when nothing is resampled, and no resample of one specimen drawn five times
    # (a variance near zero) can swing it to ±100.
    sq_a, sq_b = (y_test - predictions[a]) ** 2, (y_test - predictions[b]) ** 2
    var_y = float(np.var(y_test))
    rng = np.random.default_rng(seed)
    diffs = []
    for pick in rng.integers(0, len(names), size=(BOOTSTRAP, len(names))):  # (B, specimens)
        idx = np.concatenate([rows[i] for i in pick])
        diffs.append(float(np.mean(sq_b[idx]) - np.mean(sq_a[idx])) / var_y)
    low, high = np.quantile(diffs, [0.025, 0.975])
    scores = {name: r2(y_test, pred) for name, pred in predictions.items()}
    return SplitVerdict(scores, a, b, scores[a] - scores[b], float(low), float(high), len(y_test), len(names),
                        cv_diff)
