"""The class scoreboard over HTTP: a JSON API (``/api/class/...``) and three small pages (``/class/...``).

Thin on purpose: every rule (tokens, quotas, scoring, the Ladder, the private ranking) lives in
:mod:`neuronlab.classroom`; this module only maps requests to those calls and their errors to HTTP
codes (401 no or unknown token, 403 not yours, 404 no such thing, 409 closed, 413 too large, 429 over
quota, 400 anything else the user can fix).  Instructor actions and a student's own submissions need
``Authorization: Bearer <token>``; the board, a task's rules, its training rows and test inputs are
public, the test labels never leave the service.

This module holds only the routes, API and pages, on one ``router`` (one flat list of routes, which
``create_app`` reads to find the join page); beside it live the route class with the body limits and error
codes (:mod:`~neuronlab.web.routes.scoreboard_route`), the dependencies
(:mod:`~neuronlab.web.routes.scoreboard_deps`) and the request and response models
(:mod:`~neuronlab.web.routes.scoreboard_models`), and every public name they had here is still importable from here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path as FilePath
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.templating import Jinja2Templates

from neuronlab.classroom import Classroom
from neuronlab.classroom.risk import board_warning
from neuronlab.web.routes.scoreboard_deps import (
    ClassId,
    Format,
    RoomDep,
    TaskId,
    TokenDep,
    get_classroom,
    get_token,
    open_classroom,
)
from neuronlab.web.routes.scoreboard_models import (
    BoardOut,
    BoardRowOut,
    ClassOut,
    CodesIn,
    CodesOut,
    JoinIn,
    JoinOut,
    Me,
    NewTask,
    NewTaskOut,
    PredictionsIn,
    RankOut,
    Rows,
    SubmissionOut,
    SubmittedOut,
    TaskOut,
)
from neuronlab.web.routes.scoreboard_route import LARGE_BODY, SMALL_BODY, ClassroomRoute

__all__ = ["JOIN_PAGE", "LARGE_BODY", "SMALL_BODY", "BoardOut", "BoardRowOut", "ClassId", "ClassOut",
           "ClassroomRoute", "CodesIn", "CodesOut", "Format", "JoinIn", "JoinOut", "Me", "NewTask", "NewTaskOut",
           "PredictionsIn", "RankOut", "RoomDep", "Rows", "SubmissionOut", "SubmittedOut", "TaskId", "TaskOut",
           "TokenDep", "add_task", "board", "board_page", "class_info", "class_page", "close", "export",
           "get_classroom", "get_token", "issue_codes", "join", "join_page", "me", "open_classroom", "router",
           "submissions", "submit", "task_info", "templates", "test_inputs", "train_rows"]

router = APIRouter(route_class=ClassroomRoute, tags=["scoreboard"])
templates = Jinja2Templates(directory=FilePath(__file__).parents[1] / "templates")


def _submitted(room: Classroom, task_id: int, token: str | None, view: Any) -> SubmittedOut:
    """``view`` with the quotas left, counted as the service counts them (rejected submissions too; the day
    in UTC, from the new submission's own timestamp, which is the server's clock)."""
    task = room.task_info(task_id=task_id)
    mine = room.submissions(task_id=task_id, token=token)
    def utc(when: datetime) -> datetime:
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)

    midnight = utc(view.created_at).replace(hour=0, minute=0, second=0, microsecond=0)
    today = sum(utc(s.created_at) >= midnight for s in mine)
    return SubmittedOut.model_validate({
        **SubmissionOut.model_validate(view).model_dump(), "ladder_step": task.ladder_step,
        "remaining_today": None if task.quota_per_day is None else max(0, task.quota_per_day - today),
        "remaining_total": None if task.quota_total is None else max(0, task.quota_total - len(mine))})


_SUBMIT_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": PredictionsIn.model_json_schema()},
    "text/csv": {"schema": {"type": "string", "description": "columns id,prediction; one row per test id"}}}}}


# -- the JSON API --------------------------------------------------------------------------------------------


@router.get("/api/class/me", response_model=Me)
def me(room: RoomDep, token: TokenDep) -> Any:
    """Who the bearer token belongs to."""
    return room.whoami(token=token)


@router.get("/api/class/classes/{class_id}", response_model=ClassOut)
def class_info(class_id: ClassId, room: RoomDep) -> Any:
    """A class and its tasks (rules and status; no answers)."""
    return room.class_info(class_id=class_id)


@router.post("/api/class/classes/{class_id}/tasks", response_model=NewTaskOut, status_code=201)
def add_task(class_id: ClassId, body: NewTask, room: RoomDep, token: TokenDep) -> Any:
    """Add a built-in task or a CSV with a held-out test split (instructor); ``warning`` says when its board is
    too small to resist probing."""
    info = room.add_task(class_id=class_id, instructor_token=token, name=body.name, task=body.task,
                         params=body.params, csv_text=body.csv, target=body.target, kind=body.kind,
                         test_fraction=body.test_fraction, public_fraction=body.public_fraction,
                         quota_per_day=body.quota_per_day, quota_total=body.quota_total, ladder_step=body.ladder_step)
    return NewTaskOut.model_validate({**TaskOut.model_validate(info).model_dump(), "warning": board_warning(info)})


@router.post("/api/class/classes/{class_id}/codes", response_model=CodesOut, status_code=201)
def issue_codes(class_id: ClassId, body: CodesIn, room: RoomDep, token: TokenDep) -> Any:
    """Single-use join codes for students (instructor)."""
    return CodesOut(class_id=class_id, codes=room.issue_join_codes(class_id=class_id, instructor_token=token, n=body.n))


@router.post("/api/class/join", response_model=JoinOut, status_code=201)
def join(body: JoinIn, room: RoomDep) -> Any:
    """Join a class with a join code; answers with your student token (shown once)."""
    member, token = room.join(code=body.code, name=body.name)
    return JoinOut(class_id=member.class_id, member_id=member.id, name=member.name, token=token)


@router.get("/api/class/tasks/{task_id}", response_model=TaskOut)
def task_info(task_id: TaskId, room: RoomDep) -> Any:
    return room.task_info(task_id=task_id)


@router.get("/api/class/tasks/{task_id}/inputs", response_model=Rows)
def test_inputs(task_id: TaskId, room: RoomDep, format: Format = "json") -> Any:
    """The test rows to predict: ids and features only."""
    inputs = room.test_inputs(task_id=task_id)
    if format == "csv":
        return PlainTextResponse(inputs.to_csv(), media_type="text/csv")
    return Rows(task_id=task_id, feature_names=list(inputs.feature_names), ids=list(range(len(inputs.rows))),
                rows=[list(r) for r in inputs.rows])


@router.get("/api/class/tasks/{task_id}/train", response_model=Rows)
def train_rows(task_id: TaskId, room: RoomDep, format: Format = "json") -> Any:
    """The rows to learn from, with their targets."""
    data = room.train_data(task_id=task_id)
    if format == "csv":
        return PlainTextResponse(data.to_csv(), media_type="text/csv")
    return Rows(task_id=task_id, feature_names=list(data.feature_names), ids=list(range(len(data.rows))),
                rows=[list(r) for r in data.rows], targets=list(data.targets))


@router.post("/api/class/tasks/{task_id}/submissions", response_model=SubmittedOut, status_code=201,
             openapi_extra=_SUBMIT_BODY)
async def submit(task_id: TaskId, request: Request, room: RoomDep, token: TokenDep) -> Any:
    """Submit predictions (CSV ``id,prediction`` or JSON) or a saved run's; malformed ones count toward quota."""
    body = await request.body()
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    predictions: Any = body
    run_id: Any = None
    if media in ("text/csv", "text/plain", "application/csv"):
        fmt: Literal["csv", "json"] = "csv"
    elif media == "application/json":
        fmt = "json"
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            data = None  # left as bytes: the service records it as rejected
        if isinstance(data, dict) and "run_id" in data:
            run_id, predictions = data["run_id"], data.get("predictions")
    else:
        return JSONResponse({"detail": f"send predictions as text/csv or application/json, not {media or 'nothing'}"},
                            status_code=415)
    def record() -> SubmittedOut:  # one hand-off to a thread for the submission and the answer's figures
        view = room.submit(task_id=task_id, student_token=token, predictions=predictions, format=fmt, run_id=run_id)
        return _submitted(room, task_id, token, view)

    return await run_in_threadpool(record)


@router.get("/api/class/tasks/{task_id}/submissions", response_model=list[SubmissionOut])
def submissions(task_id: TaskId, room: RoomDep, token: TokenDep) -> Any:
    """Your own submissions (a student), or all of them (the instructor)."""
    return room.submissions(task_id=task_id, token=token)


@router.get("/api/class/tasks/{task_id}/board", response_model=BoardOut)
def board(task_id: TaskId, room: RoomDep) -> Any:
    """The public board (Ladder rule), and the private ranking once the task is closed."""
    return room.public_board(task_id=task_id)


@router.post("/api/class/tasks/{task_id}/close", response_model=list[RankOut])
def close(task_id: TaskId, room: RoomDep, token: TokenDep) -> Any:
    """Close the task and reveal the private ranking (instructor)."""
    return room.close_task(task_id=task_id, instructor_token=token)


@router.get("/api/class/tasks/{task_id}/export.csv", response_class=PlainTextResponse,
            responses={200: {"content": {"text/csv": {}}}})
def export(task_id: TaskId, room: RoomDep, token: TokenDep) -> PlainTextResponse:
    """Every submission with its exact scores (instructor)."""
    return PlainTextResponse(room.export_csv(task_id=task_id, instructor_token=token), media_type="text/csv")


# -- pages ---------------------------------------------------------------------------------------------------


JOIN_PAGE = "/class/join"  # the scoreboard's entry page (the lab's nav links here)


def _page(request: Request, name: str, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, f"scoreboard/{name}",
                                      {"page": "scoreboard", "scoreboard": JOIN_PAGE, **context})


@router.get(JOIN_PAGE, response_class=HTMLResponse, include_in_schema=False)
def join_page(request: Request) -> HTMLResponse:
    return _page(request, "join.html")


@router.get("/class/{class_id}", response_class=HTMLResponse, include_in_schema=False)
def class_page(request: Request, class_id: ClassId, room: RoomDep) -> HTMLResponse:
    return _page(request, "class.html", room=room.class_info(class_id=class_id))


@router.get("/class/tasks/{task_id}", response_class=HTMLResponse, include_in_schema=False)
def board_page(request: Request, task_id: TaskId, room: RoomDep) -> HTMLResponse:
    return _page(request, "board.html", board=room.public_board(task_id=task_id))
