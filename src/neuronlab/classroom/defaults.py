"""The board's protective defaults, in one place: what a task gets when its instructor names no rule.

Measured by ``benchmarks/bench_board_attacks.py`` and attacked by ``tests/classroom/test_board_attacks.py``:

- the Ladder step: :func:`neuronlab.classroom.ladder.derived_step` of the public part's size (one
  standard error of an accuracy, never less than two public rows), so a single changed label is never
  published and a random guess must beat the board by about one standard error to be;
- five submissions per student per UTC day (Kaggle's usual rate): enough to iterate on a model
  every evening, few enough that a term of random probes stays in the tens, not the thousands;
- no total quota: Blum & Hardt's bound grows only with the logarithm of the number of submissions,
  and so does what the attacks gain (at 40 public rows, a boosting attacker ends above 65 % of the
  public labels in 23 % of draws over 14 days, 33 % over 28); an instructor may still set one;
- half of the test rows public: the private half decides the final ranking.

The public rows are drawn stratified by class, so a constant prediction scores the class share on
both parts (50 % on a balanced task) and the public part is no easier or harder than the private one.
"""

from __future__ import annotations

from neuronlab.classroom.ladder import derived_step

QUOTA_PER_DAY = 5
QUOTA_TOTAL: int | None = None
PUBLIC_FRACTION = 0.5

__all__ = ["PUBLIC_FRACTION", "QUOTA_PER_DAY", "QUOTA_TOTAL", "derived_step"]
