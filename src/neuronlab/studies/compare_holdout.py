"""A held-out test split's verdict for a comparison study, with the uncertainty its size leaves.

When the user holds a test split out (``--test-fraction``), every model is refitted on the development
rows, scored once on the test rows, and each pair's difference ``a − b`` gets a 95 % interval by
bootstrap over the test *groups* (resampled whole) — or over rows without groups.  A handful of test
specimens can rank two models either way, so the verdict says when the interval holds zero and when
the split disagrees with the cross-validated mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from neuronlab.studies.compare_models import build_estimator, parse_model

BOOTSTRAP = 2000


@dataclass(frozen=True)
class HoldoutVerdict:
    """``a − b`` on the held-out split (R² or accuracy) with its bootstrap 95 % interval."""

    a: str
    b: str
    metric: str
    diff: float
    low: float
    high: float
    n_rows: int
    n_units: int  # test groups (or rows without groups): what the bootstrap resamples
    unit: str  # "groups" or "rows"
    cv_diff: float

    def sentence(self) -> str:
        head = (f"held-out test split ({self.n_rows} rows, {self.n_units} {self.unit}): {self.a} − {self.b} = "
                f"{self.diff:+.3f} {self.metric} [95 % {self.low:+.3f}, {self.high:+.3f}, bootstrap over test "
                f"{self.unit}]")
        if self.low <= 0.0 <= self.high:
            verdict = "too small to rank the two"
        else:
            verdict = f"{self.a if self.diff > 0 else self.b} is ahead on this split"
        if np.sign(self.cv_diff) != np.sign(self.diff):
            verdict += f"; the cross-validated mean says the opposite ({self.cv_diff:+.3f})"
        return f"{head} → {verdict}"

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "metric": self.metric, "diff": self.diff,
                "interval_95": [self.low, self.high], "n_rows": self.n_rows, "n_units": self.n_units,
                "unit": self.unit, "cv_diff": self.cv_diff, "sentence": self.sentence()}


def holdout_verdicts(X_dev: np.ndarray, y_dev: np.ndarray, X_test: np.ndarray, y_test: np.ndarray,
                     groups_test: np.ndarray | None, *, models: Sequence[str], pairs: Sequence[tuple[str, str, float]],
                     columns: Sequence[str], kind: str, seed: int = 0) -> list[HoldoutVerdict]:
    """Fit ``models`` on dev, score them on test, bootstrap each (a, b, cv mean difference) of ``pairs``."""
    predictions: dict[str, np.ndarray] = {}
    for text in models:
        spec = parse_model(text, columns)
        model = build_estimator(spec, kind, columns, seed=seed).fit(X_dev, y_dev)
        predictions[spec.label] = np.asarray(model.predict(X_test))
    # per-row losses whose means give the metric: squared error over the split's variance (R² = 1 − mean),
    # or 0/1 correctness (accuracy = mean); a resample's difference is then a difference of means
    if kind == "regression":
        var_y = float(np.var(y_test)) or 1.0
        gain = {k: -((y_test - p) ** 2) / var_y for k, p in predictions.items()}  # R² = 1 + mean(gain)
        metric = "R²"
    else:
        gain = {k: (p == y_test).astype(float) for k, p in predictions.items()}
        metric = "accuracy"
    units = [np.flatnonzero(groups_test == g) for g in np.unique(groups_test)] if groups_test is not None \
        else [np.array([i]) for i in range(len(y_test))]
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(units), size=(BOOTSTRAP, len(units)))  # (B, units)
    out = []
    for a, b, cv_diff in pairs:
        per_row = gain[a] - gain[b]  # (n_test,)
        diffs = [float(np.mean(per_row[np.concatenate([units[i] for i in pick])])) for pick in picks]
        low, high = np.quantile(diffs, [0.025, 0.975])
        out.append(HoldoutVerdict(a, b, metric, float(np.mean(per_row)), float(low), float(high), len(y_test),
                                  len(units), "groups" if groups_test is not None else "rows", float(cv_diff)))
    return out
