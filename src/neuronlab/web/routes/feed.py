"""The class feed over HTTP: runs saved in a class, the feed and progress pages, hiding, the export.

Thin on purpose: who may see or do what is :mod:`neuronlab.classroom.feed`'s rule; this module maps
requests to it (errors as the scoreboard maps them: 401, 403, 404, 400).  Every call needs a token of
the class (``Authorization: Bearer``); the pages are shells whose script sends the token the browser
kept when its student joined, so nothing of a class is in a page a stranger can load.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from neuronlab.classroom import ClassFeed, FeedEntry
from neuronlab.classroom.feed import MAX_ENTRIES, MAX_NOTE
from neuronlab.playground import PlaygroundConfig, WeightEdit
from neuronlab.playground.urls import page_url
from neuronlab.store import RunStore, hash_spec
from neuronlab.web.deps import SessionDep
from neuronlab.web.routes.scoreboard import JOIN_PAGE, ClassId, ClassroomRoute, TokenDep, get_classroom, templates
from neuronlab.web.training import trainers

router = APIRouter(route_class=ClassroomRoute, tags=["class feed"])
RunId = Annotated[int, Path(ge=1, le=2**62, description="A run's id")]


def get_feed(request: Request) -> ClassFeed:
    """The app's ClassFeed, on the classroom and the lab's own run store (made on first use)."""
    state = request.app.state
    feed = getattr(state, "feed", None)
    if feed is None:
        store = getattr(state, "store", None)
        feed = state.feed = ClassFeed(get_classroom(request), store if isinstance(store, RunStore) else None)
    assert isinstance(feed, ClassFeed)
    return feed


FeedDep = Annotated[ClassFeed, Depends(get_feed)]


# -- request and response models ------------------------------------------------------------------------------


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(None, max_length=MAX_NOTE, description="What you tried and what you saw.")


class HideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hidden: bool = True


class RunIn(BaseModel):
    """A finished run of your own machine (``neuronlab class share --url``): its record, no figures."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    experiment: str = Field(min_length=1, max_length=200)
    task: str = Field(min_length=1, max_length=200)
    model: str = Field(min_length=1, max_length=200)
    seed: int = Field(ge=0, lt=2**31)
    spec: dict[str, Any]
    params: dict[str, Any] = Field(default_factory=dict)
    status: Literal["done", "failed", "diverged"] = "done"
    metrics: dict[str, Any] = Field(default_factory=dict)
    note: str | None = Field(None, max_length=MAX_NOTE)


class FeedEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    run_id: int
    class_id: int
    member_id: int | None
    author: str
    created_at: datetime
    experiment: str
    task: str
    model: str
    seed: int
    status: str
    metric: str | None = Field(description="accuracy or r2: the run's score on its own task's test split.")
    score: float | None
    ceiling: float | None = Field(description="The best score possible on the run's task, when known.")
    note: str | None
    playground_url: str | None = Field(description="Opens the run in your own playground, in the same state.")
    hidden: bool
    mine: bool


def playground_url(state: Mapping[str, Any] | None) -> str | None:
    """The playground page's URL for a saved state (``playground.urls.page_url``), or None without one."""
    if state is None:
        return None
    return page_url(PlaygroundConfig.model_validate(state["config"]), state.get("epoch") or 0,
                    [WeightEdit(**e) for e in state.get("edits") or ()])


def _out(entry: FeedEntry) -> FeedEntryOut:
    values = {k: v for k, v in entry.__dict__.items() if k != "playground"}
    return FeedEntryOut(**values, playground_url=playground_url(entry.playground))


# -- the JSON API ---------------------------------------------------------------------------------------------


@router.get("/api/class/classes/{class_id}/feed", response_model=list[FeedEntryOut])
def feed(class_id: ClassId, feed: FeedDep, token: TokenDep,
         task: Annotated[str | None, Query(max_length=200, description="Only runs on this task.")] = None,
         member_id: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Only this student's runs.")] = None,
         limit: Annotated[int, Query(ge=1, le=MAX_ENTRIES)] = 200) -> list[FeedEntryOut]:
    """The class's saved runs, newest first: who saved what, the note, its score against the ceiling."""
    return [_out(e) for e in feed.entries(class_id=class_id, token=token, task=task or None, member_id=member_id,
                                          limit=limit)]


@router.post("/api/class/playground/{sid}/save", response_model=FeedEntryOut, status_code=201)
async def save_playground(session: SessionDep, request: Request, feed: FeedDep, token: TokenDep,
                          body: NoteIn | None = None) -> FeedEntryOut:
    """Save the playground session as a run in your class, with a note (your student token)."""
    note = None if body is None else body.note
    await anyio.to_thread.run_sync(functools.partial(feed.room.whoami, token=token))  # a stranger: before any work
    async with trainers(request.app).hold(request, session):  # no training moves it while it is recorded
        record = await anyio.to_thread.run_sync(session.run_record)
    entry = await anyio.to_thread.run_sync(functools.partial(feed.save, token=token, record=record, note=note))
    return _out(entry)


@router.post("/api/class/runs", response_model=FeedEntryOut, status_code=201)
def upload_run(body: RunIn, feed: FeedDep, token: TokenDep) -> FeedEntryOut:
    """Save a run of your own machine in your class (its record only: no figures, no predictions)."""
    record = body.model_dump(exclude={"note"})
    record["spec_hash"] = hash_spec(body.spec)
    return _out(feed.save(token=token, record=record, note=body.note))


@router.post("/api/class/runs/{run_id}/hide", response_model=FeedEntryOut)
def hide(run_id: RunId, feed: FeedDep, token: TokenDep, body: HideIn | None = None) -> FeedEntryOut:
    """Hide an entry from the class feed, or show it again with ``{"hidden": false}`` (instructor)."""
    return _out(feed.hide(run_id=run_id, token=token, hidden=True if body is None else body.hidden))


@router.get("/api/class/classes/{class_id}/runs/export", response_class=Response,
            responses={200: {"content": {"text/csv": {}, "application/json": {}}}})
def export(class_id: ClassId, feed: FeedDep, token: TokenDep,
           format: Annotated[Literal["csv", "json"], Query(description="csv or json")] = "csv") -> Response:
    """Every run of the class with author, note, hidden flag, parameters and metrics (instructor)."""
    media = "text/csv" if format == "csv" else "application/json"
    return Response(feed.export(class_id=class_id, token=token, format=format), media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="class-{class_id}-runs.{format}"'})


# -- pages ----------------------------------------------------------------------------------------------------


def _page(request: Request, class_id: int, view: Literal["feed", "progress"],
          member_id: int | None = None) -> HTMLResponse:
    return templates.TemplateResponse(request, "scoreboard/feed.html", {
        "page": "scoreboard", "scoreboard": JOIN_PAGE, "class_id": class_id, "view": view, "member_id": member_id})


@router.get("/class/{class_id}/feed", response_class=HTMLResponse, include_in_schema=False)
def feed_page(request: Request, class_id: ClassId) -> HTMLResponse:
    return _page(request, class_id, "feed")


@router.get("/class/{class_id}/progress", response_class=HTMLResponse, include_in_schema=False)
def progress_page(request: Request, class_id: ClassId,
                  member: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> HTMLResponse:
    """Your own progress (or, with ``member``, a classmate's): the runs of one student, newest first."""
    return _page(request, class_id, "progress", member)
