"""What a probing student could read off a task's public board, measured when the task is added.

A task whose size is fixed (a bundled set, a CSV, a generator the instructor sized) may have a
public part too small for the Ladder to hide: the figures in :mod:`neuronlab.classroom.defaults`
show a boosting attacker above 65 % of 40 public labels in a third of draws.  Rather than a table
that holds only at the default rules, :func:`probing_risk` runs both attacks of
:mod:`neuronlab.classroom.attacks` against a simulated board with the task's own size, step and
quotas (the Ladder sees only the public rows, so a public part of random balanced labels is all the
attacks can tell apart from the real one), and :func:`board_warning` turns a risk above
:data:`~neuronlab.classroom.defaults.RISK_LIMIT` into one line naming the levers that lower it.
Deterministic (fixed draws), and fast enough for an ``add-task`` (a few hundred milliseconds at most).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from neuronlab.classroom import defaults
from neuronlab.classroom.attacks import boosting, single_flip
from neuronlab.classroom.ladder import derived_step, ladder_update
from neuronlab.classroom.views import TaskInfo

RISK_SEEDS = 30  # draws of the public labels and of the attacker's randomness; the risk is the worst
NO_QUOTA_BUDGET = 1_000  # submissions a student with no quota is assumed to make over a term


@dataclass(frozen=True)
class _Shown:
    id: int
    published: float | None
    new_best: bool


class SimulatedBoard:
    """One student's side of a public board of ``labels`` under the Ladder, for ``budget`` submissions."""

    def __init__(self, labels: np.ndarray, *, step: float, budget: int) -> None:
        self.labels = labels
        self.step = step
        self.budget = budget
        self.used = 0
        self.published: float | None = None

    def __call__(self, guess: Sequence[int]) -> _Shown | None:
        if self.used >= self.budget:
            return None
        self.used += 1
        score = np.count_nonzero(np.asarray(guess) == self.labels) / len(self.labels)
        before, self.published = self.published, ladder_update(self.published, score, self.step)
        return _Shown(self.used, self.published, self.published != before)


def term_budget(quota_per_day: int | None, quota_total: int | None, days: int = defaults.TERM_DAYS) -> int:
    """The submissions one student can make over a term of ``days`` under the quotas."""
    caps = [cap for cap in (quota_total, None if quota_per_day is None else quota_per_day * days) if cap is not None]
    return min(caps) if caps else NO_QUOTA_BUDGET


def probing_risk(n_public: int, *, step: float, quota_per_day: int | None, quota_total: int | None,
                 days: int = defaults.TERM_DAYS, seeds: int = RISK_SEEDS) -> float:
    """The largest share of public labels either attack gets right over a term, worst of ``seeds`` draws.

    The public part is two balanced classes (as the stratified split makes a balanced task's): a
    constant guess scores 50 %, and anything above that was read off the board.
    """
    budget = term_budget(quota_per_day, quota_total, days)
    worst = 0.0
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        labels = rng.permutation(np.arange(n_public) % 2)
        for attack in (single_flip(SimulatedBoard(labels, step=step, budget=budget), n_public),
                       boosting(SimulatedBoard(labels, step=step, budget=budget), n_public, budget=budget, rng=rng)):
            worst = max(worst, float(np.mean(attack.guess == labels)))
    return worst


def board_warning(info: TaskInfo) -> str | None:
    """One line for the instructor when a probing student could read more than ``RISK_LIMIT`` of the public
    labels of a two-class task over a term, with the levers that would stop it; None when the rules hold.

    Regression and multiclass boards are not measured: both attacks guess two classes.
    """
    if info.kind != "binary":
        return None
    risk = probing_risk(info.n_public, step=info.ladder_step, quota_per_day=info.quota_per_day,
                        quota_total=info.quota_total)
    if risk <= defaults.RISK_LIMIT:
        return None
    levers = [f"more test rows ({defaults.GENERATED_PUBLIC_ROWS} public hold at the default rules)"]
    derived = derived_step(info.n_public)
    # A lower daily quota is no lever: on a small public part a few lucky random guesses are enough
    # (at 57 public rows, one submission a day still ends at 67 %), so only loosened rules are named.
    if info.ladder_step < derived or info.quota_per_day is None or info.quota_per_day > defaults.QUOTA_PER_DAY:
        levers.append(f"the default rules (ladder step {derived:g}, {defaults.QUOTA_PER_DAY} submissions a day)")
    return (f"the public part has {info.n_public} rows: a probing student may get up to {risk:.0%} of them right "
            f"over a {defaults.TERM_DAYS}-day term (simulated attacks, worst of {RISK_SEEDS} draws; 50% is chance); "
            f"use {' and '.join(levers)}")
