"""The add-task warning: simulated attacks on a board of the task's size and rules, one line when they get through."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np

from neuronlab.classroom import TaskInfo, derived_step, ladder
from neuronlab.classroom.risk import SimulatedBoard, board_warning, probing_risk, term_budget

DEFAULTS: dict[str, Any] = {"quota_per_day": 5, "quota_total": None}
OLD_RULES: dict[str, Any] = {"step": 0.01, "quota_per_day": None, "quota_total": None}


def _info(n_public: int, *, kind: str = "binary", step: float | None = None, quota_per_day: int | None = 5) -> TaskInfo:
    return TaskInfo(id=1, class_id=1, name="t", kind=kind, metric="accuracy", source={}, feature_names=("x",),
                    labels=("0", "1"), n_train=100, n_test=2 * n_public, n_public=n_public, public_fraction=0.5,
                    quota_per_day=quota_per_day, quota_total=None,
                    ladder_step=derived_step(n_public) if step is None else step, status="open",
                    created_at=datetime(2026, 3, 2, tzinfo=UTC), closed_at=None)


def test_the_simulated_board_publishes_by_the_ladder_and_stops_at_its_budget() -> None:
    labels = np.array([0, 1] * 10)
    board = SimulatedBoard(labels, step=0.1, budget=4)
    guesses = [np.zeros(20, int), labels.copy(), 1 - labels, labels.copy()]
    guesses[1][:5] = 1 - guesses[1][:5]  # 0.75: a gain of 0.25, published
    shown = [board(g.tolist()) for g in guesses]
    scores = [0.5, 0.75, 0.0, 1.0]
    assert [s.published for s in shown if s is not None] == ladder(scores, 0.1)
    assert [s.new_best for s in shown if s is not None] == [True, True, False, True]
    assert board(labels.tolist()) is None  # the fifth submission: over budget


def test_term_budget_is_the_tighter_quota() -> None:
    assert (term_budget(5, None), term_budget(5, 30), term_budget(None, 60), term_budget(None, None)) == (
        140, 30, 60, 1_000)


def test_the_attacks_read_a_small_board_and_not_a_grown_one() -> None:
    assert probing_risk(150, step=derived_step(150), **DEFAULTS) <= 0.65
    assert probing_risk(40, step=derived_step(40), **DEFAULTS) > 0.65
    assert probing_risk(40, **OLD_RULES) == 1.0  # single flip reads every label when a row is worth a step


def test_the_warning_is_one_line_with_the_figure_and_the_levers() -> None:
    assert board_warning(_info(150)) is None  # a grown generated task at the defaults
    assert board_warning(_info(40, kind="regression")) is None  # R² boards are not probed label by label
    warning = board_warning(_info(57))  # breast_cancer's public part
    risk = probing_risk(57, step=derived_step(57), **DEFAULTS)
    assert warning is not None and "\n" not in warning
    assert warning.startswith(f"the public part has 57 rows: a probing student may get up to {risk:.0%} of them")
    assert warning.endswith("use more test rows (150 public hold at the default rules)")
    loose = board_warning(_info(150, step=0.002, quota_per_day=None))  # a row is worth more than a step
    assert loose is not None and "up to 100%" in loose
    assert loose.endswith("and the default rules (ladder step 0.05, 5 submissions a day)")
