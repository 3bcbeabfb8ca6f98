"""What the store hands back: plain frozen records, and the tables made from them (compare, export)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal

from neuronlab.errors import ConfigError
from neuronlab.store.codec import flatten

_MISSING = object()


@dataclass(frozen=True)
class RunSummary:
    """One run as listed: no spec text, history or artifacts."""

    id: int
    experiment: str
    task: str
    model: str
    seed: int
    status: str
    sweep: str | None
    spec_hash: str
    oneoff: bool
    created_at: datetime
    finished_at: datetime | None
    duration_s: float | None
    diverged_epoch: int | None
    metrics: dict[str, Any]
    params: dict[str, Any]
    class_id: int | None  # the class it was saved in (None: a lab-wide run)
    author: str | None  # the class member who saved it, by display name


@dataclass(frozen=True)
class ClassRun(RunSummary):
    """A run saved in a class, as its feed lists it: who, the note, the spec that replays it."""

    member_id: int | None
    hidden: bool  # by the class's instructor: off the feed for students
    notes: str | None
    spec: dict[str, Any]


@dataclass(frozen=True)
class RunRecord(RunSummary):
    """One run in full."""

    spec: dict[str, Any]
    versions: dict[str, Any]
    error: str | None
    notes: str | None
    owner: str
    started_at: datetime | None
    heartbeat_at: datetime
    history: dict[str, list[float]] | None
    artifacts: tuple[str, ...]


@dataclass(frozen=True)
class Comparison:
    """Runs side by side: the parameters that differ (one value per run, None where absent), those they
    share, and every metric flattened to ``"val.accuracy"``-style keys."""

    run_ids: tuple[int, ...]
    differing: dict[str, tuple[Any, ...]]
    same: dict[str, Any]
    metrics: dict[str, tuple[Any, ...]]


def compare(runs: list[RunSummary]) -> Comparison:
    keys = sorted({key for run in runs for key in run.params})
    differing: dict[str, tuple[Any, ...]] = {}
    same: dict[str, Any] = {}
    for key in keys:
        values = tuple(run.params.get(key, _MISSING) for run in runs)
        if all(value == values[0] for value in values) and values[0] is not _MISSING:
            same[key] = values[0]
        else:
            differing[key] = tuple(None if value is _MISSING else value for value in values)
    flat = [flatten("", run.metrics, {}) for run in runs]
    metric_keys = sorted({key for row in flat for key in row})
    metrics = {key: tuple(row.get(key) for row in flat) for key in metric_keys}
    return Comparison(tuple(run.id for run in runs), differing, same, metrics)


_COLUMNS = [f.name for f in fields(RunSummary) if f.name not in ("metrics", "params")]


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _inert(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (a student's note or name: ``=HYPERLINK(...)``) gets a
    leading apostrophe, so opening the export runs nothing; numbers are left as they are."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export(runs: list[RunSummary], fmt: Literal["csv", "json"]) -> str:
    """``runs`` as CSV (one column per parameter ``params.x`` and metric ``metrics.val.accuracy``) or as
    a JSON list of objects with ``params`` and ``metrics`` nested."""
    # A class's runs (ClassRun) carry their notes and hidden flag too; the spec stays out (it is JSON).
    columns = [f.name for f in fields(runs[0]) if f.name not in ("metrics", "params", "spec")] if runs else _COLUMNS
    if fmt == "json":
        rows = [{**{c: _cell(getattr(run, c)) for c in columns},
                 "params": run.params, "metrics": run.metrics} for run in runs]
        return json.dumps(rows, indent=1, sort_keys=True)
    if fmt != "csv":
        raise ConfigError(f"unknown export format {fmt!r}; use 'csv' or 'json'")
    flat = [{**{c: _cell(getattr(run, c)) for c in columns},
             **flatten("params", run.params, {}), **flatten("metrics", run.metrics, {})} for run in runs]
    extra = sorted({key for row in flat for key in row} - set(columns))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns + extra, lineterminator="\n")
    writer.writeheader()
    for row in flat:
        writer.writerow({k: json.dumps(v) if isinstance(v, list) else _inert(v) for k, v in row.items()})
    return out.getvalue()
