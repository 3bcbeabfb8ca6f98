"""Does an MLP beat my domain feature?  An honest comparison of models on a user's own data.

The protocol, fixed in advance so nothing is tuned by looking at the answer:

1. **The same folds for every model**: ``repeats`` × ``folds``-fold cross-validation, grouped when the
   data has groups (a group never straddles train and test), stratified for classification, reshuffled
   per repeat from ``seed``.  Each model is ``formulas → in-fold scaler → model`` at its estimator's
   defaults (:mod:`neuronlab.studies.compare_models`); every MLP fit of the study trains in one batched
   computation (``model_selection.folds.fit_folds`` → ``train.ensemble.fit_mlps``), the others alone.
2. **Paired differences**, fold by fold, for every pair of models, judged by the Nadeau–Bengio corrected
   t-test and the Bayesian correlated t-test with a region of practical equivalence ``rope``
   (:mod:`neuronlab.studies.stats`), and said in one sentence.
3. **What a reviewer asks next**: how much ungrouped KFold would have flattered each model (the leakage
   gap, with groups), a learning curve over the training size with the crossover of every pair, and
   the noise ceiling from replicate rows when the data has them
   (:mod:`neuronlab.studies.compare_checks`).

Scores are accuracy for classification and, for regression, R² per test fold with the variance of the
whole target as its denominator (``_score`` says why); the mean over folds is the pooled out-of-fold R².
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GroupKFold, KFold, StratifiedGroupKFold, StratifiedKFold
from threadpoolctl import threadpool_limits

from neuronlab import limits
from neuronlab.errors import ConfigError, DataError, NeuronlabError
from neuronlab.studies.compare_checks import NoiseCeiling, crossover, noise_ceiling
from neuronlab.studies.compare_holdout import HoldoutVerdict, holdout_verdicts
from neuronlab.studies.compare_models import ModelSpec, build_estimator, parse_models
from neuronlab.studies.expressions import evaluate_features, first_non_finite
from neuronlab.studies.stats import Posterior, TTest, bayesian_correlated_ttest, corrected_ttest, paired_ttest
from neuronlab.tasks.registry import check_seed

Split = tuple[np.ndarray, np.ndarray]
MAX_MODELS = 8
MAX_REPEATS = 100
CURVE_FRACTIONS = (0.2, 0.4, 0.6, 0.8, 1.0)  # of the training folds; 1.0 is the main cross-validation
SIDE_REPEATS = 3  # repeats behind the learning curve and the leakage check (each costs a cross-validation)
DECISION = 0.95  # posterior mass at which a verdict is stated without hedging


@dataclass(frozen=True)
class Protocol:
    """How the study splits and judges: checked once, stored with every recorded run."""

    folds: int = 5
    repeats: int = 10
    rope: float = 0.01
    seed: int = 0

    def __post_init__(self) -> None:
        for name, value, low in (("folds", self.folds, 2), ("repeats", self.repeats, 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(f"{name} must be a whole number >= {low}, got {value!r}")
        limits.FOLDS.check(self.folds, "folds = {}")
        if self.repeats > MAX_REPEATS:
            raise ConfigError(f"repeats = {self.repeats}, over the limit of {MAX_REPEATS}; "
                              "10 repeats already pin the mean difference down")
        if isinstance(self.rope, bool) or not isinstance(self.rope, int | float) or not (
                math.isfinite(self.rope) and 0 <= self.rope < 1e6):
            raise ConfigError(f"rope must be a finite number >= 0 (in units of the score), got {self.rope!r}")
        check_seed(self.seed)

    def to_dict(self) -> dict[str, Any]:
        return {"folds": self.folds, "repeats": self.repeats, "rope": self.rope, "seed": self.seed}


@dataclass
class CurvePoint:
    """One training size of the learning curve: its mean number of training rows and every model's mean
    score (NaN where every fit at that size failed, e.g. a class missing from a tiny subsample)."""

    fraction: float
    n_train: float
    scores: dict[str, float]


@dataclass
class Leak:
    """Ungrouped KFold against the grouped folds for one model: the gap and the fold spread it must beat."""

    kfold_mean: float
    grouped_mean: float
    spread: float

    @property
    def gap(self) -> float:
        return self.kfold_mean - self.grouped_mean

    @property
    def leaks(self) -> bool:
        return self.gap > self.spread

    def to_dict(self) -> dict[str, Any]:
        return {"kfold_mean": self.kfold_mean, "grouped_mean": self.grouped_mean, "gap": self.gap,
                "spread": self.spread, "leaks": self.leaks}


@dataclass
class ModelResult:
    """One model's scores, ``scores[r, k]`` on fold k of repeat r, and its leakage check."""

    spec: ModelSpec
    scores: np.ndarray
    leak: Leak | None = None

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def mean(self) -> float:
        return float(np.mean(self.scores))

    @property
    def std(self) -> float:
        return float(np.std(self.scores, ddof=1)) if self.scores.size > 1 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "kind": self.spec.kind, "features": list(self.spec.feature_texts),
                "mean": self.mean, "std": self.std, "scores": self.scores.tolist(),
                "leak": None if self.leak is None else self.leak.to_dict()}


@dataclass
class PairResult:
    """``a − b`` fold by fold on the same folds, both tests, the crossover and the verdict sentence."""

    a: str
    b: str
    diffs: np.ndarray
    corrected: TTest
    naive: TTest
    posterior: Posterior
    crossover: float | None
    verdict: str
    curve_sentence: str

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "diffs": self.diffs.tolist(), "corrected_ttest": self.corrected.to_dict(),
                "naive_ttest": self.naive.to_dict(), "bayesian": self.posterior.to_dict(),
                "crossover_n_train": self.crossover, "verdict": self.verdict, "learning_curve": self.curve_sentence}


@dataclass
class CompareResult:
    """Everything the study found: per model, per pair, the learning curve, the ceiling, the protocol."""

    name: str
    target: str
    groups: str | None
    kind: str
    metric: str
    n_rows: int
    n_groups: int | None
    protocol: Protocol
    n_train: float  # mean rows per training fold
    n_test: float  # mean rows per test fold
    models: list[ModelResult]
    pairs: list[PairResult]
    curve: list[CurvePoint]
    ceiling: NoiseCeiling | None
    splits: list[Split] = field(default_factory=list, repr=False)
    data_sha256: str = ""
    holdout: list[HoldoutVerdict] = field(default_factory=list)  # per pair, when a test split is held out

    def model(self, label: str) -> ModelResult:
        for m in self.models:
            if m.label == label:
                return m
        raise KeyError(f"no model {label!r}; models are {[m.label for m in self.models]}")

    def pair(self, a: str, b: str) -> PairResult:
        for p in self.pairs:
            if (p.a, p.b) == (a, b):
                return p
        raise KeyError(f"no pair {a!r} vs {b!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"study": "compare", "name": self.name, "target": self.target, "groups": self.groups,
                "kind": self.kind, "metric": self.metric, "n_rows": self.n_rows, "n_groups": self.n_groups,
                "protocol": self.protocol.to_dict(), "n_train": self.n_train, "n_test": self.n_test,
                "data_sha256": self.data_sha256, "models": [m.to_dict() for m in self.models],
                "pairs": [p.to_dict() for p in self.pairs],
                "learning_curve": [{"fraction": c.fraction, "n_train": c.n_train, "scores": c.scores}
                                   for c in self.curve],
                "noise_ceiling": None if self.ceiling is None else self.ceiling.to_dict(),
                "holdout": [h.to_dict() for h in self.holdout]}


# -- folds ------------------------------------------------------------------------------------------


def repeated_splits(y: np.ndarray, kind: str, groups: np.ndarray | None, *, folds: int, repeats: int,
                    seed: int) -> list[Split]:
    """``repeats`` × ``folds`` (train, test) index pairs, repeat r reshuffled with seed + r: grouped when
    ``groups`` is given, stratified for classification.  Refuses data that cannot fill the folds."""
    n = len(y)
    classify = kind != "regression"
    if groups is not None:
        n_groups = int(np.unique(groups).size)
        if n_groups < folds:
            raise DataError(f"the data has {n_groups} groups, fewer than folds = {folds}; lower --folds to at "
                            f"most {n_groups} (each test fold needs a group of its own)")
    elif n < folds:
        raise DataError(f"the data has {n} rows, fewer than folds = {folds}; lower --folds to at most {n}")
    elif classify:
        smallest = int(np.bincount(y.astype(int)).min())
        if smallest < folds:
            raise DataError(f"the rarest class has {smallest} rows, fewer than folds = {folds}; lower --folds to "
                            f"at most {max(smallest, 2)} or add rows of that class")
    out: list[Split] = []
    for r in range(repeats):
        rs = seed + r
        splitter: Any
        if groups is not None:
            splitter = (StratifiedGroupKFold(folds, shuffle=True, random_state=rs) if classify
                        else GroupKFold(folds, shuffle=True, random_state=rs))
        else:
            splitter = (StratifiedKFold(folds, shuffle=True, random_state=rs) if classify
                        else KFold(folds, shuffle=True, random_state=rs))
        out.extend((np.asarray(tr), np.asarray(te)) for tr, te in splitter.split(np.zeros(n), y, groups))
    return out


def subsample(train: np.ndarray, fraction: float, groups: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    """``fraction`` of the training rows (of its groups, when grouped), at least two rows or groups."""
    if fraction >= 1.0:
        return train
    if groups is None:
        m = max(2, round(fraction * len(train)))
        return np.sort(rng.choice(train, size=min(m, len(train)), replace=False))
    names = np.unique(groups[train])
    keep = rng.choice(names, size=min(len(names), max(2, round(fraction * len(names)))), replace=False)
    return train[np.isin(groups[train], keep)]


# -- fitting and scoring ----------------------------------------------------------------------------


def _score(kind: str, y_true: np.ndarray, y_pred: np.ndarray, var_y: float) -> float:
    """Accuracy, or R² = 1 − MSE/Var(y) with the variance of the *whole* target: a test fold of two
    or three groups has a tiny, erratic variance of its own, and scikit-learn's per-fold R² then swings
    to −100 or below.  With one denominator the fold mean is the pooled out-of-fold R² (equal folds), and a
    difference of two models is their MSE difference in R² units (the t statistics do not depend on it)."""
    if kind == "regression":
        return 1.0 - float(np.mean((y_true - y_pred) ** 2)) / var_y
    return float(accuracy_score(y_true, y_pred))


def _fit_and_score(estimators: Sequence[Any], splits: Sequence[Split], X: np.ndarray, y: np.ndarray, kind: str,
                   *, strict: bool) -> np.ndarray:
    """Scores (models, splits) of every estimator on every split, fitted by ``fit_folds`` (MLPs batched).

    ``strict``: a failed fit is raised as one line (the main cross-validation); otherwise it scores NaN
    (a learning-curve point whose subsample lacks a class)."""
    from neuronlab.model_selection.folds import fit_folds  # lazily: torch only once the fits start

    fits = fit_folds(list(estimators), None, list(splits), X, y, threads=1)
    var_y = float(np.var(y)) if kind == "regression" else 1.0
    scores = np.full((len(estimators), len(splits)), math.nan)
    for i, fit in enumerate(fits):
        m, s = divmod(i, len(splits))
        if fit.estimator is None:
            if strict:
                error = fit.error
                if isinstance(error, NeuronlabError):
                    raise error
                reason = " ".join(str(error).split()) or type(error).__name__
                raise DataError(f"model {m + 1} failed on fold {s + 1}: {reason}")
            continue
        test = splits[s][1]
        scores[m, s] = _score(kind, y[test], fit.estimator.predict(X[test]), var_y)
    return scores


def _check_features(specs: Sequence[ModelSpec], X: np.ndarray, columns: Sequence[str], where: str) -> None:
    """Every formula finite on every row, before any fit: the error names the row of the file."""
    for spec in specs:
        values = evaluate_features(spec.features, X, columns)
        problem = first_non_finite(values, spec.features, X, columns)
        if problem is not None:
            raise DataError(f"{where}: model {spec.label}: {problem}; change the formula or drop the rows "
                            "where it is undefined")


# -- the verdict ------------------------------------------------------------------------------------


def verdict(a: str, b: str, post: Posterior, metric: str) -> str:
    """One sentence: direction and size with the 95 % interval, P(better), P(practically equal), and what
    may be concluded at 95 % posterior mass."""
    low, high = post.interval(0.95)
    direction = "better" if post.mean > 0 else "worse" if post.mean < 0 else "no different"
    if post.p_right >= DECISION:
        say = f"{a} is better"
    elif post.p_left >= DECISION:
        say = f"{a} is worse"
    elif post.p_rope >= DECISION:
        say = f"practically equal (within ±{post.rope:g} {metric})"
    else:
        say = "no decision at 95 %: more data, or a wider ROPE if smaller differences do not matter"
    return (f"{a} vs {b}: {direction} by {abs(post.mean):.3f} {metric} [{low:+.3f}, {high:+.3f}]; "
            f"P(better) {post.p_right:.2f}, P(practically equal) {post.p_rope:.2f} → {say}")


def _curve_sentence(a: str, b: str, curve: Sequence[CurvePoint], cross: float | None) -> str:
    sizes = [c.n_train for c in curve]
    diffs = [c.scores[a] - c.scores[b] for c in curve]
    if cross is not None:
        later = next((d for d in reversed(diffs) if math.isfinite(d)), 0.0)
        ahead = a if later > 0 else b
        return f"{a} vs {b}: curves cross at about {cross:.0f} training rows; {ahead} is ahead beyond that"
    finite = [d for d in diffs if math.isfinite(d)]
    if not finite:
        return f"{a} vs {b}: no learning curve (every fit failed)"
    ahead = a if finite[-1] > 0 else b
    return (f"{a} vs {b}: no crossover within the data ({ahead} ahead at every size from {min(sizes):.0f} "
            f"to {max(sizes):.0f} training rows)")


# -- the study --------------------------------------------------------------------------------------


def compare_arrays(X: np.ndarray, y: np.ndarray, *, columns: Sequence[str], kind: str, models: Sequence[str],
                   groups: np.ndarray | None = None, protocol: Protocol | None = None, name: str = "data",
                   target: str = "y", groups_name: str | None = None, data_sha256: str = "",
                   learning_curve: bool = True) -> CompareResult:
    """The study on arrays (rows × named columns): what :func:`compare` runs after reading the CSV.

    ``learning_curve=False`` skips the subsampled learning curve (``curve`` is empty, no pair has a
    crossover or curve sentence): for a caller that draws its own curve from a generator, as the
    Hall–Petch study does, where more data is free."""
    protocol = protocol or Protocol()
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    specs = parse_models(list(models), list(columns), max_models=MAX_MODELS)
    n_side = min(protocol.repeats, SIDE_REPEATS)
    n_curve = n_side * (len(CURVE_FRACTIONS) - 1) if learning_curve else 0
    n_fits = len(specs) * protocol.folds * (protocol.repeats + n_curve + (n_side if groups is not None else 0))
    limits.RUNS.check(n_fits, "the study has {} fits (models × folds × repeats, with its curves)")
    if any(s.kind == "gp" for s in specs):
        limits.GP_SAMPLES.check(len(y), "a gp model would train on up to {} rows")
    _check_features(specs, X, columns, name)
    if kind == "regression" and np.ptp(y) == 0:
        raise DataError(f"{name}: target {target!r} is constant, so no model can explain any of it; check the column")

    splits = repeated_splits(y, kind, groups, folds=protocol.folds, repeats=protocol.repeats, seed=protocol.seed)
    estimators = [build_estimator(s, kind, columns, seed=protocol.seed) for s in specs]
    metric = "R²" if kind == "regression" else "accuracy"
    with threadpool_limits(limits=1):  # a few hundred rows: BLAS threads only add contention
        main = _fit_and_score(estimators, splits, X, y, kind, strict=True)
        results = [ModelResult(spec, main[i].reshape(protocol.repeats, protocol.folds)) for i, spec in enumerate(specs)]
        curve = _learning_curve(estimators, splits[:n_side * protocol.folds], main[:, :n_side * protocol.folds],
                                X, y, kind, groups, protocol.seed, [s.label for s in specs]) if learning_curve else []
        if groups is not None:
            kfold = repeated_splits(y, kind, None, folds=protocol.folds, repeats=n_side, seed=protocol.seed)
            leaky = _fit_and_score(estimators, kfold, X, y, kind, strict=True)
            for i, res in enumerate(results):
                spread = math.sqrt((np.var(leaky[i], ddof=1) + res.std ** 2) / 2)
                res.leak = Leak(float(np.mean(leaky[i])), res.mean, spread)

    n_train = float(np.mean([len(tr) for tr, _ in splits]))
    n_test = float(np.mean([len(te) for _, te in splits]))
    pairs = []
    for j in range(len(results)):
        for i in range(j + 1, len(results)):  # each later model against each earlier one (the baseline)
            a, b = results[i], results[j]
            diffs = a.scores.ravel() - b.scores.ravel()
            post = bayesian_correlated_ttest(diffs, n_train, n_test, rope=protocol.rope)
            cross = crossover(np.array([c.n_train for c in curve]),
                              np.array([c.scores[a.label] - c.scores[b.label] for c in curve]))
            pairs.append(PairResult(a.label, b.label, diffs, corrected_ttest(diffs, n_train, n_test),
                                    paired_ttest(diffs), post, cross, verdict(a.label, b.label, post, metric),
                                    _curve_sentence(a.label, b.label, curve, cross) if curve else ""))
    ceiling = noise_ceiling(X, y.astype(float), groups, seed=protocol.seed) if kind == "regression" else None
    return CompareResult(name=name, target=target, groups=groups_name, kind=kind, metric=metric, n_rows=len(y),
                         n_groups=None if groups is None else int(np.unique(groups).size), protocol=protocol,
                         n_train=n_train, n_test=n_test, models=results, pairs=pairs, curve=curve, ceiling=ceiling,
                         splits=splits, data_sha256=data_sha256)


def _learning_curve(estimators: Sequence[Any], splits: Sequence[Split], full: np.ndarray, X: np.ndarray,
                    y: np.ndarray, kind: str, groups: np.ndarray | None, seed: int,
                    labels: Sequence[str]) -> list[CurvePoint]:
    """Mean score per model at each fraction of the training folds (same test folds); the last point is
    the main cross-validation's (``full``), the smaller ones all fitted in one ``fit_folds`` call."""
    rng = np.random.default_rng(seed)
    small = CURVE_FRACTIONS[:-1]
    sub = [(subsample(tr, f, groups, rng), te) for f in small for tr, te in splits]
    scores = _fit_and_score(estimators, sub, X, y, kind, strict=False) if sub else np.empty((len(labels), 0))
    points = []
    for k, f in enumerate(CURVE_FRACTIONS):
        if f < 1.0:
            block = scores[:, k * len(splits):(k + 1) * len(splits)]
            rows = [len(tr) for tr, _ in sub[k * len(splits):(k + 1) * len(splits)]]
        else:
            block, rows = full, [len(tr) for tr, _ in splits]
        means = {label: float(np.nanmean(block[i])) if np.isfinite(block[i]).any() else math.nan
                 for i, label in enumerate(labels)}
        points.append(CurvePoint(fraction=f, n_train=float(np.mean(rows)), scores=means))
    return points


def compare(data: str | Path, target: str, models: Sequence[str], *, groups: str | None = None,
            kind: str | None = None, folds: int = 5, repeats: int = 10, rope: float = 0.01,
            seed: int = 0, test_fraction: float = 0.0) -> CompareResult:
    """Compare ``models`` (e.g. ``["linear(inv_sqrt(d))", "mlp(d)"]``) at predicting column ``target`` of
    the CSV file ``data``, grouped by column ``groups`` when given; see the module docstring for the
    protocol.  ``test_fraction`` > 0 holds that share of the rows (whole groups) out of the study: the
    models are compared on the rest and, at the end, scored once on it, each pair with its bootstrap
    interval (``CompareResult.holdout``).  Every problem with the file, the formulas or the numbers is a
    one-line NeuronlabError."""
    from neuronlab.tasks.tabular import load_csv

    if not (isinstance(test_fraction, int | float) and 0.0 <= test_fraction <= 0.5):
        raise ConfigError(f"test_fraction must be between 0 (no held-out split) and 0.5, got {test_fraction!r}")
    protocol = Protocol(folds=folds, repeats=repeats, rope=rope, seed=seed)
    path = Path(data)
    task = load_csv(path, target, groups, kind=kind, seed=seed, val_fraction=0.0, test_fraction=test_fraction)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    result = compare_arrays(task.X_dev, task.y_dev, columns=task.feature_names, kind=task.kind, models=models,
                            groups=task.groups_dev, protocol=protocol, name=path.name, target=target,
                            groups_name=groups, data_sha256=digest)
    if test_fraction > 0:
        pairs = [(p.a, p.b, float(np.mean(p.diffs))) for p in result.pairs]
        result.holdout = holdout_verdicts(task.X_dev, task.y_dev, task.X_test, task.y_test, task.groups_test,
                                          models=models, pairs=pairs, columns=task.feature_names, kind=task.kind,
                                          seed=seed)
    return result
