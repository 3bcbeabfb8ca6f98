"""A task's submissions as the service keeps count of them: read in order, counted against the quotas,
and replayed through the Ladder into what each student sees.

Nothing here stores the Ladder's published values: they are recomputed from the submissions, in id
order, every time, so they can never drift from the rule or from the scores they came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection, select

from neuronlab.classroom.errors import QuotaError
from neuronlab.classroom.ladder import ladder_update
from neuronlab.classroom.models import Member, Submission
from neuronlab.classroom.views import SubmissionView

Published = dict[int, tuple[float | None, datetime | None]]


@dataclass(frozen=True)
class Sub:
    """One stored submission with its exact scores (never handed out: see :func:`views`)."""

    id: int
    student: str
    created_at: datetime
    status: Literal["scored", "rejected"]
    error: str | None
    source: str
    public_score: float | None
    private_score: float | None
    task_id: int


def read(conn: Connection, task_id: int, member_id: int | None = None) -> list[Sub]:
    """The task's submissions (one member's when ``member_id`` is given), in id order."""
    query = (select(Submission.id, Member.name.label("student"), Submission.created_at, Submission.status,
                    Submission.error, Submission.source, Submission.public_score, Submission.private_score,
                    Submission.task_id)
             .join(Member, Member.id == Submission.member_id)
             .where(Submission.task_id == task_id).order_by(Submission.id))
    if member_id is not None:
        query = query.where(Submission.member_id == member_id)
    return [Sub(*r) for r in conn.execute(query)]  # type: ignore[arg-type]


def check_quota(task: Any, mine: Sequence[Sub], now: datetime) -> None:
    """Refuse one more submission when the student's earlier ones (rejected ones too) fill a quota."""
    if task.quota_total is not None and len(mine) >= task.quota_total:
        raise QuotaError(f"you used all {task.quota_total} submissions of task {task.name!r}; no more can be scored")
    if task.quota_per_day is not None:
        midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        if sum(s.created_at >= midnight for s in mine) >= task.quota_per_day:
            raise QuotaError(f"you used your {task.quota_per_day} submissions of task {task.name!r} for today "
                             "(UTC); try again after midnight UTC")


def published(subs: Sequence[Sub], eta: float) -> Published:
    """Submission id → (its student's published value after it, when that value was set), by the Ladder."""
    out: Published = {}
    state: dict[str, tuple[float | None, datetime | None]] = {}
    for s in subs:
        value, when = state.get(s.student, (None, None))
        if s.status == "scored" and s.public_score is not None:
            moved = ladder_update(value, s.public_score, eta)
            if moved != value:
                value, when = moved, s.created_at
        state[s.student] = out[s.id] = (value, when)
    return out


def views(subs: list[Sub], eta: float, *, closed: bool) -> list[SubmissionView]:
    """What the submitters see of ``subs``: the published value, never the exact public score, and the
    private score only once the task is ``closed``."""
    after = published(subs, eta)
    before: dict[str, float | None] = {}
    out = []
    for s in subs:
        value = after[s.id][0]
        out.append(SubmissionView(
            id=s.id, task_id=s.task_id, student=s.student, created_at=s.created_at, status=s.status,
            error=s.error, source=s.source, published=value,
            new_best=s.status == "scored" and value != before.get(s.student),
            private_score=s.private_score if closed else None))
        before[s.student] = value
    return out
