"""The playground's presets over HTTP: ``GET /api/playground/presets?task=NAME``.

For the page's "Presets" picker: the curated configurations of :mod:`neuronlab.playground.presets` and
the task's three best runs saved from the playground, each with the page URL that applies it (a saved
run's URL replays its epoch and hand-set weights, as any shared playground link does).

It needs no token, so like the run browser it offers lab-wide runs only: a run saved in a class, shown
or hidden on its feed, is never listed here.  Included before the playground's router, whose
``/api/playground/{sid}`` would otherwise take "presets" for a session id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from neuronlab.playground.presets import best_saved, builtin
from neuronlab.playground.urls import page_url
from neuronlab.web.deps import StoreDep
from neuronlab.web.routes.playground import tasks

router = APIRouter(prefix="/api/playground", tags=["playground"])


class PresetOut(BaseModel):
    name: str
    why: str = Field(description="What the preset shows a student.")
    epochs: int = Field(description="Trained this many epochs from its seed, the test score is at least `score`.")
    metric: Literal["accuracy", "r2"]
    score: float
    url: str = Field(description="The playground page in this configuration, at epoch 0.")


class SavedOut(BaseModel):
    run_id: int
    metric: Literal["accuracy", "r2"]
    score: float = Field(description="On the run's own test split.")
    epoch: int
    created_at: datetime
    url: str = Field(description="The playground page replaying the run: its configuration, epoch and edits.")


class PresetsOut(BaseModel):
    task: str
    builtin: list[PresetOut]
    saved: list[SavedOut] = Field(description="The best lab-wide runs saved from the playground, best first (3).")


@router.get("/presets", response_model=PresetsOut)
def presets(store: StoreDep, task: Annotated[str, Query(min_length=1, max_length=80)]) -> PresetsOut:
    """Good configurations for ``task``: curated ones (each trained and checked by the tests) and the best
    three runs saved from the playground on it."""
    known = {t.name: t for t in tasks() if t.n_features <= 2}
    if task not in known and not task.startswith("csv:"):
        raise HTTPException(404, f"no playground task {task!r}; choose one of the tasks the playground lists "
                                 "(GET /api/tasks, those with 1 or 2 inputs)")
    metric: Literal["accuracy", "r2"] = "r2" if task in known and known[task].kind == "regression" else "accuracy"
    return PresetsOut(
        task=task,
        builtin=[PresetOut(name=p.name, why=p.why, epochs=p.epochs, metric=metric, score=p.score,
                           url=page_url(p.config)) for p in builtin(task)],
        saved=[SavedOut(run_id=s.run_id, metric=s.metric, score=s.score,
                        epoch=s.epoch, created_at=s.created_at, url=page_url(s.config, s.epoch, s.edits))
               for s in best_saved(store, task)])
