"""The scoreboard API's request and response models: what a client may send and what it gets back,
kept apart from the classroom's tables (a response never shows a column by accident, the test labels
never leave the service)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from neuronlab.classroom import defaults
from neuronlab.web.routes.scoreboard_route import LARGE_BODY


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
