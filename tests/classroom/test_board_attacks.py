"""The public board under attack: the defaults stop both probes that the old rules (η = 0.01, no quota) let through.

A real Classroom (SQLite; the single-flip probe on PostgreSQL too), a moons task built as
``neuronlab class add-task --task moons`` builds it (80 test rows, 40 public), a term of days on an
injected clock, and the two attacks of :mod:`neuronlab.classroom.attacks`.  What the attacker got right
is read from the instructor's export (exact public and private scores of the attacker's final guess).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from neuronlab.classroom import Classroom, TaskInfo
from neuronlab.classroom.attacks import Attack, Term, boosting, single_flip

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OLD_RULES: dict[str, Any] = {"ladder_step": 0.01, "quota_per_day": None}  # the defaults before issue 11


@dataclass
class Board:
    room: Classroom
    term: Term
    info: TaskInfo
    instructor: str
    attacker: str
    honest: str

    def exact(self, submission_id: int | None) -> tuple[float, float]:
        """(public, private) accuracy of one submission, from the instructor's export."""
        rows = csv.DictReader(io.StringIO(self.room.export_csv(task_id=self.info.id, instructor_token=self.instructor)))
        row = next(r for r in rows if r["submission_id"] == str(submission_id))
        return float(row["public_score"]), float(row["private_score"])

    def honest_published(self) -> float:
        """The board value of an honest model: logistic regression fitted on the task's training rows."""
        train = self.room.train_data(task_id=self.info.id)
        labels = self.info.labels or ()
        y = np.array([labels.index(str(t)) for t in train.targets])
        model = LogisticRegression().fit(np.array(train.rows), y)
        test = np.array(self.room.test_inputs(task_id=self.info.id).rows)
        view = self.room.submit(task_id=self.info.id, student_token=self.honest,
                                predictions=model.predict(test).tolist())
        assert view.published is not None
        return view.published


def _board(url: str, days: int, **rules: Any) -> Iterator[Board]:
    term = Term(START, days=days)
    room = Classroom(url, clock=term)
    cls, instructor = room.create_class(name="NN 2026")
    info = room.add_task(class_id=cls.id, instructor_token=instructor, task="moons", params={"seed": 0}, **rules)
    codes = room.issue_join_codes(class_id=cls.id, instructor_token=instructor, n=2)
    attacker, honest = (room.join(code=code, name=name)[1] for code, name in zip(codes, ("Mallory", "Ada"),
                                                                                strict=True))
    yield Board(room, term, info, instructor, attacker, honest)
    room.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'class.db'}"


def _attack(board: Board, name: str, budget: int) -> Attack:
    submit = board.term.submitter(board.room, task_id=board.info.id, token=board.attacker)
    if name == "single flip":
        return single_flip(submit, board.info.n_test)
    return boosting(submit, board.info.n_test, budget=budget, rng=np.random.default_rng(0))


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_defaults_stop_the_single_flip_probe(db: str, sqlite_url: str, request: pytest.FixtureRequest) -> None:
    url = sqlite_url if db == "sqlite" else str(request.getfixturevalue("postgres_db_url"))
    for board in _board(url, days=28):  # 28 days × 5: enough for the probe to try every one of the 80 rows
        assert (board.info.ladder_step, board.info.quota_per_day, board.info.n_public) == (0.1, 5, 40)
        attack = _attack(board, "single flip", budget=0)
        assert attack.submissions == 81 and board.term.day == 16  # it ran to the end, five a day
        public, _private = board.exact(attack.guess_id)
        assert public <= 0.65 and public == 0.5  # no flip was ever rewarded: still all zeros, chance exactly
        assert attack.published is not None
        assert attack.published <= board.honest_published() + board.info.ladder_step


def test_old_rules_let_the_single_flip_probe_read_every_public_label(sqlite_url: str) -> None:
    for board in _board(sqlite_url, days=1, **OLD_RULES):  # no quota: the whole probe in one day
        attack = _attack(board, "single flip", budget=0)
        public, private = board.exact(attack.guess_id)
        assert attack.submissions == 81 and public == 1.0 and attack.published == 1.0
        assert private < 0.7  # the private rows were never scored: they stay near chance
        assert attack.published > board.honest_published() + board.info.ladder_step


def test_defaults_stop_the_boosting_attack(sqlite_url: str) -> None:
    for board in _board(sqlite_url, days=14):  # a two-week task: 70 submissions
        attack = _attack(board, "boosting", budget=5 * 14)  # it plans for the quota it sees
        assert attack.submissions == 70
        public, _private = board.exact(attack.guess_id)
        assert public <= 0.65
        assert attack.published is not None
        assert attack.published <= board.honest_published() + board.info.ladder_step


def test_old_rules_let_the_boosting_attack_climb(sqlite_url: str) -> None:
    for board in _board(sqlite_url, days=1, **OLD_RULES):
        attack = _attack(board, "boosting", budget=300)
        public, private = board.exact(attack.guess_id)
        assert attack.submissions == 300 and public > 0.65  # learned from the board alone...
        assert private < 0.6  # ...and nothing about the task
