"""The scoreboard's rules on SQLite and on a real PostgreSQL: scoring, the Ladder board, quotas, tokens, ranking."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import text

from neuronlab.classroom import (
    AuthError,
    Classroom,
    ClosedError,
    ForbiddenError,
    NotFoundError,
    QuotaError,
    TaskInfo,
    ladder,
)
from neuronlab.classroom.tokens import digest
from neuronlab.errors import ConfigError, DataError, NeuronlabError
from neuronlab.store import RunStore, hash_spec
from neuronlab.store.engine import make_engine
from neuronlab.tasks import load_task


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'class.db'}"
    return str(request.getfixturevalue("postgres_db_url"))


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 23, 50, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def room(db_url: str, clock: Clock) -> Iterator[Classroom]:
    opened = Classroom(db_url, clock=clock)
    yield opened
    opened.close()


def _setup(room: Classroom, *, task: str = "moons", seed: int = 3, n_students: int = 1,
           params: dict[str, Any] | None = None, **rules: Any) -> tuple[str, TaskInfo, list[str]]:
    cls, instructor = room.create_class(name="NN 2026")
    info = room.add_task(class_id=cls.id, instructor_token=instructor, task=task,
                         params={"seed": seed, **(params or {})}, **rules)
    codes = room.issue_join_codes(class_id=cls.id, instructor_token=instructor, n=n_students)
    students = [room.join(code=code, name=f"student {i}")[1] for i, code in enumerate(codes)]
    return instructor, info, students


def _labels(info: TaskInfo, seed: int = 3) -> np.ndarray:
    """The task's test labels, rebuilt as only the instructor (who knows the seed) can: its loader
    parameters are public in ``info.source``, grown test set and all."""
    return load_task(info.source["task"], seed=seed, **info.source["params"]).y_test


def _exported(room: Classroom, task_id: int, instructor: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(room.export_csv(task_id=task_id, instructor_token=instructor))))


def _csv(values: Any) -> str:
    return "id,prediction\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values))


def test_scores_split_into_public_and_private_parts(room: Classroom) -> None:
    instructor, info, (student,) = _setup(room, ladder_step=0.01)
    y = _labels(info)  # the instructor's seed is known to this test only
    assert info.n_test == len(y) and info.n_public == len(y) // 2 and info.labels == ("0", "1")
    assert "seed" not in info.source["params"]

    perfect = room.submit(task_id=info.id, student_token=student, predictions=_csv(y))
    assert perfect.status == "scored" and perfect.published == 1.0 and perfect.new_best
    assert perfect.private_score is None  # not before closing
    half = y.copy()
    half[: len(y) // 2] = 1 - half[: len(y) // 2]  # wrong on the first half of the ids
    room.submit(task_id=info.id, student_token=student, predictions={"predictions": half.tolist()})
    rows = _exported(room, info.id, instructor)
    assert float(rows[0]["public_score"]) == 1.0 and float(rows[0]["private_score"]) == 1.0
    public, private = float(rows[1]["public_score"]), float(rows[1]["private_score"])
    n_public, n_private = info.n_public, info.n_test - info.n_public
    # Public and private parts partition the test rows: their correct counts add up to the total.
    assert round(public * n_public + private * n_private) == len(y) - len(y) // 2
    assert public != private  # a random public part does not coincide with the first half


def test_board_follows_the_ladder_of_exact_public_scores(room: Classroom) -> None:
    # moons' own 80 test rows (n_samples given: not grown), which the flips below are tuned to; 6 in a day
    instructor, info, students = _setup(room, n_students=2, params={"n_samples": 400}, ladder_step=0.05,
                                        quota_per_day=None)
    y = _labels(info)
    rng = np.random.default_rng(0)
    for k in (30, 20, 18, 5, 6, 0):  # flip k random labels: scores rise, with small steps among them
        pred = y.copy()
        flip = rng.choice(len(y), size=k, replace=False)
        pred[flip] = 1 - pred[flip]
        room.submit(task_id=info.id, student_token=students[0], predictions=pred.tolist())
    room.submit(task_id=info.id, student_token=students[1], predictions=(1 - y).tolist())
    exact = [float(r["public_score"]) for r in _exported(room, info.id, instructor) if r["student"] == "student 0"]
    board = room.public_board(task_id=info.id)
    assert [r.student for r in board.rows] == ["student 0", "student 1"]
    assert board.rows[0].published == ladder(exact, 0.05)[-1]
    assert exact[-1] == 1.0 and board.rows[0].published < 1.0  # the last gain was within the step: unpublished
    assert board.rows[1].published == 0.0 and board.final is None
    mine = room.submissions(task_id=info.id, token=students[0])
    assert [s.published for s in mine] == ladder(exact, 0.05)
    assert len(set(exact)) > len({s.published for s in mine})  # some exact gains stayed unpublished


def test_close_reveals_private_ranking_of_best_public_submission(room: Classroom) -> None:
    instructor, info, students = _setup(room, n_students=3)
    y = _labels(info)
    room.submit(task_id=info.id, student_token=students[0], predictions=y.tolist())
    room.submit(task_id=info.id, student_token=students[1], predictions=(1 - y).tolist())
    with pytest.raises(ForbiddenError):
        room.close_task(task_id=info.id, instructor_token=students[0])
    final = room.close_task(task_id=info.id, instructor_token=instructor)
    assert [(r.rank, r.student, r.private_score) for r in final] == [(1, "student 0", 1.0), (2, "student 1", 0.0)]
    with pytest.raises(ClosedError, match="closed"):
        room.submit(task_id=info.id, student_token=students[2], predictions=y.tolist())
    assert room.submissions(task_id=info.id, token=students[0])[0].private_score == 1.0  # revealed now
    assert room.public_board(task_id=info.id).final == final


@pytest.mark.parametrize(("task", "shares"), [("moons", (0.5, 0.5)), ("iris", (1 / 3, 1 / 3, 1 / 3)),
                                              ("wine", (12 / 36, 14 / 36, 10 / 36))])
def test_public_part_holds_each_class_in_its_share(room: Classroom, task: str, shares: tuple[float, ...]) -> None:
    # A constant prediction scores the class's share on both parts: the public board starts no prober
    # above chance by luck of the draw (unstratified, moons seed 3 put 22 zeros and 18 ones in public).
    instructor, info, (student,) = _setup(room, task=task, quota_per_day=None)
    for label in range(len(shares)):
        room.submit(task_id=info.id, student_token=student, predictions=[label] * info.n_test)
    rows = _exported(room, info.id, instructor)
    n_private = info.n_test - info.n_public
    for row, share in zip(rows, shares, strict=True):
        assert abs(float(row["public_score"]) - share) <= 0.5 / info.n_public  # within one row of rounding
        assert abs(float(row["private_score"]) - share) <= 0.5 / n_private + 1 / info.n_public


N_TEST = 300  # a class's moons task: its test set grown to 150 public rows
BAD = {
    "wrong row count": ("id,prediction\n0,1\n", f"expected {N_TEST} predictions"),
    "unknown ids": ("id,prediction\n" + "".join(f"{i + 5},1\n" for i in range(N_TEST)), f"unknown test id {N_TEST}"),
    "duplicate ids": ("id,prediction\n" + "".join(f"{min(i, N_TEST - 2)},1\n" for i in range(N_TEST)),
                      "appears twice"),
    "wrong label set": (_csv([2] * N_TEST), "not a class"),
    "no id column": ("prediction\n" + "1\n" * N_TEST, "no column 'id'"),
    "not json": (b"{oops", "not valid JSON"),
}


def test_bad_predictions_are_one_clear_error_and_count_toward_quota(room: Classroom) -> None:
    cls, instructor = room.create_class(name="c")
    (code,) = room.issue_join_codes(class_id=cls.id, instructor_token=instructor)
    _me, student = room.join(code=code, name="Ada")
    for case, (body, message) in BAD.items():
        info = room.add_task(class_id=cls.id, instructor_token=instructor, task="moons", name=case, quota_total=2)
        with pytest.raises(DataError, match=message) as error:
            room.submit(task_id=info.id, student_token=student, predictions=body,
                        format="json" if isinstance(body, bytes) else "csv")
        assert "\n" not in str(error.value)
        rows = _exported(room, info.id, instructor)
        assert [(r["status"], message in r["error"]) for r in rows] == [("rejected", True)], case
        assert room.public_board(task_id=info.id).rows == ()  # a rejected submission publishes nothing
        room.submit(task_id=info.id, student_token=student, predictions=[1] * info.n_test)
        with pytest.raises(QuotaError, match="all 2 submissions"):  # the rejected one counted
            room.submit(task_id=info.id, student_token=student, predictions=[1] * info.n_test)
        assert len(_exported(room, info.id, instructor)) == 2  # the refused one is not recorded


@pytest.mark.parametrize(("value", "message"), [("abc", "not a number"), ("nan", "NaN"), ("inf", "infinity")])
def test_regression_predictions_must_be_finite_numbers(room: Classroom, value: str, message: str) -> None:
    _instructor, info, (student,) = _setup(room, task="sin")
    assert info.metric == "r2" and info.labels is None
    values = ["0.5"] * info.n_test
    values[7] = value
    with pytest.raises(DataError, match=message):
        room.submit(task_id=info.id, student_token=student, predictions=_csv(values))
    y = _labels(info)
    assert room.submit(task_id=info.id, student_token=student, predictions=_csv(y.tolist())).published == 1.0


def test_daily_quota_resets_at_utc_midnight(room: Classroom, clock: Clock) -> None:
    _instructor, info, (student,) = _setup(room, quota_per_day=2, quota_total=3)
    ones = [1] * info.n_test
    for _ in range(2):
        room.submit(task_id=info.id, student_token=student, predictions=ones)
    with pytest.raises(QuotaError, match="for today"):
        room.submit(task_id=info.id, student_token=student, predictions=ones)
    clock.now += timedelta(minutes=15)  # past midnight UTC
    room.submit(task_id=info.id, student_token=student, predictions=ones)
    with pytest.raises(QuotaError, match="all 3"):
        room.submit(task_id=info.id, student_token=student, predictions=ones)


def test_concurrent_submissions_never_exceed_the_quota(db_url: str) -> None:
    setup = Classroom(db_url)
    _instructor, info, students = _setup(setup, quota_total=3, n_students=2)
    setup.close()
    outcomes: list[str] = []
    lock = threading.Lock()

    def work(token: str) -> None:
        room = Classroom(db_url)  # one engine per thread, like separate server workers
        for i in range(5):
            try:
                room.submit(task_id=info.id, student_token=token, predictions=[i % 2] * info.n_test)
                result = "ok"
            except QuotaError:
                result = "quota"
            with lock:
                outcomes.append(result)
        room.close()

    threads = [threading.Thread(target=work, args=(students[i % 2],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 6 and outcomes.count("quota") == 14  # 3 each, exactly
    engine = make_engine(db_url)
    with engine.connect() as conn:
        counts = conn.execute(text("SELECT member_id, count(*) FROM class_submissions GROUP BY member_id")).all()
    engine.dispose()
    assert sorted(n for _m, n in counts) == [3, 3]


def test_tokens_and_codes_are_stored_only_as_digests(room: Classroom, db_url: str) -> None:
    cls, instructor = room.create_class(name="secret class")
    (code,) = room.issue_join_codes(class_id=cls.id, instructor_token=instructor, n=1)
    _me, student = room.join(code=code, name="Ada")
    engine = make_engine(db_url)
    with engine.connect() as conn:
        dump = " ".join(str(row) for table in ("classes", "class_members", "class_join_codes")
                        for row in conn.execute(text(f"SELECT * FROM {table}")))
    engine.dispose()
    for secret in (instructor, code, student):
        assert secret not in dump and digest(secret) in dump
    assert room.whoami(token=student).name == "Ada" and room.whoami(token=instructor).role == "instructor"


def test_join_codes_are_single_use_and_names_unique(room: Classroom) -> None:
    cls, instructor = room.create_class(name="c")
    a, b = room.issue_join_codes(class_id=cls.id, instructor_token=instructor, n=2)
    room.join(code=a, name="Ada")
    with pytest.raises(AuthError, match="already used"):
        room.join(code=a, name="Bob")
    with pytest.raises(ConfigError, match="taken"):
        room.join(code=b, name="Ada")
    room.join(code=b, name="Bob")  # the failed attempt did not burn the code
    with pytest.raises(AuthError, match="unknown join code"):
        room.join(code="join-nope", name="Eve")


def test_students_cannot_act_as_others_or_as_instructor(room: Classroom) -> None:
    instructor, info, (ada, bob) = _setup(room, n_students=2)
    _other_instructor, other, (eve,) = _setup(room, seed=4)
    room.submit(task_id=info.id, student_token=ada, predictions=[1] * info.n_test)
    assert room.submissions(task_id=info.id, token=bob) == ()  # Bob sees none of Ada's
    assert len(room.submissions(task_id=info.id, token=instructor)) == 1
    with pytest.raises(ForbiddenError, match="not a member"):
        room.submit(task_id=info.id, student_token=eve, predictions=[1] * info.n_test)
    with pytest.raises(ForbiddenError):
        room.submissions(task_id=other.id, token=ada)
    for action in (lambda: room.issue_join_codes(class_id=info.class_id, instructor_token=ada),
                   lambda: room.export_csv(task_id=info.id, instructor_token=ada),
                   lambda: room.add_task(class_id=info.class_id, instructor_token=ada, task="xor"),
                   lambda: room.close_task(task_id=info.id, instructor_token=_other_instructor)):
        with pytest.raises(ForbiddenError):
            action()
    for token in (None, "", "nls_forged", "Bearer x"):
        with pytest.raises(AuthError):
            room.submit(task_id=info.id, student_token=token, predictions=[1] * info.n_test)
    with pytest.raises(ForbiddenError, match="for students"):
        room.submit(task_id=info.id, student_token=instructor, predictions=[1] * info.n_test)
    with pytest.raises(NotFoundError):
        room.test_inputs(task_id=2**40)


def test_csv_task_accepts_class_names_and_indices(room: Classroom, tmp_path: Path) -> None:
    cls, instructor = room.create_class(name="c")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, 2))
    names = np.where(x[:, 0] > 0, "cat", "dog")
    table = "a,b,animal\n" + "".join(f"{p},{q},{n}\n" for (p, q), n in zip(x, names, strict=True))
    info = room.add_task(class_id=cls.id, instructor_token=instructor, name="pets", csv_text=table, target="animal",
                         public_fraction=0.25)
    assert info.labels == ("cat", "dog") and info.feature_names == ("a", "b") and info.n_test == 18
    assert info.n_public == round(0.25 * 18)
    inputs = room.test_inputs(task_id=info.id)
    truth = ["cat" if row[0] > 0 else "dog" for row in inputs.rows]
    (code,) = room.issue_join_codes(class_id=cls.id, instructor_token=instructor)
    _me, student = room.join(code=code, name="Ada")
    assert room.submit(task_id=info.id, student_token=student, predictions=_csv(truth)).published == 1.0
    indices = [0 if t == "cat" else 1 for t in truth]
    assert room.submit(task_id=info.id, student_token=student, predictions=indices).published == 1.0
    train = room.train_data(task_id=info.id)
    assert len(train.rows) == info.n_train == 42 and set(train.targets) == {"cat", "dog"}
    with pytest.raises(ConfigError, match="target"):
        room.add_task(class_id=cls.id, instructor_token=instructor, csv_text=table)
    with pytest.raises(NeuronlabError, match="no target column"):
        room.add_task(class_id=cls.id, instructor_token=instructor, csv_text=table, target="nope")


def test_a_saved_run_submits_its_predictions_artifact(room: Classroom, db_url: str) -> None:
    instructor, info, (student,) = _setup(room, quota_total=3)
    y = _labels(info)
    runs = RunStore(db_url)
    args = dict(spec={}, spec_hash=hash_spec({}), seed=0, experiment="e", task="moons", model="mlp", params={},
                status="done", metrics={})
    with_preds = runs.record(**args, artifacts={"predictions.csv": _csv(y).encode()})
    without = runs.record(**args)
    runs.close()
    view = room.submit(task_id=info.id, student_token=student, run_id=with_preds)
    assert view.published == 1.0 and view.source == f"run:{with_preds}"
    with pytest.raises(DataError, match=r"no predictions\.csv"):
        room.submit(task_id=info.id, student_token=student, run_id=without)
    assert [r["status"] for r in _exported(room, info.id, instructor)] == ["scored", "rejected"]


def test_task_rules_are_checked(room: Classroom) -> None:
    cls, instructor = room.create_class(name="c")
    add = room.add_task
    for kwargs, message in [({"task": "moons", "public_fraction": 1.0}, "public_fraction"),
                            ({"task": "moons", "ladder_step": 0}, "ladder_step"),
                            ({"task": "moons", "quota_total": 0}, "quota_total"),
                            ({"task": "moons", "params": {"noise": "loud"}}, "noise"),
                            ({"task": "nope"}, "unknown task"),
                            ({}, "either")]:
        with pytest.raises(NeuronlabError, match=message):
            add(class_id=cls.id, instructor_token=instructor, **kwargs)
    first = add(class_id=cls.id, instructor_token=instructor, task="moons")
    second = add(class_id=cls.id, instructor_token=instructor, task="moons", name="moons again")
    # Secret seeds: two tasks from one generator get different test points.
    assert room.test_inputs(task_id=first.id).rows != room.test_inputs(task_id=second.id).rows
    with pytest.raises(ConfigError, match="already has a task"):
        add(class_id=cls.id, instructor_token=instructor, task="xor", name="moons")
