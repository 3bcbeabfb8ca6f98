"""The Hall–Petch study: does a small MLP on raw grain size beat a linear fit on the physics' 1/√d?

The FAU practical (week 5) reports R² ≈ 0.91 for linear regression on 1/√d against R² ≈ 0.65 for a
small MLP on raw d, and reads it as "with limited data, domain knowledge still wins over learned
features".  This study reruns that comparison honestly on ``load_task("hall_petch")``:

* every model is cross-validated on the dev set (train + val) by specimen (GroupKFold), with its
  scaler fitted in-fold (``honest_pipeline``), and again with KFold to show how much mixing crops of
  one specimen across folds flatters it;
* the MLP gets early stopping with ``n_iter_no_change=30`` as the practical prescribes, and fixed,
  untuned hyper-parameters (nothing here is chosen by looking at the test split);
* MLP(d) − linear(1/√d) is compared fold by fold on the same GroupKFold folds (a paired difference);
* the task's noise ceiling says how much R² any model could reach, and every model is also refitted on
  the dev set and scored once on the held-out test split.

The MLP rows' folds (both MLPs × both splitters × every fold) train in the fused kernel, one call per
splitter (``batched_cv``), each fold's model exactly the one ``cross_validate_task`` would fit alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from neuronlab.errors import ConfigError, DataError
from neuronlab.evaluate.metrics import score_task
from neuronlab.evaluate.validation import CVResult, cross_validate_task, honest_pipeline, make_splitter, seeded
from neuronlab.nn.baselines import HandFeature, gp_model
from neuronlab.tasks.base import Task

TASK = "hall_petch"
GRAIN_SIZE = "d_um"
# The small MLP of the practical: one hidden layer, smooth activation, Adam, early stopping after 30
# epochs without improvement.  Fixed in advance, not tuned on this task.
MLP_PARAMS: dict[str, Any] = {
    "hidden": (32,), "activation": "tanh", "eta": 1e-2, "alpha": 1e-4, "optimizer": "adam",
    "early_stopping": True, "validation_fraction": 0.1, "n_iter_no_change": 30,
}
ROWS = ("linear(d)", "linear(1/sqrt(d))", "mlp(d)", "mlp(1/sqrt(d))", "gp(d)")
PAIR = ("mlp(d)", "linear(1/sqrt(d))")
BATCHED = ("mlp(d)", "mlp(1/sqrt(d))")  # rows whose folds the fused kernel trains together


def _mlp(seed: int, max_epochs: int) -> BaseEstimator:
    """The MLP with its target standardized in-fold: yield stress in MPa sits far from the ~1 scale
    of an identity output with small initial weights, which Adam's η-sized steps would take thousands
    of epochs to reach."""
    from neuronlab.estimators import MLPRegressor  # lazily: torch only when the study runs

    mlp = MLPRegressor(**MLP_PARAMS, max_epochs=max_epochs, random_state=seed)
    return TransformedTargetRegressor(regressor=mlp, transformer=StandardScaler())


@contextmanager
def one_thread() -> Iterator[None]:
    """Run BLAS, OpenMP and torch on one thread inside the block, restoring the settings after.

    The study's matrices are a few hundred rows: threads only add synchronisation, and on a shared
    machine a two-thread BLAS spinning in the GP's Cholesky costs ~15× the CPU time of one thread.
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(before)


def hall_petch_models(task: Task, *, seed: int = 0, max_epochs: int = 500) -> dict[str, BaseEstimator]:
    """The study's five models, each an honest pipeline (scaler fitted in-fold, after any feature map)."""
    if GRAIN_SIZE not in task.feature_names:
        raise DataError(f"task {task.name!r} has no feature {GRAIN_SIZE!r} (features: {task.feature_names}); "
                        f"the Hall–Petch study needs the grain size in µm")
    inv_sqrt = HandFeature("inv_sqrt", columns=[task.feature_names.index(GRAIN_SIZE)])
    models = {
        "linear(d)": LinearRegression(),
        "linear(1/sqrt(d))": make_pipeline(inv_sqrt, LinearRegression()),
        "mlp(d)": _mlp(seed, max_epochs),
        "mlp(1/sqrt(d))": make_pipeline(clone(inv_sqrt), _mlp(seed, max_epochs)),
        "gp(d)": gp_model("regression", random_state=seed),
    }
    return {name: honest_pipeline(model) for name, model in models.items()}


def batched_cv(models: dict[str, BaseEstimator], task: Task, *, cv: str, n_splits: int,
               seed: int) -> dict[str, CVResult]:
    """``cross_validate_task(model, task, cv=cv, ...)`` for several models at once, scored by R²: the
    same folds and seeded models, but every model × fold fitted in one call of the fused kernel
    (``model_selection.folds.fit_folds``) instead of one torch training after another."""
    from neuronlab.model_selection.folds import fit_folds  # lazily: torch only when the study runs

    splitter = make_splitter(task, cv, n_splits, seed)
    groups = task.groups_dev if cv == "group" else None
    folds = [(np.asarray(tr), np.asarray(te)) for tr, te in splitter.split(task.X_dev, task.y_dev, groups)]
    fits = fit_folds([seeded(m, seed) for m in models.values()], None, folds, task.X_dev, task.y_dev, threads=1)
    results = {}
    for i, name in enumerate(models):
        oof = np.empty(len(task.y_dev), dtype=np.float64)
        scores = []
        for fit, (_, test) in zip(fits[i * len(folds):(i + 1) * len(folds)], folds, strict=True):
            if fit.estimator is None:  # cross_validate_task raises a failed fit (error_score="raise")
                raise fit.error  # type: ignore[misc]
            oof[test] = fit.estimator.predict(task.X_dev[test])
            scores.append(r2_score(task.y_dev[test], oof[test]))
        results[name] = CVResult(scores=np.asarray(scores, dtype=float), splitter=type(splitter).__name__,
                                 scoring="r2", folds=folds, predictions=oof)
    return results


@dataclass
class HallPetchRow:
    """One model: R² over GroupKFold and KFold folds of the dev set (per fold, and pooled over the
    out-of-fold predictions), and R² of the model refitted on dev and scored on the test split."""

    name: str
    group: CVResult
    kfold: CVResult
    group_pooled_r2: float
    kfold_pooled_r2: float
    test_r2: float

    @property
    def leak(self) -> float:
        """KFold mean − GroupKFold mean: how much mixing specimens across folds flatters the model."""
        return self.kfold.mean - self.group.mean

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "group_mean": self.group.mean, "group_std": self.group.std,
                "group_scores": self.group.scores.tolist(), "kfold_mean": self.kfold.mean,
                "kfold_std": self.kfold.std, "kfold_scores": self.kfold.scores.tolist(), "leak": self.leak,
                "group_pooled_r2": self.group_pooled_r2, "kfold_pooled_r2": self.kfold_pooled_r2,
                "test_r2": self.test_r2}


@dataclass
class PairedDifference:
    """``a − b`` fold by fold on the same GroupKFold folds: the differences, their mean ± std, a's wins."""

    a: str
    b: str
    diffs: np.ndarray

    @property
    def mean(self) -> float:
        return float(np.mean(self.diffs))

    @property
    def std(self) -> float:
        return float(np.std(self.diffs, ddof=1)) if len(self.diffs) > 1 else 0.0

    @property
    def wins(self) -> int:
        """Folds on which ``a`` scores higher than ``b``."""
        return int(np.sum(self.diffs > 0))

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "diffs": self.diffs.tolist(), "mean": self.mean, "std": self.std,
                "wins": self.wins, "n_folds": len(self.diffs)}


@dataclass
class HallPetchStudy:
    """The study's table (``rows``), the paired MLP-vs-physics comparison and the noise ceiling."""

    rows: list[HallPetchRow]
    paired: PairedDifference
    ceiling: float | None
    seed: int
    n_splits: int
    max_epochs: int
    n_dev: int
    n_test: int
    n_specimens_dev: int
    task_params: dict[str, Any] = field(default_factory=dict)

    def row(self, name: str) -> HallPetchRow:
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(f"no row {name!r}; rows are {[r.name for r in self.rows]}")

    def to_dict(self) -> dict[str, Any]:
        return {"rows": [r.to_dict() for r in self.rows], "paired": self.paired.to_dict(),
                "ceiling": self.ceiling, "seed": self.seed, "n_splits": self.n_splits,
                "max_epochs": self.max_epochs, "n_dev": self.n_dev, "n_test": self.n_test,
                "n_specimens_dev": self.n_specimens_dev, "task_params": dict(self.task_params),
                "mlp_params": {k: list(v) if isinstance(v, tuple) else v for k, v in MLP_PARAMS.items()}}

    def table(self) -> str:
        """The result as plain text: one line per model, then the paired difference and the ceiling."""
        head = f"{'R² GroupKFold':>16}{'pooled':>8}{'R² KFold':>16}{'pooled':>8}"
        lines = [f"{'model':<19}{head}{'leak':>8}{'R² test':>9}"]
        for r in self.rows:
            lines.append(f"{r.name:<19}{r.group.mean:>8.3f} ± {r.group.std:<5.3f}{r.group_pooled_r2:>8.3f}"
                         f"{r.kfold.mean:>8.3f} ± {r.kfold.std:<5.3f}{r.kfold_pooled_r2:>8.3f}"
                         f"{r.leak:>8.3f}{r.test_r2:>9.3f}")
        p = self.paired
        lines.append(f"{p.a} − {p.b} (GroupKFold, paired): {p.mean:+.3f} ± {p.std:.3f}; "
                     f"{p.a} wins {p.wins}/{len(p.diffs)} folds")
        if self.ceiling is not None:
            lines.append(f"noise ceiling R²: {self.ceiling:.3f}")
        return "\n".join(lines)


def run_hall_petch_study(
    *, seed: int = 0, n_splits: int = 5, max_epochs: int = 500, task_params: dict[str, Any] | None = None
) -> HallPetchStudy:
    """Run the Hall–Petch comparison on ``load_task("hall_petch", seed=seed, **task_params)``.

    Deterministic in its arguments: the task, the folds and every model's initial weights are drawn
    from ``seed``.  ``n_splits`` folds for both cross-validations; ``max_epochs`` caps the MLPs (early
    stopping usually ends them sooner).
    """
    from neuronlab.tasks import load_task

    params = dict(task_params or {})
    if "seed" in params:
        raise ConfigError("pass the study's seed as run_hall_petch_study(seed=...), not in task_params")
    if isinstance(max_epochs, bool) or not isinstance(max_epochs, int) or max_epochs < 1:
        raise ConfigError(f"max_epochs must be an integer >= 1, got {max_epochs!r}")
    task = load_task(TASK, seed=seed, **params)
    if task.groups_dev is None:
        raise DataError(f"task {task.name!r} has no specimen groups; the study needs them for GroupKFold")

    rows = []
    with one_thread():
        models = hall_petch_models(task, seed=seed, max_epochs=max_epochs)
        batched = {how: batched_cv({name: models[name] for name in BATCHED}, task, cv=how, n_splits=n_splits,
                                   seed=seed) for how in ("group", "kfold")}
        for name, model in models.items():
            cv = {how: batched[how][name] if name in BATCHED else
                  cross_validate_task(model, task, cv=how, n_splits=n_splits, seed=seed)
                  for how in ("group", "kfold")}
            final = seeded(model, seed).fit(task.X_dev, task.y_dev)
            pooled = {how: float(r2_score(task.y_dev, res.predictions)) for how, res in cv.items()}
            rows.append(HallPetchRow(name, group=cv["group"], kfold=cv["kfold"], group_pooled_r2=pooled["group"],
                                     kfold_pooled_r2=pooled["kfold"],
                                     test_r2=score_task(final, task, split="test")["r2"]))

    by_name = {r.name: r for r in rows}
    a, b = by_name[PAIR[0]].group, by_name[PAIR[1]].group
    # Same seed, same groups ⇒ same folds, so fold i of one model pairs with fold i of the other.
    paired = PairedDifference(PAIR[0], PAIR[1], a.scores - b.scores)
    return HallPetchStudy(
        rows=rows, paired=paired, ceiling=task.ceiling, seed=seed, n_splits=n_splits, max_epochs=max_epochs,
        n_dev=len(task.y_dev), n_test=len(task.y_test), n_specimens_dev=int(np.unique(task.groups_dev).size),
        task_params=params,
    )
