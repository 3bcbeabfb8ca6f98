"""The run browser's API: list, filter, show, compare, export, notes — the data of ``neuronlab runs``.

It needs no token, so it serves lab-wide runs only: a run saved in a class is its class's (seen
through the class feed, :mod:`neuronlab.web.routes.feed`), and here it is as absent as a run that
does not exist (404, never 403: a stranger learns nothing, not even that it exists).
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Response

from neuronlab.errors import NeuronlabError
from neuronlab.experiments.figures_on_demand import FIGURE_NAMES, run_figure
from neuronlab.store import StoreError
from neuronlab.store.records import RunRecord
from neuronlab.web.deps import StoreDep
from neuronlab.web.schemas import CompareOut, NoteIn, RunDetailOut, RunOut

router = APIRouter(prefix="/api/runs", tags=["runs"])
MAX_COMPARE = 12
MAX_LISTED = 5000  # runs a task-name search looks through (newest first)
MAX_ID = 2**62  # run ids are database integers (SQLite and PostgreSQL hold up to 2**63 - 1)
RunId = Annotated[int, Path(ge=1, le=MAX_ID, description="A run's id")]


def _finite(history: dict[str, list[float]] | None) -> dict[str, list[float | None]] | None:
    """NaN (e.g. no validation set) is not JSON: send null."""
    if history is None:
        return None
    return {k: [v if math.isfinite(v) else None for v in values] for k, values in history.items()}


def lab_wide(store: StoreDep, run_id: int, *, missing_ok: bool = False) -> None:
    """404 unless ``run_id`` is a lab-wide run: one saved in a class, or (unless ``missing_ok``, when the
    caller says what is missing itself) no such run."""
    try:
        class_id = store.class_of(run_id)
    except StoreError as exc:
        if missing_ok:
            return
        raise HTTPException(404, str(exc)) from None
    if class_id is not None:
        raise HTTPException(404, f"no run {run_id} in the run browser; a run saved in a class is on that "
                                 "class's feed")


def _record(store: StoreDep, run_id: int) -> RunRecord:
    lab_wide(store, run_id)
    try:
        return store.get(run_id)
    except StoreError as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("", response_model=list[RunOut])
def list_runs(
    store: StoreDep,
    task: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    sweep: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[dict[str, Any]]:
    """Runs newest first, filtered by status, sweep or task: any run whose task name contains ``task``
    (case-insensitive: "moon" finds moons; people remember part of a name, not its exact spelling)."""
    if not task:
        return [asdict(r) for r in store.list_runs(status=status, sweep=sweep, limit=limit, lab_only=True)]
    needle = task.casefold()
    runs = store.list_runs(status=status, sweep=sweep, limit=MAX_LISTED, lab_only=True)
    return [asdict(r) for r in runs if needle in r.task.casefold()][:limit]


@router.get("/export")
def export_runs(store: StoreDep, format: Literal["csv", "json"] = "csv",
                task: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    """Every run (of one task) as CSV or JSON, as ``neuronlab runs export``."""
    media = "text/csv" if format == "csv" else "application/json"
    return Response(store.export(format=format, task=task, lab_only=True), media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="runs.{format}"'})


@router.get("/compare", response_model=CompareOut)
def compare_runs(store: StoreDep, ids: Annotated[str, Query(max_length=200, pattern=r"^\d+(,\d+)*$",
                                                            description="Run ids, comma-separated")]) -> CompareOut:
    """Parameters that differ, every metric, learning curves and pictures of up to 12 runs."""
    run_ids = list(dict.fromkeys(int(i) for i in ids.split(",")))
    if any(i > MAX_ID for i in run_ids):
        raise HTTPException(404, f"no run with an id above {MAX_ID}; check the ids")
    if len(run_ids) > MAX_COMPARE:
        raise HTTPException(400, f"compare at most {MAX_COMPARE} runs at once; got {len(run_ids)}")
    for run_id in run_ids:
        lab_wide(store, run_id)
    try:
        comparison = store.compare(run_ids)
    except StoreError as exc:
        raise HTTPException(404, str(exc)) from None
    records = [store.get(i) for i in run_ids]
    differing = {k: list(v) for k, v in comparison.differing.items()}
    epochs = [_epochs(r) for r in records]  # not a parameter, but often the difference that matters
    if len(set(epochs)) > 1:
        differing["epochs"] = list(epochs)
    return CompareOut(run_ids=list(comparison.run_ids),
                      differing=differing,
                      same=comparison.same, metrics={k: list(v) for k, v in comparison.metrics.items()},
                      histories={str(r.id): _finite(r.history) for r in records},
                      artifacts={str(r.id): list(r.artifacts) for r in records})


def _epochs(record: RunRecord) -> int | None:
    """Epochs the run trained: a playground run's epoch (its spec), else its history's length."""
    if isinstance(record.spec, dict) and isinstance(record.spec.get("epoch"), int):
        return int(record.spec["epoch"])
    losses = (record.history or {}).get("train_loss")
    return len(losses) if losses else None


@router.get("/{run_id}", response_model=RunDetailOut)
def get_run(store: StoreDep, run_id: RunId) -> dict[str, Any]:
    """One run in full: spec, metrics, history, artifact names, notes."""
    record = _record(store, run_id)
    values = asdict(record)
    values["history"] = _finite(record.history)
    values["artifacts"] = list(record.artifacts)
    return values


@router.get("/{run_id}/artifacts/{name}")
def get_artifact(store: StoreDep, run_id: RunId, name: Annotated[str, Path(max_length=200)]) -> Response:
    """One stored figure (PNG) or file of the run; a figure the run was recorded without
    (``fit.png``, ``learning_curves.png``) is drawn now and stored, so only the first view waits."""
    lab_wide(store, run_id, missing_ok=True)
    try:
        data = store.artifact(run_id, name)
    except StoreError as exc:
        if name not in FIGURE_NAMES:
            raise HTTPException(404, str(exc)) from None
        try:
            data = run_figure(store, run_id, name)
        except NeuronlabError as why:  # no such run, or nothing to draw: the image is not there
            raise HTTPException(404, str(why)) from None
    media = "image/png" if name.endswith(".png") else "application/octet-stream"
    return Response(data, media_type=media, headers={"Cache-Control": "max-age=3600"})


@router.post("/{run_id}/notes", response_model=RunDetailOut)
def add_note(store: StoreDep, run_id: RunId, note: NoteIn) -> dict[str, Any]:
    """Append a note (stamped with the time) to the run's lab notebook entry."""
    lab_wide(store, run_id)
    try:
        store.add_note(run_id, note.text)
    except StoreError as exc:
        raise HTTPException(404, str(exc)) from None
    return get_run(store, run_id)
