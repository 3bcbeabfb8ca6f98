"""What the lab notebook says, worked out from the stored runs alone: no training, no drawing, no HTML.

The headline number of a run is its *test* score (accuracy for classification, R² for regression),
the same one the runner prints; the best run of a task is the finished run with the highest one,
the earliest run winning a tie so a rebuild always names the same run.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import ValidationError

from neuronlab.experiments.spec import ExperimentSpec, ModelSpec, TrainSpec
from neuronlab.store import RunRecord, RunSummary
from neuronlab.store.records import compare

BASELINES = ("linear", "gp")  # model kinds the neural runs are measured against
SCORE_NAMES = ("accuracy", "r2")
SCORE_LABELS = {"accuracy": "accuracy", "r2": "R²"}
HEATMAP_AXES = ("train.eta", "train.alpha")


# -- numbers ---------------------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def score(run: RunSummary, split: str = "test") -> tuple[str, float] | None:
    """(metric name, value) of the run's headline score on ``split``, or None when it has none."""
    metrics = run.metrics.get(split)
    if not isinstance(metrics, Mapping):
        return None
    for name in SCORE_NAMES:
        value = _number(metrics.get(name))
        if value is not None:
            return name, value
    return None


def score_value(run: RunSummary, split: str = "test") -> float | None:
    found = score(run, split)
    return None if found is None else found[1]


def time_order(runs: Iterable[RunSummary]) -> list[RunSummary]:
    """Oldest first; the id breaks ties between runs recorded in the same microsecond."""
    return sorted(runs, key=lambda r: (r.created_at, r.id))


def best_run(runs: Sequence[RunSummary]) -> RunSummary | None:
    """The finished run with the highest test score (earliest on a tie), or None if none has one."""
    best: tuple[float, RunSummary] | None = None
    for run in time_order(runs):
        value = score_value(run)
        if run.status == "done" and value is not None and (best is None or value > best[0]):
            best = (value, run)
    return None if best is None else best[1]


def ceiling(run: RunSummary) -> float | None:
    """The best possible model's expected score on the run's task (recorded when the generator is known);
    on a finite test split that model scores within ``ceiling_span``, often above the ceiling."""
    return _number(run.metrics.get("ceiling"))


def ceiling_span(run: RunSummary) -> str:
    """"0.825–0.963 on 80 test points": what the best possible model scores on the run's test split,
    or "" when the run recorded no range (older runs, unknown generators)."""
    spread = run.metrics.get("ceiling_range")
    if not isinstance(spread, Mapping):
        return ""
    low, high, n = _number(spread.get("low")), _number(spread.get("high")), spread.get("n")
    if low is None or high is None or not isinstance(n, int):
        return ""
    return f"{low:.3f}–{high:.3f} on {n} test points"


@functools.cache
def model_keys(kind: str) -> frozenset[str] | None:
    """The ``model.*`` and ``train.*`` parameters a model of ``kind`` has (None for a kind no spec knows:
    then every parameter is kept).  Read off the spec's own ``model_params``, so a neuron run is never
    shown with an MLP's ``model.hidden`` nor a linear model with a learning rate."""
    try:  # every optional key set, so model_params names them all
        spec = ExperimentSpec.model_validate({"name": "keys", "task": {"name": "and"},
                                              "model": {"kind": kind, "activation": "sigmoid", "feature": "log"}})
    except ValidationError:
        return None
    keys = {"model.kind"}
    for name in spec.model_params():
        section = "model" if name in ModelSpec.model_fields else "train" if name in TrainSpec.model_fields else ""
        if section:
            keys.add(f"{section}.{name}")
    return frozenset(keys)


def own_params(run: RunSummary) -> RunSummary:
    """The run with only the parameters its model has (task, evaluation and the model's own)."""
    keys = model_keys(run.model)
    if keys is None:
        return run
    params = {k: v for k, v in run.params.items() if not k.startswith(("model.", "train.")) or k in keys}
    return dataclasses.replace(run, params=params)


def cv_text(run: RunSummary) -> str:
    """``mean ± std`` of the cross-validation scores, or "" without cross-validation."""
    cv = run.metrics.get("cv")
    if not isinstance(cv, Mapping):
        return ""
    mean, std = _number(cv.get("mean")), _number(cv.get("std"))
    if mean is None:
        return ""
    return f"{mean:.3f} ± {std:.3f}" if std is not None else f"{mean:.3f}"


def fmt(value: Any, digits: int = 3) -> str:
    """A score for a table cell: three decimals, "—" when absent."""
    number = _number(value)
    return "—" if number is None else f"{number:.{digits}f}"


def show(value: Any) -> str:
    """A parameter value as the spec's TOML would spell it (floats in %g, None as "—")."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _order(value: Any) -> tuple[int, Any]:
    """A sort key that puts numbers in numeric order and never compares a number with a string."""
    number = _number(value)
    if number is not None:
        return (0, number)
    return (1, show(value))


# -- one run, as a table row -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RunRow:
    """One run as the notebook shows it; ``differing`` holds only the parameters that vary on the task."""

    id: int
    created: str
    experiment: str
    model: str
    seed: int
    sweep: str | None
    status: str
    status_text: str
    notes: str
    differing: tuple[tuple[str, str], ...]
    val: str
    test: str
    cv: str
    ceiling: str
    ceiling_span: str  # the range the best possible model scores on the run's test split, "" if unknown


def status_text(run: RunSummary, error: str | None) -> str:
    """"done", "diverged at epoch 12", or "failed: <first line of the error>"."""
    if run.status == "diverged":
        return "diverged" if run.diverged_epoch is None else f"diverged at epoch {run.diverged_epoch}"
    if run.status == "failed":
        lines = (error or "").strip().splitlines()
        return f"failed: {lines[0]}" if lines else "failed"
    return run.status


def run_row(run: RunSummary, detail: RunRecord | None, differing_keys: Sequence[str]) -> RunRow:
    return RunRow(
        id=run.id,
        created=run.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        experiment=run.experiment,
        model=run.model,
        seed=run.seed,
        sweep=run.sweep,
        status=run.status,
        status_text=status_text(run, None if detail is None else detail.error),
        notes=(detail.notes or "") if detail is not None else "",
        differing=tuple((key, show(own_params(run).params.get(key))) for key in differing_keys),
        val=fmt(score_value(run, "val")),
        test=fmt(score_value(run, "test")),
        cv=cv_text(run),
        ceiling=fmt(ceiling(run)),
        ceiling_span=ceiling_span(run),
    )


# -- a task: best run, baselines, sweeps ----------------------------------------------------------------


@dataclass(frozen=True)
class Contender:
    """One line of "against the baselines": the best run of a model family, or a missing baseline."""

    family: str  # "neural", "linear", "gp"
    run: RunRow | None
    gap: str  # ceiling − test score of that run, "—" without a ceiling


@dataclass(frozen=True)
class SweepPoint:
    """The runs of one sweep that share every swept parameter (they differ in seed only)."""

    values: tuple[str, ...]
    n: int
    n_done: int
    n_diverged: int
    n_failed: int
    test: str  # mean ± std over seeds of the finished runs
    val: str
    best: bool


@dataclass(frozen=True)
class Sweep:
    name: str
    slug: str
    n_runs: int
    keys: tuple[str, ...]  # the parameters the sweep varied
    points: tuple[SweepPoint, ...]
    heatmap: pd.DataFrame | None  # eta, alpha, score rows, when the sweep varied both


def differing_keys(runs: Sequence[RunSummary]) -> tuple[list[str], dict[str, str]]:
    """The parameters that vary across ``runs`` and those they all share (shown once, formatted)."""
    comparison = compare([own_params(run) for run in runs])
    return list(comparison.differing), {k: show(v) for k, v in comparison.same.items()}


def contenders(runs: Sequence[RunSummary], rows: Mapping[int, RunRow]) -> list[Contender]:
    """The best neural run beside the best linear and GP runs (None where that family has no run)."""
    families = {
        "neural": [r for r in runs if r.model not in BASELINES],
        **{kind: [r for r in runs if r.model == kind] for kind in BASELINES},
    }
    out = []
    for family, members in families.items():
        best = best_run(members)
        if best is None:
            out.append(Contender(family, None, "—"))
            continue
        top, value = ceiling(best), score_value(best)
        gap = "—" if top is None or value is None else f"{round(top - value, 3) + 0.0:.3f}"  # no "-0.000"
        out.append(Contender(family, rows[best.id], gap))
    return out


def _mean_std(values: Sequence[float]) -> str:
    if not values:
        return "—"
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.fmean(values):.3f} ± {statistics.stdev(values):.3f}"


def heatmap_table(runs: Sequence[RunSummary]) -> pd.DataFrame | None:
    """Rows (eta, alpha, test score) of the runs, for :func:`neuronlab.plots.sweep_grid_data`.

    None unless the runs varied both ``train.eta`` and ``train.alpha``.  A run without a test score
    (diverged, failed) keeps its row with a NaN score, so its cell exists and stays blank.
    """
    pairs = [(run, _number(run.params.get(HEATMAP_AXES[0])), _number(run.params.get(HEATMAP_AXES[1])))
             for run in runs]
    pairs = [(run, eta, alpha) for run, eta, alpha in pairs if eta is not None and alpha is not None]
    if len({eta for _, eta, _ in pairs}) < 2 or len({alpha for _, _, alpha in pairs}) < 2:
        return None
    names = {found[0] for run, _, _ in pairs if (found := score(run)) is not None}
    value = "test_" + (names.pop() if len(names) == 1 else "score")
    table = pd.DataFrame({
        "eta": [eta for _, eta, _ in pairs],
        "alpha": [alpha for _, _, alpha in pairs],
        value: [score_value(run) if run.status == "done" else None for run, _, _ in pairs],
    })
    table[value] = table[value].astype(float)
    return table


def sweep(name: str, slug: str, runs: Sequence[RunSummary]) -> Sweep:
    """A sweep's table: one row per point of its grid, the seeds' test scores as mean ± std."""
    keys, _ = differing_keys(runs)
    points: dict[tuple[Any, ...], list[RunSummary]] = {}
    for run in runs:
        points.setdefault(tuple(show(run.params.get(k)) for k in keys), []).append(run)
    order = sorted(points, key=lambda p: tuple(_order(points[p][0].params.get(k)) for k in keys))
    means = {p: [v for r in points[p] if r.status == "done" and (v := score_value(r)) is not None] for p in points}
    best_mean = max((statistics.fmean(v) for v in means.values() if v), default=None)
    rows = []
    for p in order:
        members = points[p]
        vals = [v for r in members if r.status == "done" and (v := score_value(r, "val")) is not None]
        rows.append(SweepPoint(
            values=tuple(p), n=len(members), n_done=sum(r.status == "done" for r in members),
            n_diverged=sum(r.status == "diverged" for r in members),
            n_failed=sum(r.status == "failed" for r in members),
            test=_mean_std(means[p]), val=_mean_std(vals),
            best=bool(means[p]) and statistics.fmean(means[p]) == best_mean))
    return Sweep(name, slug, len(runs), tuple(keys), tuple(rows), heatmap_table(runs))
