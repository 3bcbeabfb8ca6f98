"""The class scoreboard: keyword-only calls shared by the CLI and the web routes (which hold no rules).

    room = Classroom("class.db")                       # the run store's database; migrated on open
    cls, instructor = room.create_class(name="NN 2026")
    task = room.add_task(class_id=cls.id, instructor_token=instructor, name="moons", task="moons")
    codes = room.issue_join_codes(class_id=cls.id, instructor_token=instructor, n=30)
    me, student = room.join(code=codes[0], name="Ada")
    room.submit(task_id=task.id, student_token=student, predictions="id,prediction\\n0,1\\n...")

The test labels of a task never leave the classroom: they are split once, at random, into a public
and a private part (:mod:`~neuronlab.classroom.task_setup`); a submission is scored on both
(:mod:`~neuronlab.classroom.scoring`); the board shows the public score through the Ladder rule
(:mod:`neuronlab.classroom.ladder`); closing the task reveals the private ranking
(:mod:`~neuronlab.classroom.boards`).  Quotas are counted in the same write transaction as the insert
(``BEGIN IMMEDIATE`` on SQLite, the member's row ``FOR UPDATE`` on PostgreSQL), so concurrent
submissions can never exceed them; a rejected submission (malformed predictions) counts, one refused
for quota, a closed task or a bad token does not.  This module holds the transactions; the rules
live in the modules it names.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from neuronlab.classroom import access, boards, defaults, inputs, scoring, submissions, task_rows, task_setup
from neuronlab.classroom.errors import AuthError, ClosedError, ForbiddenError, NotFoundError
from neuronlab.classroom.models import ClassAnswers, ClassTask, JoinCode, Member, SchoolClass, Submission
from neuronlab.classroom.tokens import digest, matches, new_token
from neuronlab.classroom.views import (
    Board,
    ClassInfo,
    Identity,
    MemberInfo,
    RankRow,
    SubmissionView,
    TaskInfo,
    TestInputs,
    TrainData,
)
from neuronlab.errors import ConfigError, DataError
from neuronlab.store.engine import WRITE, db_errors, describe, make_engine, resolve_url
from neuronlab.store.errors import StoreError
from neuronlab.store.schema import ensure_schema

MAX_NAME = 100
MAX_CODES = 500
RUN_ARTIFACT = "predictions.csv"  # a saved run submits the test predictions it carries under this name


class Classroom:
    """Classes, their tasks and submissions, in the run store's database (SQLite or PostgreSQL).

    ``clock`` returns the current UTC time (tests move it to check the daily quota).
    """

    def __init__(self, url: str | os.PathLike[str] | None = None, *, upgrade: bool = True,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.url = resolve_url(url)
        self._engine = make_engine(self.url)
        self._clock = clock or (lambda: datetime.now(UTC))
        # Never changing once written, so read once per process: a task's answers, a token's member,
        # a closed task.  (An open task's status is read again inside every submission's transaction.)
        self._answers: dict[int, scoring.Answers] = {}
        self._members: dict[str, Any] = {}
        self._tasks: dict[int, Any] = {}
        self._runs: Any = None
        # SQLite takes one writer at a time (BEGIN IMMEDIATE); threads of this process queue on a lock instead
        # of in SQLite's busy handler, whose backoff sleeps up to 100 ms even when the file is free sooner.
        self._writer: AbstractContextManager[Any] = (
            threading.Lock() if self._engine.dialect.name == "sqlite" else nullcontext())
        try:
            ensure_schema(self._engine, self.url, upgrade=upgrade)
        except BaseException:
            self._engine.dispose()
            raise

    def __repr__(self) -> str:
        return f"Classroom({describe(self.url)!r})"

    def close(self) -> None:
        self._engine.dispose()
        if self._runs is not None:
            self._runs.close()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with db_errors(self.url), self._engine.connect() as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._writer, db_errors(self.url), self._engine.execution_options(**WRITE).begin() as conn:
            yield conn

    # -- instructor ---------------------------------------------------------------------------------------

    def create_class(self, *, name: str) -> tuple[ClassInfo, str]:
        """A new class and its instructor token (shown once: only its digest is kept)."""
        name = inputs.clean_name(name, "class name", 200)
        token = new_token("instructor")
        now = self._clock()
        with self._write() as conn:
            class_id = conn.execute(insert(SchoolClass).values(
                name=name, instructor_digest=digest(token), created_at=now).returning(SchoolClass.id)).scalar_one()
        return ClassInfo(id=int(class_id), name=name, created_at=now), token

    def add_task(self, *, class_id: int, instructor_token: str | None, name: str | None = None,
                 task: str | None = None, params: Mapping[str, Any] | None = None,
                 csv_text: str | bytes | None = None, target: str | None = None, kind: str | None = None,
                 test_fraction: float = 0.3, public_fraction: float = defaults.PUBLIC_FRACTION,
                 quota_per_day: int | None = defaults.QUOTA_PER_DAY, quota_total: int | None = defaults.QUOTA_TOTAL,
                 ladder_step: float | None = None) -> TaskInfo:
        """Add a built-in task (``task`` + ``params``) or a CSV (``csv_text`` + ``target``) to the class.

        Unless ``params`` sets a ``seed``, a secret one is drawn: with a public seed anyone could
        rebuild the test labels of a generated task.  ``test_fraction`` applies to CSVs only (a
        built-in task keeps its own split, except that a generated one gets a larger test set unless
        ``params`` sizes it: :func:`~neuronlab.classroom.sizing.class_params`).  The test rows are
        split at random (stratified by class) into a public part (``public_fraction`` of them, scored
        on the board) and a private part (the final ranking).  ``ladder_step=None`` derives the step
        from the public part's size (:func:`~neuronlab.classroom.ladder.derived_step`); a quota of
        ``None`` means no limit.  The defaults are the ones :mod:`neuronlab.classroom.defaults` argues
        for; the task keeps the rules it was created with.
        """
        with self._read() as conn:
            access.check_instructor(conn, class_id, instructor_token)
        new = task_setup.prepare(name=name, task=task, params=params, csv_text=csv_text, target=target, kind=kind,
                                 test_fraction=test_fraction, public_fraction=public_fraction,
                                 quota_per_day=quota_per_day, quota_total=quota_total, ladder_step=ladder_step)
        values = dict(new.row, class_id=class_id, created_at=self._clock())
        with self._write() as conn:
            try:
                with conn.begin_nested():
                    task_id = conn.execute(insert(ClassTask).values(**values).returning(ClassTask.id)).scalar_one()
            except IntegrityError:
                title = values["name"]
                raise ConfigError(f"this class already has a task named {title!r}; pick another name") from None
            conn.execute(insert(ClassAnswers).values(task_id=task_id, y_test=new.y_test, public_rows=new.public_rows))
        return self.task_info(task_id=int(task_id))

    def issue_join_codes(self, *, class_id: int, instructor_token: str | None, n: int = 1) -> list[str]:
        """``n`` single-use join codes for the class (shown once: only their digests are kept)."""
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_CODES:
            raise ConfigError(f"the number of join codes must be an integer from 1 to {MAX_CODES}, got {n!r}")
        codes = [new_token("code") for _ in range(n)]
        now = self._clock()
        with self._write() as conn:
            access.check_instructor(conn, class_id, instructor_token)
            conn.execute(insert(JoinCode), [{"class_id": class_id, "code_digest": digest(code), "created_at": now}
                                            for code in codes])
        return codes

    def close_task(self, *, task_id: int, instructor_token: str | None) -> tuple[RankRow, ...]:
        """Close the task to submissions and reveal its private ranking."""
        with self._write() as conn:
            row = task_rows.read_task(conn, task_id)
            access.check_instructor(conn, row.class_id, instructor_token)
            if row.status != "closed":
                conn.execute(update(ClassTask).where(ClassTask.id == task_id)
                             .values(status="closed", closed_at=self._clock()))
        board = self.public_board(task_id=task_id)
        assert board.final is not None
        return board.final

    def export_csv(self, *, task_id: int, instructor_token: str | None) -> str:
        """Every submission of the task with its exact public and private scores (instructor only)."""
        with self._read() as conn:
            row = task_rows.read_task(conn, task_id)
            access.check_instructor(conn, row.class_id, instructor_token)
            subs = submissions.read(conn, task_id)
        return boards.export_csv(subs, row.ladder_step)

    # -- students -----------------------------------------------------------------------------------------

    def join(self, *, code: str, name: str) -> tuple[MemberInfo, str]:
        """Join the class of a single-use ``code`` under ``name``; returns the student's token (shown once)."""
        name = inputs.clean_name(name, "name", MAX_NAME)
        token = new_token("student")
        with self._write() as conn:
            row = conn.execute(select(JoinCode.id, JoinCode.class_id, JoinCode.code_digest, JoinCode.member_id)
                               .where(JoinCode.code_digest == digest(str(code))).with_for_update()).one_or_none()
            if row is None or not matches(str(code), row.code_digest):
                raise AuthError("unknown join code; check it or ask your instructor for one")
            if row.member_id is not None:
                raise AuthError("this join code was already used; ask your instructor for a new one")
            try:
                with conn.begin_nested():
                    member_id = conn.execute(insert(Member).values(
                        class_id=row.class_id, name=name, token_digest=digest(token), created_at=self._clock())
                        .returning(Member.id)).scalar_one()
            except IntegrityError:
                raise ConfigError(f"the name {name!r} is taken in this class; join under another name") from None
            conn.execute(update(JoinCode).where(JoinCode.id == row.id).values(member_id=member_id))
        return MemberInfo(id=int(member_id), class_id=int(row.class_id), name=name), token

    def submit(self, *, task_id: int, student_token: str | None, predictions: Any = None,
               format: Literal["csv", "json"] | None = None, run_id: int | None = None) -> SubmissionView:
        """Score the student's predictions for the task's test rows and record the submission.

        ``predictions``: CSV text (``id,prediction``), JSON text or values (``{"predictions": [...]}``,
        a list in test-id order, or ``{id: value}``); or ``run_id``, a saved run carrying a
        ``predictions.csv`` artifact.  Malformed predictions are recorded as rejected (they count
        toward the quotas) and then raised as a DataError.
        """
        now = self._clock()
        with self._read() as conn:
            member = access.student(conn, student_token, self._members)
            task = self._tasks.get(task_id) or task_rows.read_task(conn, task_id)
            if task.class_id != member.class_id:
                raise ForbiddenError(f"you are not a member of the class of task {task_id}; "
                                     "use the token you got when joining that class")
            if task.status == "closed":
                raise ClosedError(f"task {task.name!r} is closed; see its final ranking on the board")
            answers = self._answers_of(conn, task_id)
        source, error, scores = scoring.score(answers, predictions, format, run_id, self._run_predictions)
        with self._write() as conn:
            # Serialise this student's submissions: the quota count and the insert see the same rows.
            conn.execute(select(Member.id).where(Member.id == member.id).with_for_update())
            now_status = conn.execute(select(ClassTask.status).where(ClassTask.id == task_id)
                                      .with_for_update(read=True)).scalar_one()
            if now_status == "closed":
                raise ClosedError(f"task {task.name!r} is closed; see its final ranking on the board")
            self._tasks[task_id] = task  # its rules never change; its status is read here every time
            mine = submissions.read(conn, task_id, member_id=member.id)  # read under the lock: the quota's count
            submissions.check_quota(task, mine, now)
            status: Literal["scored", "rejected"] = "rejected" if error else "scored"
            sub_id = int(conn.execute(insert(Submission).values(
                task_id=task_id, member_id=member.id, created_at=now, status=status, error=error, source=source,
                public_score=scores[0], private_score=scores[1]).returning(Submission.id)).scalar_one())
        if error:
            raise DataError(error)
        mine.append(submissions.Sub(sub_id, member.name, now, status, error, source, scores[0], scores[1], task_id))
        return submissions.views(mine, task.ladder_step, closed=False)[-1]

    def _answers_of(self, conn: Connection, task_id: int) -> scoring.Answers:
        answers = self._answers.get(task_id)
        if answers is None:
            answers = self._answers[task_id] = task_rows.read_answers(conn, task_id)
        return answers

    def _run_predictions(self, run_id: int) -> bytes:
        from neuronlab.store import RunStore

        if isinstance(run_id, bool) or not isinstance(run_id, int) or not 1 <= run_id < 2**31:
            raise DataError(f"run id must be a positive integer, got {run_id!r}")
        if self._runs is None:
            self._runs = RunStore(self.url)
        try:
            return bytes(self._runs.artifact(run_id, RUN_ARTIFACT))
        except StoreError:
            raise DataError(f"run {run_id} has no {RUN_ARTIFACT} artifact with test predictions; "
                            "save the run with its predictions, or submit a CSV") from None

    # -- reading ------------------------------------------------------------------------------------------

    def whoami(self, *, token: str | None) -> Identity:
        """The instructor of a class or a student, from their token."""
        with self._read() as conn:
            return access.identify(conn, token, self._members)

    def class_info(self, *, class_id: int) -> ClassInfo:
        """The class and its tasks (public: names, rules and status, no answers)."""
        with self._read() as conn:
            row = conn.execute(select(SchoolClass.id, SchoolClass.name, SchoolClass.created_at)
                               .where(SchoolClass.id == inputs.row_id(class_id))).one_or_none()
            if row is None:
                raise NotFoundError(f"no class {class_id}; check the class id")
            ids = conn.execute(select(ClassTask.id).where(ClassTask.class_id == row.id)
                               .order_by(ClassTask.id)).scalars().all()
        return ClassInfo(id=int(row.id), name=row.name, created_at=row.created_at,
                         tasks=tuple(self.task_info(task_id=int(i)) for i in ids))

    def task_info(self, *, task_id: int) -> TaskInfo:
        with self._read() as conn:
            return task_rows.task_info(task_rows.read_task(conn, task_id))

    def test_inputs(self, *, task_id: int) -> TestInputs:
        """The task's test rows: ids (their positions) and features, never labels."""
        with self._read() as conn:
            return task_rows.read_test_inputs(conn, task_id)

    def train_data(self, *, task_id: int) -> TrainData:
        """The task's training rows (train + validation) with their targets: what students learn from."""
        with self._read() as conn:
            return task_rows.read_train_data(conn, task_id)

    def submissions(self, *, task_id: int, token: str | None) -> tuple[SubmissionView, ...]:
        """A student's own submissions of the task, or every submission for the class's instructor."""
        who = self.whoami(token=token)
        with self._read() as conn:
            row = task_rows.read_task(conn, task_id)
            if row.class_id != who.class_id:
                raise ForbiddenError(f"task {task_id} belongs to another class; use that class's token")
            subs = submissions.read(conn, task_id, member_id=who.member_id)
        return tuple(submissions.views(subs, row.ladder_step, closed=row.status == "closed"))

    def public_board(self, *, task_id: int) -> Board:
        """The public board under the Ladder rule, and the private ranking once the task is closed.

        The final ranking takes each student's submission with the best public score (the earliest on
        ties) and ranks its private score: choosing on public, judging on private, as Kaggle does.
        """
        with self._read() as conn:
            row = task_rows.read_task(conn, task_id)
            info = task_rows.task_info(row)
            subs = submissions.read(conn, task_id)
        rows, final = boards.rank(subs, row.ladder_step, closed=info.status == "closed")
        return Board(task=info, rows=rows, final=final)
