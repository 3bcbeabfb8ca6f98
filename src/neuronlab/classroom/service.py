"""The class scoreboard: keyword-only calls shared by the CLI and the web routes (which hold no rules).

    room = Classroom("class.db")                       # the run store's database; migrated on open
    cls, instructor = room.create_class(name="NN 2026")
    task = room.add_task(class_id=cls.id, instructor_token=instructor, name="moons", task="moons")
    codes = room.issue_join_codes(class_id=cls.id, instructor_token=instructor, n=30)
    me, student = room.join(code=codes[0], name="Ada")
    room.submit(task_id=task.id, student_token=student, predictions="id,prediction\\n0,1\\n...")

The test labels of a task never leave this module: they are split once, at random, into a public and
a private part; a submission is scored on both; the board shows the public score through the Ladder
rule (:mod:`neuronlab.classroom.ladder`); closing the task reveals the private ranking.  Quotas are
counted in the same write transaction as the insert (``BEGIN IMMEDIATE`` on SQLite, the member's row
``FOR UPDATE`` on PostgreSQL), so concurrent submissions can never exceed them; a rejected
submission (malformed predictions) counts, one refused for quota, a closed task or a bad token does not.
"""

from __future__ import annotations

import csv
import io
import math
import os
import secrets
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from neuronlab.classroom import defaults, sizing
from neuronlab.classroom import predictions as preds
from neuronlab.classroom.errors import AuthError, ClosedError, ForbiddenError, NotFoundError, QuotaError
from neuronlab.classroom.ladder import derived_step, ladder_update
from neuronlab.classroom.models import ClassAnswers, ClassTask, JoinCode, Member, SchoolClass, Submission
from neuronlab.classroom.tokens import digest, kind_of, matches, new_token
from neuronlab.classroom.views import (
    Board,
    BoardRow,
    ClassInfo,
    Identity,
    MemberInfo,
    RankRow,
    SubmissionView,
    TaskInfo,
    TestInputs,
    TrainData,
)
from neuronlab.errors import ConfigError, DataError, NeuronlabError
from neuronlab.store.engine import WRITE, db_errors, describe, make_engine, resolve_url
from neuronlab.store.errors import StoreError
from neuronlab.store.schema import ensure_schema

MAX_NAME = 100
MAX_CODES = 500
RUN_ARTIFACT = "predictions.csv"  # a saved run submits the test predictions it carries under this name
_BEARER = "pass it as Authorization: Bearer <token>"


@dataclass(frozen=True)
class _Answers:
    kind: str
    labels: tuple[str, ...] | None
    y: np.ndarray
    public: np.ndarray  # bool mask over the test rows


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
        self._answers: dict[int, _Answers] = {}
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
        name = _clean_name(name, "class name", 200)
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
            self._instructor(conn, class_id, instructor_token)
        if (task is None) == (csv_text is None):
            raise ConfigError("give either a built-in task name or a CSV (with its target column), not both")
        fraction = _fraction("public_fraction", public_fraction)
        step = None if ladder_step is None else _positive("ladder_step", ladder_step, maximum=1.0)
        quotas = {key: _quota(key, value) for key, value in
                  (("quota_per_day", quota_per_day), ("quota_total", quota_total))}
        params = dict(params or {})
        seed = params.pop("seed", None)
        if seed is None:
            seed = secrets.randbelow(2**31)
        built, source = (self._builtin(task, sizing.class_params(task, params, public_fraction=fraction), seed)
                         if task is not None else self._from_csv(csv_text or b"", target, kind, seed, test_fraction))
        n_test = len(built.y_test)
        least = 4 if built.kind == "regression" else 2  # R² needs two rows on each side
        if n_test < least:
            raise ConfigError(f"the task has {n_test} test rows; the public/private split needs at least {least}:"
                              " use more samples or a larger test_fraction")
        n_public = min(max(round(fraction * n_test), least // 2), n_test - least // 2)
        rng = np.random.default_rng(int(built.params["seed"]))  # the seed as the task loader checked it
        public_rows = _public_rows(rng, built.y_test, n_public, stratify=built.kind != "regression")
        if step is None:
            step = derived_step(n_public)
        labels = None if built.kind == "regression" else (
            tuple(built.class_names) if built.class_names else tuple(str(i) for i in range(built.n_classes or 0)))
        y_dev = built.y_dev
        targets = y_dev.tolist() if labels is None else [labels[int(v)] for v in y_dev]
        title = _clean_name(name if name is not None else (task or str(source.get("csv", "csv"))), "task name", 200)
        now = self._clock()
        values = dict(class_id=class_id, name=title, kind=built.kind,
                      metric="r2" if labels is None else "accuracy", source=source,
                      feature_names=list(built.feature_names), labels=None if labels is None else list(labels),
                      train={"X": built.X_dev.tolist(), "y": targets}, test_inputs=built.X_test.tolist(),
                      n_train=len(y_dev), n_test=n_test, n_public=n_public,
                      public_fraction=fraction, ladder_step=step, status="open", created_at=now, **quotas)
        with self._write() as conn:
            try:
                with conn.begin_nested():
                    task_id = conn.execute(insert(ClassTask).values(**values).returning(ClassTask.id)).scalar_one()
            except IntegrityError:
                raise ConfigError(f"this class already has a task named {title!r}; pick another name") from None
            conn.execute(insert(ClassAnswers).values(task_id=task_id, y_test=built.y_test.tolist(),
                                                     public_rows=public_rows.tolist()))
        return self.task_info(task_id=int(task_id))

    @staticmethod
    def _builtin(name: str, params: dict[str, Any], seed: int) -> tuple[Any, dict[str, Any]]:
        from neuronlab.tasks import load_task

        try:
            built = load_task(name, seed=seed, **params)
        except NeuronlabError:
            raise
        except (TypeError, ValueError, OverflowError) as exc:
            raise ConfigError(f"cannot build task {name!r} with {params} ({exc}); check the parameters") from None
        shown = {k: v for k, v in built.params.items() if k != "seed"}
        if any((isinstance(v, str) and _printable(v) != v) or (isinstance(v, float) and not math.isfinite(v))
               for v in shown.values()):
            raise ConfigError(f"task parameters must be finite numbers or printable text, got {_short(params)}")
        return built, {"task": name, "params": shown}

    @staticmethod
    def _from_csv(text: str | bytes, target: str | None, kind: str | None, seed: int,
                  test_fraction: float) -> tuple[Any, dict[str, Any]]:
        from neuronlab.tasks import load_csv

        if not target:
            raise ConfigError("a CSV task needs its target column: pass target=<column name>")
        data = text.encode("utf-8") if isinstance(text, str) else text
        with tempfile.TemporaryDirectory(prefix="nlclass-") as tmp:
            path = Path(tmp) / "task.csv"
            path.write_bytes(data)
            built = load_csv(path, target, kind=kind, seed=seed, test_fraction=test_fraction)
        return built, {"csv": "upload", "target": target, "test_fraction": test_fraction}

    def issue_join_codes(self, *, class_id: int, instructor_token: str | None, n: int = 1) -> list[str]:
        """``n`` single-use join codes for the class (shown once: only their digests are kept)."""
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_CODES:
            raise ConfigError(f"the number of join codes must be an integer from 1 to {MAX_CODES}, got {n!r}")
        codes = [new_token("code") for _ in range(n)]
        now = self._clock()
        with self._write() as conn:
            self._instructor(conn, class_id, instructor_token)
            conn.execute(insert(JoinCode), [{"class_id": class_id, "code_digest": digest(code), "created_at": now}
                                            for code in codes])
        return codes

    def close_task(self, *, task_id: int, instructor_token: str | None) -> tuple[RankRow, ...]:
        """Close the task to submissions and reveal its private ranking."""
        with self._write() as conn:
            row = self._task_row(conn, task_id)
            self._instructor(conn, row.class_id, instructor_token)
            if row.status != "closed":
                conn.execute(update(ClassTask).where(ClassTask.id == task_id)
                             .values(status="closed", closed_at=self._clock()))
        board = self.public_board(task_id=task_id)
        assert board.final is not None
        return board.final

    def export_csv(self, *, task_id: int, instructor_token: str | None) -> str:
        """Every submission of the task with its exact public and private scores (instructor only)."""
        with self._read() as conn:
            row = self._task_row(conn, task_id)
            self._instructor(conn, row.class_id, instructor_token)
            subs = self._submissions(conn, task_id)
        published = _published(subs, row.ladder_step)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["submission_id", "student", "created_at", "status", "error", "source", "public_score",
                         "private_score", "published"])
        for s in subs:
            writer.writerow([s.id, s.student, s.created_at.isoformat(), s.status, s.error or "", s.source,
                             _cell(s.public_score), _cell(s.private_score), _cell(published[s.id][0])])
        return out.getvalue()

    # -- students -----------------------------------------------------------------------------------------

    def join(self, *, code: str, name: str) -> tuple[MemberInfo, str]:
        """Join the class of a single-use ``code`` under ``name``; returns the student's token (shown once)."""
        name = _clean_name(name, "name", MAX_NAME)
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
            member = self._student(conn, student_token)
            task = self._tasks.get(task_id) or self._task_row(conn, task_id)
            if task.class_id != member.class_id:
                raise ForbiddenError(f"you are not a member of the class of task {task_id}; "
                                     "use the token you got when joining that class")
            if task.status == "closed":
                raise ClosedError(f"task {task.name!r} is closed; see its final ranking on the board")
            answers = self._answers_of(conn, task_id)
        source, error, scores = self._score(answers, predictions, format, run_id)
        with self._write() as conn:
            # Serialise this student's submissions: the quota count and the insert see the same rows.
            conn.execute(select(Member.id).where(Member.id == member.id).with_for_update())
            now_status = conn.execute(select(ClassTask.status).where(ClassTask.id == task_id)
                                      .with_for_update(read=True)).scalar_one()
            if now_status == "closed":
                raise ClosedError(f"task {task.name!r} is closed; see its final ranking on the board")
            self._tasks[task_id] = task  # its rules never change; its status is read here every time
            mine = self._submissions(conn, task_id, member_id=member.id)  # read under the lock: the quota's count
            _check_quota(task, mine, now)
            status: Literal["scored", "rejected"] = "rejected" if error else "scored"
            sub_id = int(conn.execute(insert(Submission).values(
                task_id=task_id, member_id=member.id, created_at=now, status=status, error=error, source=source,
                public_score=scores[0], private_score=scores[1]).returning(Submission.id)).scalar_one())
        if error:
            raise DataError(error)
        mine.append(_Sub(sub_id, member.name, now, status, error, source, scores[0], scores[1], task_id))
        return _views(mine, task.ladder_step, closed=False)[-1]

    def _score(self, answers: _Answers, predictions: Any, format: str | None,
               run_id: int | None) -> tuple[str, str | None, tuple[float | None, float | None]]:
        """``(source, error, (public, private))``: the error of malformed predictions instead of raising."""
        source = "json" if format == "json" or not isinstance(predictions, str | bytes) else "csv"
        try:
            if run_id is not None:
                if predictions is not None:
                    raise DataError("submit either predictions or a run id, not both")
                source = f"run:{run_id}"
                ids, values = preds.read_csv(self._run_predictions(run_id))
            elif predictions is None:
                raise DataError(f"no predictions; {preds.FORMAT_HINT}")
            elif source == "json":
                ids, values = preds.read_json(predictions)
            else:
                ids, values = preds.read_csv(predictions)
            y_pred = preds.align(ids, values, n=len(answers.y), labels=answers.labels)
        except DataError as exc:
            return source, _printable(str(exc)), (None, None)
        return source, None, (_metric(answers, y_pred, answers.public), _metric(answers, y_pred, ~answers.public))

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
            if token and kind_of(token) == "instructor":
                row = conn.execute(select(SchoolClass.id, SchoolClass.instructor_digest)
                                   .where(SchoolClass.instructor_digest == digest(token))).one_or_none()
                if row is not None and matches(token, row.instructor_digest):
                    return Identity(role="instructor", class_id=int(row.id))
                raise AuthError(f"unknown token; use the instructor token `neuronlab class create` printed ({_BEARER})")
            member = self._student(conn, token)
            return Identity(role="student", class_id=member.class_id, member_id=member.id, name=member.name)

    def class_info(self, *, class_id: int) -> ClassInfo:
        """The class and its tasks (public: names, rules and status, no answers)."""
        with self._read() as conn:
            row = conn.execute(select(SchoolClass.id, SchoolClass.name, SchoolClass.created_at)
                               .where(SchoolClass.id == _id(class_id))).one_or_none()
            if row is None:
                raise NotFoundError(f"no class {class_id}; check the class id")
            ids = conn.execute(select(ClassTask.id).where(ClassTask.class_id == row.id)
                               .order_by(ClassTask.id)).scalars().all()
        return ClassInfo(id=int(row.id), name=row.name, created_at=row.created_at,
                         tasks=tuple(self.task_info(task_id=int(i)) for i in ids))

    def task_info(self, *, task_id: int) -> TaskInfo:
        with self._read() as conn:
            return _task_info(self._task_row(conn, task_id))

    def test_inputs(self, *, task_id: int) -> TestInputs:
        """The task's test rows: ids (their positions) and features, never labels."""
        with self._read() as conn:
            row = conn.execute(select(ClassTask.id, ClassTask.feature_names, ClassTask.test_inputs)
                               .where(ClassTask.id == _id(task_id))).one_or_none()
        if row is None:
            raise NotFoundError(f"no task {task_id}; check the task id")
        return TestInputs(task_id=int(row.id), feature_names=tuple(row.feature_names),
                          rows=tuple(tuple(r) for r in row.test_inputs))

    def train_data(self, *, task_id: int) -> TrainData:
        """The task's training rows (train + validation) with their targets: what students learn from."""
        with self._read() as conn:
            row = conn.execute(select(ClassTask.id, ClassTask.feature_names, ClassTask.train)
                               .where(ClassTask.id == _id(task_id))).one_or_none()
        if row is None:
            raise NotFoundError(f"no task {task_id}; check the task id")
        return TrainData(task_id=int(row.id), feature_names=tuple(row.feature_names),
                         rows=tuple(tuple(r) for r in row.train["X"]), targets=tuple(row.train["y"]))

    def submissions(self, *, task_id: int, token: str | None) -> tuple[SubmissionView, ...]:
        """A student's own submissions of the task, or every submission for the class's instructor."""
        who = self.whoami(token=token)
        with self._read() as conn:
            row = self._task_row(conn, task_id)
            if row.class_id != who.class_id:
                raise ForbiddenError(f"task {task_id} belongs to another class; use that class's token")
            subs = self._submissions(conn, task_id, member_id=who.member_id)
        return tuple(_views(subs, row.ladder_step, closed=row.status == "closed"))

    def public_board(self, *, task_id: int) -> Board:
        """The public board under the Ladder rule, and the private ranking once the task is closed.

        The final ranking takes each student's submission with the best public score (the earliest on
        ties) and ranks its private score: choosing on public, judging on private, as Kaggle does.
        """
        with self._read() as conn:
            row = self._task_row(conn, task_id)
            info = _task_info(row)
            subs = self._submissions(conn, task_id)
        published = _published(subs, row.ladder_step)
        per_student: dict[str, list[_Sub]] = {}
        for s in subs:
            per_student.setdefault(s.student, []).append(s)
        rows: list[tuple[float, datetime, str, int]] = []
        chosen: list[tuple[float, str, float | None, int]] = []
        for student, mine in per_student.items():
            scored = [s for s in mine if s.status == "scored"]
            if not scored:
                continue
            last = published[scored[-1].id]
            assert last[0] is not None and last[1] is not None  # a scored submission always publishes once
            rows.append((last[0], last[1], student, len(mine)))
            best = max(scored, key=lambda s: (s.public_score, -s.id))
            assert best.private_score is not None
            chosen.append((best.private_score, student, last[0], best.id))
        rows.sort(key=lambda r: (-r[0], r[1], r[2]))
        board = tuple(BoardRow(rank=i + 1, student=student, published=value, submissions=n, updated_at=when)
                      for i, (value, when, student, n) in enumerate(rows))
        final = None
        if info.status == "closed":
            chosen.sort(key=lambda c: (-c[0], c[3]))
            final = tuple(RankRow(rank=i + 1, student=student, private_score=score, published=pub, submission_id=sid)
                          for i, (score, student, pub, sid) in enumerate(chosen))
        return Board(task=info, rows=board, final=final)

    # -- helpers ------------------------------------------------------------------------------------------

    def _instructor(self, conn: Connection, class_id: int, token: str | None) -> None:
        row = conn.execute(select(SchoolClass.id, SchoolClass.instructor_digest)
                           .where(SchoolClass.id == _id(class_id))).one_or_none()
        if row is None:
            raise NotFoundError(f"no class {class_id}; check the class id")
        if not token:
            raise AuthError(f"this needs the class's instructor token; {_BEARER}")
        if matches(token, row.instructor_digest):
            return
        if kind_of(token) in ("instructor", "student"):
            raise ForbiddenError(f"only the instructor of class {class_id} may do this; use that class's "
                                 "instructor token")
        raise AuthError(f"unknown token; this needs the class's instructor token ({_BEARER})")

    def _student(self, conn: Connection, token: str | None) -> Any:
        if not token:
            raise AuthError(f"this needs your student token (from joining the class); {_BEARER}")
        key = digest(token)
        row = self._members.get(key)
        if row is None:
            row = conn.execute(select(Member.id, Member.class_id, Member.name, Member.token_digest)
                               .where(Member.token_digest == key)).one_or_none()
        if row is None or not matches(token, row.token_digest):
            if kind_of(token) == "instructor":
                raise ForbiddenError("this is for students; join the class with a join code to get a student token")
            raise AuthError(f"unknown student token; use the token you got when joining ({_BEARER})")
        self._members[key] = row
        return row

    def _task_row(self, conn: Connection, task_id: int) -> Any:
        row = conn.execute(select(*_TASK_COLUMNS).where(ClassTask.id == _id(task_id))).one_or_none()
        if row is None:
            raise NotFoundError(f"no task {task_id}; check the task id")
        return row

    def _answers_of(self, conn: Connection, task_id: int) -> _Answers:
        cached = self._answers.get(task_id)
        if cached is not None:
            return cached
        row = conn.execute(select(ClassTask.kind, ClassTask.labels, ClassAnswers.y_test, ClassAnswers.public_rows)
                           .join(ClassAnswers, ClassAnswers.task_id == ClassTask.id)
                           .where(ClassTask.id == _id(task_id))).one_or_none()
        if row is None:
            raise NotFoundError(f"no task {task_id}; check the task id")
        y = np.asarray(row.y_test, dtype=float)
        public = np.zeros(len(y), dtype=bool)
        public[np.asarray(row.public_rows, dtype=int)] = True
        answers = _Answers(kind=row.kind, labels=None if row.labels is None else tuple(row.labels), y=y,
                           public=public)
        self._answers[task_id] = answers
        return answers

    def _submissions(self, conn: Connection, task_id: int, member_id: int | None = None) -> list[_Sub]:
        query = (select(Submission.id, Member.name.label("student"), Submission.created_at, Submission.status,
                        Submission.error, Submission.source, Submission.public_score, Submission.private_score,
                        Submission.task_id)
                 .join(Member, Member.id == Submission.member_id)
                 .where(Submission.task_id == task_id).order_by(Submission.id))
        if member_id is not None:
            query = query.where(Submission.member_id == member_id)
        return [_Sub(*r) for r in conn.execute(query)]  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Sub:
    id: int
    student: str
    created_at: datetime
    status: Literal["scored", "rejected"]
    error: str | None
    source: str
    public_score: float | None
    private_score: float | None
    task_id: int


def _check_quota(task: Any, mine: Sequence[_Sub], now: datetime) -> None:
    """Refuse one more submission when the student's earlier ones (rejected ones too) fill a quota."""
    if task.quota_total is not None and len(mine) >= task.quota_total:
        raise QuotaError(f"you used all {task.quota_total} submissions of task {task.name!r}; no more can be scored")
    if task.quota_per_day is not None:
        midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        if sum(s.created_at >= midnight for s in mine) >= task.quota_per_day:
            raise QuotaError(f"you used your {task.quota_per_day} submissions of task {task.name!r} for today "
                             "(UTC); try again after midnight UTC")


def _published(subs: Sequence[_Sub], eta: float) -> dict[int, tuple[float | None, datetime | None]]:
    """Submission id → (its student's published value after it, when that value was set), by the Ladder."""
    out: dict[int, tuple[float | None, datetime | None]] = {}
    state: dict[str, tuple[float | None, datetime | None]] = {}
    for s in subs:
        value, when = state.get(s.student, (None, None))
        if s.status == "scored" and s.public_score is not None:
            moved = ladder_update(value, s.public_score, eta)
            if moved != value:
                value, when = moved, s.created_at
        state[s.student] = out[s.id] = (value, when)
    return out


def _views(subs: list[_Sub], eta: float, *, closed: bool) -> list[SubmissionView]:
    published = _published(subs, eta)
    before: dict[str, float | None] = {}
    views = []
    for s in subs:
        value = published[s.id][0]
        views.append(SubmissionView(
            id=s.id, task_id=s.task_id, student=s.student, created_at=s.created_at, status=s.status,
            error=s.error, source=s.source, published=value,
            new_best=s.status == "scored" and value != before.get(s.student),
            private_score=s.private_score if closed else None))
        before[s.student] = value
    return views


_TASK_COLUMNS = (ClassTask.id, ClassTask.class_id, ClassTask.name, ClassTask.kind, ClassTask.metric, ClassTask.source,
                 ClassTask.feature_names, ClassTask.labels, ClassTask.n_train, ClassTask.n_test, ClassTask.n_public,
                 ClassTask.public_fraction, ClassTask.quota_per_day, ClassTask.quota_total, ClassTask.ladder_step,
                 ClassTask.status, ClassTask.created_at, ClassTask.closed_at)


def _task_info(row: Any) -> TaskInfo:
    return TaskInfo(id=int(row.id), class_id=int(row.class_id), name=row.name, kind=row.kind, metric=row.metric,
                    source=dict(row.source), feature_names=tuple(row.feature_names),
                    labels=None if row.labels is None else tuple(row.labels), n_train=row.n_train, n_test=row.n_test,
                    n_public=row.n_public, public_fraction=row.public_fraction, quota_per_day=row.quota_per_day,
                    quota_total=row.quota_total, ladder_step=row.ladder_step, status=row.status,
                    created_at=row.created_at, closed_at=row.closed_at)


def _public_rows(rng: np.random.Generator, y: np.ndarray, n_public: int, *, stratify: bool) -> np.ndarray:
    """``n_public`` test rows drawn at random, by class in proportion when ``stratify`` (sorted).

    Stratified, a constant prediction scores the same class share on the public part as on the whole
    (50 % on a balanced task): the public board does not start a prober above chance by luck of the draw.
    """
    order = rng.permutation(len(y))
    if not stratify:
        return np.sort(order[:n_public])
    # Rank each row within its class (in the random order), then take rows by that rank scaled to the
    # class's size: every class contributes in proportion, and the total is exactly n_public.
    position = np.empty(len(y), dtype=float)
    for value in np.unique(y):
        members = order[y[order] == value]
        position[members] = (np.arange(len(members)) + 0.5) / len(members)
    chosen = order[np.argsort(position[order], kind="stable")]  # stable: ties keep the random order
    return np.sort(chosen[:n_public])


def _metric(answers: _Answers, y_pred: np.ndarray, rows: np.ndarray) -> float:
    """Accuracy or R² of the predictions on some of the test rows (the public or the private part).

    Accuracy is the fraction of equal labels, computed in NumPy: scikit-learn's input checks cost ~25 ms
    a submission for the same number, which a class submitting at once would feel.  R² is scikit-learn's.
    """
    if answers.labels is None:
        from sklearn.metrics import r2_score

        return float(r2_score(answers.y[rows], y_pred[rows]))
    return float(np.mean(answers.y[rows] == y_pred[rows]))


def _id(value: Any) -> int:
    """A row id as the database takes it; anything else names no row (never a driver error)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        return 0
    return value


def _clean_name(name: Any, what: str, limit: int) -> str:
    text = " ".join(str(name).split()) if isinstance(name, str) else ""
    if not text or len(text) > limit or any(not ch.isprintable() for ch in text):
        raise ConfigError(f"the {what} must be 1 to {limit} printable characters, got {_short(name)}")
    return text


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _fraction(what: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise ConfigError(f"{what} must be a number strictly between 0 and 1, got {_short(value)}")
    return float(value)


def _positive(what: str, value: Any, *, maximum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= maximum:
        raise ConfigError(f"{what} must be a number in (0, {maximum}], got {_short(value)}")
    return float(value)


def _quota(what: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**31:
        raise ConfigError(f"{what} must be a whole number ≥ 1 (or left out for no limit), got {_short(value)}")
    return value


def _printable(text: str) -> str:
    """``text`` safe for any database column and any page: control and lone-surrogate characters become ``?``."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _cell(value: float | None) -> str:
    return "" if value is None else repr(float(value))
