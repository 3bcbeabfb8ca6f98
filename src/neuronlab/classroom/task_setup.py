"""Making a class task from an instructor's request: its data (a built-in task or an uploaded CSV), the
random public/private split of its test rows, and the rows the service stores.

Unless the request sets a ``seed``, a secret one is drawn: with a public seed anyone could rebuild
the test labels of a generated task.  The seed is therefore never stored with the task's source.
"""

from __future__ import annotations

import math
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from neuronlab.classroom import inputs, sizing
from neuronlab.classroom.ladder import derived_step
from neuronlab.errors import ConfigError, NeuronlabError


@dataclass(frozen=True)
class NewTask:
    """A task ready to insert: its ``class_tasks`` columns (but its class and creation time) and answers."""

    row: dict[str, Any]
    y_test: list[float]  # class indices into row["labels"], or targets
    public_rows: list[int]  # sorted positions of the public test rows


def prepare(*, name: str | None, task: str | None, params: Mapping[str, Any] | None, csv_text: str | bytes | None,
            target: str | None, kind: str | None, test_fraction: float, public_fraction: float,
            quota_per_day: int | None, quota_total: int | None, ladder_step: float | None) -> NewTask:
    """Check the request, build the task's data and split its test rows (``Classroom.add_task``'s rules)."""
    if (task is None) == (csv_text is None):
        raise ConfigError("give either a built-in task name or a CSV (with its target column), not both")
    fraction = inputs.fraction("public_fraction", public_fraction)
    step = None if ladder_step is None else inputs.positive("ladder_step", ladder_step, maximum=1.0)
    quotas = {key: inputs.quota(key, value) for key, value in
              (("quota_per_day", quota_per_day), ("quota_total", quota_total))}
    params = dict(params or {})
    seed = params.pop("seed", None)
    if seed is None:
        seed = secrets.randbelow(2**31)
    built, source = (builtin(task, sizing.class_params(task, params, public_fraction=fraction), seed)
                     if task is not None else from_csv(csv_text or b"", target, kind, seed, test_fraction))
    n_test = len(built.y_test)
    least = 4 if built.kind == "regression" else 2  # R² needs two rows on each side
    if n_test < least:
        raise ConfigError(f"the task has {n_test} test rows; the public/private split needs at least {least}:"
                          " use more samples or a larger test_fraction")
    n_public = min(max(round(fraction * n_test), least // 2), n_test - least // 2)
    rng = np.random.default_rng(int(built.params["seed"]))  # the seed as the task loader checked it
    public = public_rows(rng, built.y_test, n_public, stratify=built.kind != "regression")
    if step is None:
        step = derived_step(n_public)
    labels = None if built.kind == "regression" else (
        tuple(built.class_names) if built.class_names else tuple(str(i) for i in range(built.n_classes or 0)))
    y_dev = built.y_dev
    targets = y_dev.tolist() if labels is None else [labels[int(v)] for v in y_dev]
    title = inputs.clean_name(name if name is not None else (task or str(source.get("csv", "csv"))), "task name", 200)
    row = dict(name=title, kind=built.kind, metric="r2" if labels is None else "accuracy", source=source,
               feature_names=list(built.feature_names), labels=None if labels is None else list(labels),
               train={"X": built.X_dev.tolist(), "y": targets}, test_inputs=built.X_test.tolist(),
               n_train=len(y_dev), n_test=n_test, n_public=n_public,
               public_fraction=fraction, ladder_step=step, status="open", **quotas)
    return NewTask(row=row, y_test=built.y_test.tolist(), public_rows=public.tolist())


def builtin(name: str, params: dict[str, Any], seed: int) -> tuple[Any, dict[str, Any]]:
    """The built-in task ``name`` and its source record (its parameters without the seed)."""
    from neuronlab.tasks import load_task

    try:
        built = load_task(name, seed=seed, **params)
    except NeuronlabError:
        raise
    except (TypeError, ValueError, OverflowError) as exc:
        raise ConfigError(f"cannot build task {name!r} with {params} ({exc}); check the parameters") from None
    shown = {k: v for k, v in built.params.items() if k != "seed"}
    if any((isinstance(v, str) and inputs.printable(v) != v) or (isinstance(v, float) and not math.isfinite(v))
           for v in shown.values()):
        raise ConfigError(f"task parameters must be finite numbers or printable text, got {inputs.short(params)}")
    return built, {"task": name, "params": shown}


def from_csv(text: str | bytes, target: str | None, kind: str | None, seed: int,
             test_fraction: float) -> tuple[Any, dict[str, Any]]:
    """The task an uploaded CSV makes, split by the task loader, and its source record."""
    from neuronlab.tasks import load_csv

    if not target:
        raise ConfigError("a CSV task needs its target column: pass target=<column name>")
    data = text.encode("utf-8") if isinstance(text, str) else text
    with tempfile.TemporaryDirectory(prefix="nlclass-") as tmp:
        path = Path(tmp) / "task.csv"
        path.write_bytes(data)
        built = load_csv(path, target, kind=kind, seed=seed, test_fraction=test_fraction)
    return built, {"csv": "upload", "target": target, "test_fraction": test_fraction}


def public_rows(rng: np.random.Generator, y: np.ndarray, n_public: int, *, stratify: bool) -> np.ndarray:
    """``n_public`` test rows drawn at random, by class in proportion when ``stratify`` (sorted).

    Stratified, a constant prediction scores the same class share on the public part as on the whole
    (50 % on a balanced task): the public board does not start a prober above chance by luck of the draw.
    """
    order = rng.permutation(len(y))
    if not stratify:
        return np.sort(order[:n_public])
    # Rank each row within its class (in the random order), then take rows by that rank scaled to the
    # class's size: every class contributes in proportion, and the total is exactly n_public.
    position = np.empty(len(y), dtype=float)
    for value in np.unique(y):
        members = order[y[order] == value]
        position[members] = (np.arange(len(members)) + 0.5) / len(members)
    chosen = order[np.argsort(position[order], kind="stable")]  # stable: ties keep the random order
    return np.sort(chosen[:n_public])
