"""The board's protective defaults, in one place: what a task gets when its instructor names no rule.

Measured by ``benchmarks/bench_board_attacks.py`` and attacked by ``tests/classroom/test_board_attacks.py``:

- the Ladder step: :func:`neuronlab.classroom.ladder.derived_step` of the public part's size (one
  standard error of an accuracy, never less than two public rows), so a single changed label is never
  published and a random guess must beat the board by about one standard error to be;
- five submissions per student per UTC day (Kaggle's usual rate): enough to iterate on a model
  every evening, few enough that a term of random probes stays in the tens, not the thousands;
- no total quota: Blum & Hardt's bound grows only with the logarithm of the number of submissions,
  and so does what the attacks gain; an instructor may still set one;
- half of the test rows public: the private half decides the final ranking;
- ``GENERATED_PUBLIC_ROWS`` public rows for a task drawn from a generator (moons, gaussians, xor, sin,
  …; :mod:`neuronlab.classroom.sizing`): its test set grows, its training rows stay the task's.
  The smallest round number at which Blum & Hardt's boosting attack, over a ``TERM_DAYS``-day term at
  five a day (140 submissions), ends with at most ``RISK_LIMIT`` of the public labels right in every
  one of 30 seeds (moons, the benchmark's board; share of seeds above 65 %, worst seed):
  40 public rows (moons' own 80 test rows) 33 %, 0.80; 50: 30 %, 0.70; 75: 17 %, 0.69;
  100: 3 %, 0.66; 125: 7 %, 0.68; **150: 0 %, 0.61** (0.64 over 130 seeds; 0.63 over 56 days);
  200: 0 %, 0.62.  The single-flip probe stays at exactly 50 % at every size: the derived step is at
  least two rows.

The public rows are drawn stratified by class, so a constant prediction scores the class share on
both parts (50 % on a balanced task) and the public part is no easier or harder than the private one.
A task whose size is fixed (a bundled set, a CSV) keeps it: ``neuronlab class add-task`` then measures
what the attacks would read of its board (:mod:`neuronlab.classroom.risk`) and warns above ``RISK_LIMIT``.
"""

from __future__ import annotations

from neuronlab.classroom.ladder import derived_step

QUOTA_PER_DAY = 5
QUOTA_TOTAL: int | None = None
PUBLIC_FRACTION = 0.5
GENERATED_PUBLIC_ROWS = 150  # public rows a generated task's test set is grown to (300 test rows at half public)
TERM_DAYS = 28  # the term the attacks are measured over
RISK_LIMIT = 0.65  # the share of public labels a probing student may end with (issue 11; 50 % is chance)

__all__ = ["GENERATED_PUBLIC_ROWS", "PUBLIC_FRACTION", "QUOTA_PER_DAY", "QUOTA_TOTAL", "RISK_LIMIT", "TERM_DAYS",
           "derived_step"]
