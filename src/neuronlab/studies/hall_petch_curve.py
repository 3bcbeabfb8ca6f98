"""The Hall–Petch learning curve on generated data: does the MLP on raw d catch up with the line on 1/√d?

The slide's verdict is made at 225 training crops; the lesson is the "not *yet*".  Data are free here
(the task is a generator), so the curve is not squeezed out of one data set by subsampling:

1. ``pools`` independent data sets, each of fresh specimens (seeds spawned from the study's seed), each
   large enough that its training folds hold the curve's largest size.
2. One grouped ``folds``-fold split per pool.  At every size the training rows are the crops of the
   first S specimens of a per-fold random order of the training specimens (so a larger training set
   holds the smaller ones, and the difference between sizes is data, not luck of the draw), and the
   score is R² = 1 − MSE/Var(y) on the whole test fold — the same test fold at every size, and the
   variance of the whole pool as denominator (as ``studies.compare`` does: a fold's own variance is
   erratic).  The sizes count crops: S specimens × crops per specimen.
3. Per size and model: the mean over pools × folds and their standard deviation (the spread of one
   cross-validation fold), and a 95 % interval of the mean from the pools, which are independent draws.
4. The crossover of ``a − b`` (``compare_checks.crossover`` on the mean curve), with its uncertainty by
   bootstrap over the pools: how often the resampled curves cross at all within the sizes, and where.

Every MLP fit of the curve (all pools, sizes and folds) trains in one ``model_selection.folds.fit_folds``
call, so the fused kernel batches them; the linear fits are instant; the GP, when asked for, is fitted
only up to ``gp_max_rows`` training rows (its cost grows as the cube of the rows).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from neuronlab.errors import ConfigError, DataError
from neuronlab.studies.compare import repeated_splits
from neuronlab.studies.compare_checks import crossover
from neuronlab.studies.compare_models import build_estimator, parse_model

COLUMNS = ("d",)  # the grain size in µm, under the name the model formulas use
CURVE_SPECIMENS = (2, 4, 8, 15, 30, 66)  # training specimens per size: 30 … 990 crops at 15 crops each
BOOTSTRAP = 2000
MAX_POOLS = 50
GP_MAX_ROWS = 250
MAX_SPECIMENS = 400  # × 15 crops: 6,000 training rows per fit, a few seconds of kernel each


@dataclass
class CurveSize:
    """One training size: its rows, and per model the mean, the fold spread and the pools' 95 % interval."""

    n_specimens: int
    n_train: int
    mean: dict[str, float]
    sd: dict[str, float]
    low: dict[str, float]
    high: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"n_specimens": self.n_specimens, "n_train": self.n_train, "mean": self.mean, "sd": self.sd,
                "interval_95": {m: [self.low[m], self.high[m]] for m in self.mean}}


@dataclass
class Crossover:
    """Where the mean curves of ``a − b`` change sign, and how sure that is (bootstrap over pools).

    ``at`` is the crossover of the mean curve (None: none within the sizes); ``p_cross`` the share of
    bootstrap resamples whose curves cross within the sizes; ``low``/``high`` the 95 % range of those
    crossings (None when fewer than half of the resamples cross).  ``gap`` is the mean difference at the
    largest size with its 95 % interval from the pools."""

    a: str
    b: str
    at: float | None
    p_cross: float
    low: float | None
    high: float | None
    gap: float
    gap_low: float
    gap_high: float
    max_n: int
    n_pools: int

    def sentence(self) -> str:
        gap = (f"at {self.max_n} crops {self.a} − {self.b} = {self.gap:+.3f} R² "
               f"[95 % {self.gap_low:+.3f}, {self.gap_high:+.3f}]")
        share = f"{self.p_cross:.0%} of {BOOTSTRAP} bootstrap resamples of the {self.n_pools} data sets"
        if self.at is None:
            return f"{self.a} vs {self.b}: no crossover within {self.max_n} crops (the curves cross in {share}); {gap}"
        where = (f" [95 % {self.low:.0f}–{self.high:.0f}]" if self.low is not None and self.high is not None else "")
        return f"{self.a} vs {self.b}: curves cross at about {self.at:.0f} crops{where} (cross in {share}); {gap}"

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "at_n_train": self.at, "p_cross": self.p_cross,
                "interval_95": None if self.low is None else [self.low, self.high], "gap_at_max": self.gap,
                "gap_interval_95": [self.gap_low, self.gap_high], "max_n_train": self.max_n,
                "sentence": self.sentence()}


@dataclass
class LearningCurve:
    """The curve: ``scores[model]`` is (pools, folds, sizes) R², NaN where a model was not fitted."""

    models: list[str]
    specimens: list[int]
    n_train: list[int]
    scores: dict[str, np.ndarray]
    pool_seeds: list[int]
    folds: int
    crops_per_specimen: int
    gp_max_rows: int
    sizes: list[CurveSize] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sizes = [self._size(j) for j in range(len(self.specimens))]

    def _size(self, j: int) -> CurveSize:
        mean, sd, low, high = {}, {}, {}, {}
        for m in self.models:
            block = self.scores[m][:, :, j]  # (pools, folds)
            if not np.isfinite(block).all():
                mean[m] = sd[m] = low[m] = high[m] = math.nan
                continue
            per_pool = block.mean(axis=1)  # (pools,) independent draws
            mean[m], sd[m] = float(block.mean()), float(block.std(ddof=1))
            low[m], high[m] = mean_interval(per_pool)
        return CurveSize(self.specimens[j], self.n_train[j], mean, sd, low, high)

    def difference(self, a: str, b: str) -> np.ndarray:
        """Per pool and size, the fold mean of ``a − b``: (pools, sizes)."""
        return (self.scores[a] - self.scores[b]).mean(axis=1)

    def crossover(self, a: str, b: str, *, seed: int = 0) -> Crossover:
        """The crossover of ``a − b`` over the sizes where both were fitted, and its bootstrap uncertainty."""
        per_pool = self.difference(a, b)  # (P, S)
        ok = np.isfinite(per_pool).all(axis=0)
        if not ok.any():
            raise ConfigError(f"{a} and {b} share no size of the learning curve")
        per_pool, sizes = per_pool[:, ok], np.asarray(self.n_train, dtype=float)[ok]
        at = crossover(sizes, per_pool.mean(axis=0))
        rng = np.random.default_rng(seed)
        pick = rng.integers(0, len(per_pool), size=(BOOTSTRAP, len(per_pool)))  # (B, P) resampled pools
        crossings = [crossover(sizes, per_pool[p].mean(axis=0)) for p in pick]
        found = np.array([c for c in crossings if c is not None])
        low = high = None
        if found.size >= BOOTSTRAP / 2:
            low, high = (float(q) for q in np.quantile(found, [0.025, 0.975]))
        gap_low, gap_high = mean_interval(per_pool[:, -1])
        return Crossover(a, b, at, found.size / BOOTSTRAP, low, high, float(per_pool[:, -1].mean()), gap_low,
                         gap_high, int(sizes[-1]), len(per_pool))

    def to_dict(self) -> dict[str, Any]:
        return {"models": self.models, "pool_seeds": self.pool_seeds, "folds": self.folds,
                "crops_per_specimen": self.crops_per_specimen, "gp_max_rows": self.gp_max_rows,
                "sizes": [s.to_dict() for s in self.sizes],
                "scores": {m: v.tolist() for m, v in self.scores.items()}}


def mean_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """The t interval of the mean of independent ``values``."""
    n = len(values)
    mean = float(np.mean(values))
    if n < 2:
        return mean, mean
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * float(np.std(values, ddof=1)) / math.sqrt(n)
    return mean - half, mean + half


def pool_size(max_specimens: int, folds: int) -> int:
    """The fewest specimens whose every grouped training fold holds ``max_specimens`` (a test fold of
    n specimens has at most ⌈n/folds⌉ of them)."""
    n = max_specimens + 1
    while n - math.ceil(n / folds) < max_specimens:
        n += 1
    return n


def nested_train(train: np.ndarray, groups: np.ndarray, specimens: Sequence[int],
                 rng: np.random.Generator) -> list[np.ndarray]:
    """For each count S: the rows of the first S specimens of one random order of the training specimens."""
    order = rng.permutation(np.unique(groups[train]))
    return [train[np.isin(groups[train], order[:s])] for s in specimens]


def check_curve(pools: object, specimens: Sequence[int]) -> list[int]:
    """Refuse a curve that cannot be drawn, before any fit: the sorted, distinct specimen counts."""
    if isinstance(pools, bool) or not isinstance(pools, int) or not 2 <= pools <= MAX_POOLS:
        raise ConfigError(f"pools must be a whole number from 2 to {MAX_POOLS}, got {pools!r}; the crossover's "
                          "uncertainty comes from independent data sets, so it needs at least two")
    counts = sorted(set(specimens))
    if not counts or any(isinstance(c, bool) or not isinstance(c, int) for c in counts) or counts[0] < 2:
        raise ConfigError(f"every curve size is a whole number of at least 2 training specimens, got {list(specimens)}")
    if counts[-1] > MAX_SPECIMENS:
        raise ConfigError(f"{counts[-1]} training specimens, over the curve's limit of {MAX_SPECIMENS}")
    return counts


def learning_curve(task_params: dict[str, Any], models: Sequence[str], *, seed: int = 0, pools: int = 8,
                   folds: int = 5, specimens: Sequence[int] = CURVE_SPECIMENS,
                   gp_max_rows: int = GP_MAX_ROWS) -> LearningCurve:
    """Each model's R² at each training size, on ``pools`` fresh data sets drawn with ``task_params``."""
    from neuronlab.model_selection.folds import fit_folds  # lazily: torch only once the fits start
    from neuronlab.tasks import load_task

    specimens = check_curve(pools, specimens)
    params = {k: v for k, v in task_params.items() if k not in ("n_specimens", "seed", "val_fraction", "test_fraction")}
    specs = [parse_model(m, COLUMNS) for m in models]
    estimators = [build_estimator(s, "regression", COLUMNS, seed=seed) for s in specs]
    n_pool = pool_size(specimens[-1], folds)
    seeds = [int(s) for s in np.random.SeedSequence(seed).generate_state(pools)]
    # every pool's rows stacked, so one fit_folds call trains every MLP of the curve together
    Xs, ys, splits, var_y, crops = [], [], [], [], 0
    offset = 0
    for pool_seed in seeds:
        task = load_task("hall_petch", **params, n_specimens=n_pool, seed=pool_seed, val_fraction=0.0,
                         test_fraction=0.0)
        X, y, groups = task.X_dev, task.y_dev, task.groups_dev
        assert groups is not None
        crops = int(task.params["crops_per_specimen"])
        rng = np.random.default_rng(pool_seed)
        for train, test in repeated_splits(y, "regression", groups, folds=folds, repeats=1, seed=pool_seed):
            for rows in nested_train(train, groups, specimens, rng):
                splits.append((rows + offset, test + offset))
        Xs.append(X)
        ys.append(y)
        var_y.append(float(np.var(y)))
        offset += len(y)
    X_all, y_all = np.concatenate(Xs), np.concatenate(ys)
    n_train = [s * crops for s in specimens]
    per_split_size = np.tile(np.arange(len(specimens)), pools * folds)  # size index of every split
    per_split_pool = np.repeat(np.arange(pools), folds * len(specimens))
    scores = {}
    for spec, est in zip(specs, estimators, strict=True):
        fitted = [i for i, (tr, _) in enumerate(splits) if spec.kind != "gp" or len(tr) <= gp_max_rows]
        fits = fit_folds([est], None, [splits[i] for i in fitted], X_all, y_all, threads=1)
        out = np.full((pools, folds, len(specimens)), math.nan)
        for i, fit in zip(fitted, fits, strict=True):
            if fit.estimator is None:
                reason = " ".join(str(fit.error).split()) or type(fit.error).__name__
                raise DataError(f"learning curve: {spec.label} failed at {n_train[per_split_size[i]]} crops: {reason}")
            test = splits[i][1]
            p = per_split_pool[i]
            mse = float(np.mean((y_all[test] - fit.estimator.predict(X_all[test])) ** 2))
            out[p, (i // len(specimens)) % folds, per_split_size[i]] = 1.0 - mse / var_y[p]
        scores[spec.label] = out
    return LearningCurve(models=[s.label for s in specs], specimens=list(specimens), n_train=n_train,
                         scores=scores, pool_seeds=seeds, folds=folds, crops_per_specimen=crops,
                         gp_max_rows=gp_max_rows)
