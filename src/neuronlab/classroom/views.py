"""What the classroom hands out: plain frozen records, none of which can carry a withheld label.

A student's own submission shows the value the Ladder published after it, never its exact public
score (that would undo the Ladder) and no private score until the task is closed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal


@dataclass(frozen=True)
class TaskInfo:
    id: int
    class_id: int
    name: str
    kind: str
    metric: str  # accuracy (classification) or r2 (regression); higher is better
    source: dict[str, Any]
    feature_names: tuple[str, ...]
    labels: tuple[str, ...] | None
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


@dataclass(frozen=True)
class ClassInfo:
    id: int
    name: str
    created_at: datetime
    tasks: tuple[TaskInfo, ...] = ()


@dataclass(frozen=True)
class MemberInfo:
    id: int
    class_id: int
    name: str


@dataclass(frozen=True)
class Identity:
    """Who a token belongs to."""

    role: Literal["instructor", "student"]
    class_id: int
    member_id: int | None = None
    name: str | None = None


@dataclass(frozen=True)
class SubmissionView:
    id: int
    task_id: int
    student: str
    created_at: datetime
    status: Literal["scored", "rejected"]
    error: str | None
    source: str
    published: float | None  # the student's public board value after this submission (Ladder)
    new_best: bool  # this submission moved the student's published value
    private_score: float | None  # revealed once the task is closed


@dataclass(frozen=True)
class BoardRow:
    rank: int
    student: str
    published: float
    submissions: int  # all of them, rejected ones too
    updated_at: datetime  # when the published value last moved (earlier wins a tie)


@dataclass(frozen=True)
class RankRow:
    """A line of the private ranking: the private score of the student's best public submission."""

    rank: int
    student: str
    private_score: float
    published: float | None
    submission_id: int


@dataclass(frozen=True)
class Board:
    task: TaskInfo
    rows: tuple[BoardRow, ...]
    final: tuple[RankRow, ...] | None  # the private ranking, once the task is closed


@dataclass(frozen=True)
class TestInputs:
    """The test rows a student predicts: ids and features, no labels."""

    __test__ = False  # not a pytest test class

    task_id: int
    feature_names: tuple[str, ...]
    rows: tuple[tuple[float, ...], ...]

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", *self.feature_names])
        for i, row in enumerate(self.rows):
            writer.writerow([i, *(repr(float(v)) for v in row)])
        return out.getvalue()


@dataclass(frozen=True)
class TrainData:
    """The rows a student learns from (train + validation of the task), with their targets."""

    task_id: int
    feature_names: tuple[str, ...]
    rows: tuple[tuple[float, ...], ...]
    targets: tuple[Any, ...]  # class labels (names) or numbers

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*self.feature_names, "target"])
        for row, target in zip(self.rows, self.targets, strict=True):
            writer.writerow([*(repr(float(v)) for v in row), target])
        return out.getvalue()
