"""The public board under attack: the defaults stop both probes that the old rules (η = 0.01, no quota) let through.

A real Classroom (SQLite; the single-flip probe on PostgreSQL too), a moons task built as
``neuronlab class add-task --task moons`` builds it (300 test rows, 150 public: a generated task's
test set is grown, :mod:`neuronlab.classroom.sizing`), a term of days on an injected clock, and the two
attacks of :mod:`neuronlab.classroom.attacks`.  What the attacker got right is read from the
instructor's export (exact public and private scores of the attacker's final guess).  The controls
run the old rules, or the new rules on the old size (80 test rows, 40 public), and show each attack
getting through.
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
OLD_SIZE = {"n_samples": 400}  # sized by the instructor: moons' own split, 80 test rows, 40 public
TERM = 28  # days; five submissions a day


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


def _board(url: str, days: int, *, seed: int = 0, params: dict[str, Any] | None = None,
           **rules: Any) -> Iterator[Board]:
    term = Term(START, days=days)
    room = Classroom(url, clock=term)
    cls, instructor = room.create_class(name="NN 2026")
    info = room.add_task(class_id=cls.id, instructor_token=instructor, task="moons",
                         params={"seed": seed, **(params or {})}, **rules)
    codes = room.issue_join_codes(class_id=cls.id, instructor_token=instructor, n=2)
    attacker, honest = (room.join(code=code, name=name)[1] for code, name in zip(codes, ("Mallory", "Ada"),
                                                                                strict=True))
    yield Board(room, term, info, instructor, attacker, honest)
    room.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'class.db'}"


def _attack(board: Board, name: str, budget: int, seed: int = 0) -> Attack:
    submit = board.term.submitter(board.room, task_id=board.info.id, token=board.attacker)
    if name == "single flip":
        return single_flip(submit, board.info.n_test)
    return boosting(submit, board.info.n_test, budget=budget, rng=np.random.default_rng(seed))


def _boosting_public(url: str, seed: int, **params: Any) -> float:
    """What a boosting attacker ends with over a term at the default rules: its share of public labels right.

    Also checks the other half of the claim: its board value is never more than one step above an
    honest model's."""
    for board in _board(url, days=TERM, seed=seed, params=params):
        attack = _attack(board, "boosting", budget=5 * TERM, seed=seed)  # it plans for the quota it sees
        assert attack.submissions == 5 * TERM and attack.published is not None
        assert attack.published <= board.honest_published() + board.info.ladder_step
        return board.exact(attack.guess_id)[0]
    raise AssertionError("unreachable")


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_defaults_stop_the_single_flip_probe(db: str, sqlite_url: str, request: pytest.FixtureRequest) -> None:
    url = sqlite_url if db == "sqlite" else str(request.getfixturevalue("postgres_db_url"))
    for board in _board(url, days=TERM):
        assert (board.info.ladder_step, board.info.quota_per_day, board.info.n_public) == (0.05, 5, 150)
        assert board.info.n_test == 300 and board.info.n_train == 320  # the test set grew, the training rows did not
        attack = _attack(board, "single flip", budget=0)
        assert attack.submissions == 5 * TERM and board.term.day == TERM  # it used the whole term, five a day
        public, _private = board.exact(attack.guess_id)
        assert public <= 0.65 and public == 0.5  # no flip was ever rewarded: still all zeros, chance exactly
        assert attack.published is not None
        assert attack.published <= board.honest_published() + board.info.ladder_step


def test_old_rules_let_the_single_flip_probe_read_every_public_label(sqlite_url: str) -> None:
    for board in _board(sqlite_url, days=1, params=OLD_SIZE, **OLD_RULES):  # no quota: the whole probe in one day
        assert board.info.n_public == 40
        attack = _attack(board, "single flip", budget=0)
        public, private = board.exact(attack.guess_id)
        assert attack.submissions == 81 and public == 1.0 and attack.published == 1.0
        assert private < 0.7  # the private rows were never scored: they stay near chance
        assert attack.published > board.honest_published() + board.info.ladder_step


def test_defaults_stop_the_boosting_attack(sqlite_url: str) -> None:
    assert _boosting_public(sqlite_url, seed=0) <= 0.65  # a four-week task: 140 submissions


@pytest.mark.slow
def test_defaults_stop_the_boosting_attack_in_every_seed(tmp_path: Path) -> None:
    # Ten secret task seeds, each with its own attacker: not one ends above 65 % (at 40 public rows,
    # two of these ten do: the control below).
    publics = [_boosting_public(f"sqlite:///{tmp_path / f'{seed}.db'}", seed) for seed in range(10)]
    assert max(publics) <= 0.65, publics


@pytest.mark.slow
def test_the_old_size_lets_the_boosting_attack_through_the_new_rules(tmp_path: Path) -> None:
    # What the grown test set buys: the same attacks, rules and seeds on moons' own 80 test rows.
    publics = [_boosting_public(f"sqlite:///{tmp_path / f'{seed}.db'}", seed, **OLD_SIZE) for seed in range(10)]
    assert max(publics) > 0.65, publics


def test_old_rules_let_the_boosting_attack_climb(sqlite_url: str) -> None:
    for board in _board(sqlite_url, days=1, params=OLD_SIZE, **OLD_RULES):
        attack = _attack(board, "boosting", budget=300)
        public, private = board.exact(attack.guess_id)
        assert attack.submissions == 300 and public > 0.65  # learned from the board alone...
        assert private < 0.6  # ...and nothing about the task
