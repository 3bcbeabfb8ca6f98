"""The class scoreboard over HTTP: a JSON API (``/api/class/...``) and three small pages (``/class/...``).

Thin on purpose: every rule (tokens, quotas, scoring, the Ladder, the private ranking) lives in
:mod:`neuronlab.classroom`; this module only maps requests to those calls and their errors to HTTP
codes (401 no or unknown token, 403 not yours, 404 no such thing, 409 closed, 413 too large, 429 over
quota, 400 anything else the user can fix).  Instructor actions and a student's own submissions need
``Authorization: Bearer <token>``; the board, a task's rules, its training rows and test inputs are
public, the test labels never leave the service.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field

from neuronlab.classroom import AuthError, Classroom, ClosedError, ForbiddenError, NotFoundError, QuotaError, defaults
from neuronlab.classroom.risk import board_warning
from neuronlab.errors import NeuronlabError
from neuronlab.store import StoreError

SMALL_BODY = 16_000  # names, codes, settings
LARGE_BODY = 2_000_000  # a CSV of predictions or of a new task
_LARGE_PATHS = ("/tasks", "/submissions")  # POST a new task (maybe a CSV) or predictions; the rest are small
_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (AuthError, 401), (ForbiddenError, 403), (NotFoundError, 404), (ClosedError, 409), (QuotaError, 429),
    (StoreError, 503), (NeuronlabError, 400))


class ClassroomRoute(APIRoute):
    """Per-route body limits (read before parsing) and the classroom's errors as their HTTP codes."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        limit = LARGE_BODY if self.path.endswith(_LARGE_PATHS) else SMALL_BODY

        async def limited(request: Request) -> Response:
            if request.method in ("POST", "PUT", "PATCH"):
                declared = request.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    return _too_large(limit)
                body = bytearray()
                async for chunk in request.stream():
                    body += chunk
                    if len(body) > limit:
                        return _too_large(limit)
                request._body = bytes(body)  # FastAPI reads the body from here (its documented route-class recipe)
            try:
                return await handler(request)
            except NeuronlabError as exc:
                status = next(code for kind, code in _STATUS if isinstance(exc, kind))
                headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
                return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)

        return limited


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse({"detail": f"the request body is over {limit} bytes; send less"}, status_code=413)


router = APIRouter(route_class=ClassroomRoute, tags=["scoreboard"])
templates = Jinja2Templates(directory=FilePath(__file__).parents[1] / "templates")
_bearer = HTTPBearer(auto_error=False, description="The instructor token or a student's token.")


def get_classroom(request: Request) -> Classroom:
    """The app's Classroom, opened once on the store's URL (``app.state.db_url``, set by create_app)."""
    state = request.app.state
    room = getattr(state, "classroom", None)
    if room is None:
        room = state.classroom = Classroom(state.db_url)
    assert isinstance(room, Classroom)
    return room


async def get_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str | None:
    """The bearer token, if any (async: a plain ``def`` would cost a thread hand-off per request)."""
    return None if credentials is None else credentials.credentials


async def open_classroom(request: Request) -> Classroom:
    """The dependency behind ``RoomDep``: the open Classroom straight from the event loop (a plain ``def``
    would be a thread hand-off each way on every request, which under a class playing on the same server
    waits behind every queued frame); only the first call, which opens it and checks the schema, goes to a
    thread."""
    room = getattr(request.app.state, "classroom", None)
    if isinstance(room, Classroom):
        return room
    return await run_in_threadpool(get_classroom, request)


RoomDep = Annotated[Classroom, Depends(open_classroom)]
TokenDep = Annotated[str | None, Depends(get_token)]
ClassId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The class id.")]
TaskId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The task id.")]
Format = Annotated[Literal["json", "csv"], Query(description="json, or csv to download")]


# -- request and response models (separate from the tables) ------------------------------------------------


class NewTask(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=200, description="Shown on the board; defaults to the task name.")
    task: str | None = Field(None, max_length=100, description="A built-in task (see `neuronlab tasks`) ...")
    params: dict[str, float | int | str | bool] = Field(default_factory=dict, max_length=20,
                                                         description="... and its parameters.")
    csv: str | None = Field(None, max_length=LARGE_BODY, description="Or a CSV table, with `target`.")
    target: str | None = Field(None, max_length=200)
    kind: Literal["binary", "multiclass", "regression"] | None = None
    test_fraction: float = Field(0.3, gt=0, lt=1, description="Held-out test rows of a CSV.")
    public_fraction: float = Field(defaults.PUBLIC_FRACTION, gt=0, lt=1)
    quota_per_day: int | None = Field(defaults.QUOTA_PER_DAY, ge=1, le=10_000, description="null: no limit.")
    quota_total: int | None = Field(defaults.QUOTA_TOTAL, ge=1, le=1_000_000, description="null: no limit.")
    ladder_step: float | None = Field(None, gt=0, le=1,
                                      description="The Ladder's step; null: derived from the public part's size.")


class CodesIn(BaseModel):
    n: int = Field(1, ge=1, le=500)


class CodesOut(BaseModel):
    class_id: int
    codes: list[str]


class JoinIn(BaseModel):
    code: str = Field(max_length=100)
    name: str = Field(max_length=100)


class JoinOut(BaseModel):
    class_id: int
    member_id: int
    name: str
    token: str = Field(description="Your student token: keep it, it is shown once.")


class Me(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    role: Literal["instructor", "student"]
    class_id: int
    member_id: int | None
    name: str | None


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    class_id: int
    name: str
    kind: str
    metric: str
    source: dict[str, Any]
    feature_names: list[str]
    labels: list[str] | None
    n_train: int
    n_test: int
    n_public: int
    public_fraction: float
    quota_per_day: int | None
    quota_total: int | None
    ladder_step: float
    status: Literal["open", "closed"]
    created_at: datetime
    closed_at: datetime | None


class NewTaskOut(TaskOut):
    warning: str | None = Field(description="Set when a probing student could read the public labels off the board "
                                            "over a term (measured by simulating the attacks), with the levers.")


class ClassOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    created_at: datetime
    tasks: list[TaskOut]


class Rows(BaseModel):
    task_id: int
    feature_names: list[str]
    ids: list[int]
    rows: list[list[float]]
    targets: list[Any] | None = None


class SubmissionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    task_id: int
    student: str
    created_at: datetime
    status: Literal["scored", "rejected"]
    error: str | None
    source: str
    published: float | None = Field(description="Your public board value after this submission (Ladder rule).")
    new_best: bool
    private_score: float | None = Field(description="Revealed once the task is closed.")


class SubmittedOut(SubmissionOut):
    """A new submission, with what the student needs next: how many more the quotas allow."""

    ladder_step: float = Field(description="The task's Ladder step: published values are multiples of it.")
    remaining_today: int | None = Field(description="Submissions left today (UTC) after this one; null: no daily cap.")
    remaining_total: int | None = Field(description="Submissions left in all after this one; null: no total cap.")


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


class BoardRowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    rank: int
    student: str
    published: float
    submissions: int
    updated_at: datetime


class RankOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    rank: int
    student: str
    private_score: float
    published: float | None
    submission_id: int


class BoardOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    task: TaskOut
    rows: list[BoardRowOut]
    final: list[RankOut] | None


class PredictionsIn(BaseModel):
    """JSON body of a submission: ``predictions`` in test-id order (or ``{id: value}``), or a saved run."""

    predictions: list[float | int | str] | dict[str, float | int | str] | None = None
    run_id: int | None = Field(None, ge=1, le=2**31 - 1)


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
