"""Reading a class task back from the database: its rules and status, its withheld answers, its test
inputs and its training rows.

Each read names a missing task the same way (a NotFoundError), and an id that is not a database id
names no task rather than reaching the driver (:func:`~neuronlab.classroom.inputs.row_id`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import Connection, select

from neuronlab.classroom.errors import NotFoundError
from neuronlab.classroom.inputs import row_id
from neuronlab.classroom.models import ClassAnswers, ClassTask
from neuronlab.classroom.scoring import Answers
from neuronlab.classroom.views import TaskInfo, TestInputs, TrainData

# A task's rules and status: everything but its data, which only read_test_inputs and read_train_data read.
TASK_COLUMNS = (ClassTask.id, ClassTask.class_id, ClassTask.name, ClassTask.kind, ClassTask.metric, ClassTask.source,
                ClassTask.feature_names, ClassTask.labels, ClassTask.n_train, ClassTask.n_test, ClassTask.n_public,
                ClassTask.public_fraction, ClassTask.quota_per_day, ClassTask.quota_total, ClassTask.ladder_step,
                ClassTask.status, ClassTask.created_at, ClassTask.closed_at)


def _missing(task_id: Any) -> NotFoundError:
    return NotFoundError(f"no task {task_id}; check the task id")


def read_task(conn: Connection, task_id: int) -> Any:
    """The task's :data:`TASK_COLUMNS`."""
    row = conn.execute(select(*TASK_COLUMNS).where(ClassTask.id == row_id(task_id))).one_or_none()
    if row is None:
        raise _missing(task_id)
    return row


def task_info(row: Any) -> TaskInfo:
    """The public record of a :func:`read_task`."""
    return TaskInfo(id=int(row.id), class_id=int(row.class_id), name=row.name, kind=row.kind, metric=row.metric,
                    source=dict(row.source), feature_names=tuple(row.feature_names),
                    labels=None if row.labels is None else tuple(row.labels), n_train=row.n_train, n_test=row.n_test,
                    n_public=row.n_public, public_fraction=row.public_fraction, quota_per_day=row.quota_per_day,
                    quota_total=row.quota_total, ladder_step=row.ladder_step, status=row.status,
                    created_at=row.created_at, closed_at=row.closed_at)


def read_answers(conn: Connection, task_id: int) -> Answers:
    """The task's withheld labels and public rows (the only read of ``class_answers``)."""
    row = conn.execute(select(ClassTask.kind, ClassTask.labels, ClassAnswers.y_test, ClassAnswers.public_rows)
                       .join(ClassAnswers, ClassAnswers.task_id == ClassTask.id)
                       .where(ClassTask.id == row_id(task_id))).one_or_none()
    if row is None:
        raise _missing(task_id)
    y = np.asarray(row.y_test, dtype=float)
    public = np.zeros(len(y), dtype=bool)
    public[np.asarray(row.public_rows, dtype=int)] = True
    return Answers(kind=row.kind, labels=None if row.labels is None else tuple(row.labels), y=y, public=public)


def read_test_inputs(conn: Connection, task_id: int) -> TestInputs:
    """The task's test rows: ids (their positions) and features, never labels."""
    row = conn.execute(select(ClassTask.id, ClassTask.feature_names, ClassTask.test_inputs)
                       .where(ClassTask.id == row_id(task_id))).one_or_none()
    if row is None:
        raise _missing(task_id)
    return TestInputs(task_id=int(row.id), feature_names=tuple(row.feature_names),
                      rows=tuple(tuple(r) for r in row.test_inputs))


def read_train_data(conn: Connection, task_id: int) -> TrainData:
    """The task's training rows (train + validation) with their targets: what students learn from."""
    row = conn.execute(select(ClassTask.id, ClassTask.feature_names, ClassTask.train)
                       .where(ClassTask.id == row_id(task_id))).one_or_none()
    if row is None:
        raise _missing(task_id)
    return TrainData(task_id=int(row.id), feature_names=tuple(row.feature_names),
                     rows=tuple(tuple(r) for r in row.train["X"]), targets=tuple(row.train["y"]))
