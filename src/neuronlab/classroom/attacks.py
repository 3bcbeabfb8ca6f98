"""Two ways a hostile student probes a public board, to audit a task's rules before a class sees them.

Both start knowing nothing of the labels of a binary task and learn only what every student sees:
whether a submission moved their published value.

- :func:`single_flip`: start from all zeros, flip one label per submission, keep a flip when the board
  rewards it.  Against a board that publishes every gain of one row, this reads the public labels
  one by one (81 submissions for 40 public rows of 80).
- :func:`boosting`: Blum & Hardt's attack (ICML 2015, section 5): submit random label vectors, keep
  those the board rewards, and submit their majority vote.  Against exact scores it climbs about
  √(k/n) above chance after k submissions without learning anything about the task.

``submit`` is the student's side of the board: it submits class indices (one per test row) and
returns what the student sees (a :class:`~neuronlab.classroom.views.SubmissionView`, or any
:class:`Shown`), or None once the student may submit no more (quota used up, term over).
:class:`Term` makes one from a :class:`~neuronlab.classroom.Classroom` whose clock it moves a day
forward whenever the daily quota refuses; :mod:`neuronlab.classroom.risk` runs the same attacks
against a simulated board.  The benchmark ``benchmarks/bench_board_attacks.py`` and the attack tests
share these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np

from neuronlab.classroom.errors import QuotaError
from neuronlab.classroom.service import Classroom
from neuronlab.classroom.views import SubmissionView


class Shown(Protocol):
    """What a student sees of one submission: a :class:`SubmissionView`, or a simulated board's answer."""

    @property
    def id(self) -> int: ...
    @property
    def published(self) -> float | None: ...
    @property
    def new_best(self) -> bool: ...


Submit = Callable[[Sequence[int]], Shown | None]


@dataclass(frozen=True)
class Attack:
    """What an attack ends with: its final guess of every test label and what the board shows for it."""

    name: str
    guess: np.ndarray  # class indices, one per test row
    guess_id: int | None  # the submission that carried the guess: the instructor's export has its exact scores
    submissions: int
    published: float | None  # the attacker's value on the public board at the end


class Term:
    """A student's term on one task: ``days`` days of submissions, as many a day as the quota lets.

    Also the room's clock (pass it as ``Classroom(url, clock=term)``): it starts at ``start`` and moves
    to the next UTC day each time the daily quota refuses a submission.
    """

    def __init__(self, start: datetime, *, days: int) -> None:
        self.now = start
        self.day = 0
        self.days = days
        self.used = 0

    def __call__(self) -> datetime:
        return self.now

    def submitter(self, room: Classroom, *, task_id: int, token: str) -> Submit:
        """The student's ``submit``: None when both today and every later day of the term refuse."""

        def submit(labels: Sequence[int]) -> SubmissionView | None:
            while self.day < self.days:
                try:
                    view = room.submit(task_id=task_id, student_token=token, predictions=[int(v) for v in labels])
                except QuotaError:
                    self._next_day()
                    continue
                self.used += 1
                return view
            return None

        return submit

    def _next_day(self) -> None:
        self.day += 1
        midnight = self.now.replace(hour=0, minute=0, second=0, microsecond=0)
        self.now = midnight + timedelta(days=1, minutes=1)


def single_flip(submit: Submit, n_test: int) -> Attack:
    """Flip one label per submission from all zeros; keep each flip the board rewards."""
    guess = np.zeros(n_test, dtype=int)
    first = submit(guess.tolist())
    if first is None:
        return Attack("single flip", guess, None, 0, None)
    used, published, guess_id = 1, first.published, first.id
    for i in range(n_test):
        trial = guess.copy()
        trial[i] = 1 - trial[i]
        view = submit(trial.tolist())
        if view is None:
            break
        used += 1
        if view.new_best:
            guess, published, guess_id = trial, view.published, view.id
    return Attack("single flip", guess, guess_id, used, published)


def boosting(submit: Submit, n_test: int, *, budget: int, rng: np.random.Generator) -> Attack:
    """Blum & Hardt's boosting attack: ``budget - 1`` random vectors, then the majority of the rewarded ones.

    A vector counts as rewarded when it moved the published value (the first one: when it was
    published above chance, 0.5).  Ties of the vote go to class 1, as in the paper's code.
    """
    kept: list[np.ndarray] = []
    used, published = 0, None
    for _ in range(budget - 1):
        vector = rng.integers(0, 2, size=n_test)
        view = submit(vector.tolist())
        if view is None:
            break
        used += 1
        if view.new_best and (published is not None or (view.published or 0.0) > 0.5):
            kept.append(vector)
        published = view.published
    votes = np.sum(kept, axis=0) if kept else np.zeros(n_test)
    guess = (votes >= len(kept) / 2).astype(int)
    view = submit(guess.tolist())
    if view is not None:
        used += 1
        published = view.published
    return Attack("boosting", guess, None if view is None else view.id, used, published)
