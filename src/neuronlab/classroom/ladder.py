"""The Ladder rule (Blum & Hardt, ICML 2015): a public leaderboard that adaptive submitters cannot overfit.

Showing every public score exactly lets a student climb the board by probing the public labels one
submission at a time.  The Ladder publishes a new value only when a submission beats the last
published one by more than a step η, and then publishes it rounded to η; otherwise the board
keeps the old value.  Scores here are "higher is better" (accuracy, R²).

The step matters more than the rule.  With η below one public row (1/n) a student who flips one
label per submission sees every right flip published and reads off the public labels one by one.
:func:`derived_step` is the default a task gets when its instructor names none.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal

# A gain must beat η by more than float noise: 0.7 + 0.1 is 0.7999999999999999 in binary, and a gain
# of exactly one step (one public row at η = 1/n) must never count as more than a step.
_TOLERANCE = 1e-9


def round_to_step(score: float, eta: float) -> float:
    """``score`` rounded to the nearest multiple of ``eta`` (Decimal, so 0.1 steps print as 0.7, not 0.7000001)."""
    _check(score, eta)
    return float(Decimal(str(eta)) * round(score / eta))


def ladder_update(published: float | None, score: float, eta: float) -> float | None:
    """The published value after one more submission scoring ``score`` (None: nothing published yet).

    The paper's R_t: the first score is always published; later, only one that beats the published
    value by more than η, and then rounded to η.  Ties and small gains publish nothing new.
    """
    _check(score, eta)
    if published is None or score - published > eta * (1 + _TOLERANCE):
        return round_to_step(score, eta)
    return published


def ladder(scores: Iterable[float], eta: float) -> list[float | None]:
    """The published value after each submission of ``scores``, in order."""
    published: float | None = None
    out: list[float | None] = []
    for score in scores:
        published = ladder_update(published, score, eta)
        out.append(published)
    return out


def derived_step(n_public: int) -> float:
    """The default Ladder step for a public part of ``n_public`` rows.

    Two floors, the larger wins, then rounded *up* to 1, 2, 2.5 or 5 × 10^k (steps that divide 1:
    published values print cleanly and 1.0 stays reachable):

    - ``2 / n``: a single changed prediction moves an accuracy by 1/n; the published value may sit
      up to η/2 below the exact score (rounding), so only η ≥ 2/n keeps every single flip unpublished;
    - ``1 / (2 √n)``: the largest standard error of an accuracy on n rows (p = ½), Blum & Hardt's
      scale for "a gain the public part can tell from noise".  Random guesses then need a gain of
      about one standard error to be published, which is what starves their boosting attack.

    40 public rows (the default moons task) → 0.1; 200 → 0.05; 400 → 0.025; 1,000 → 0.02; 3,600 → 0.01.
    """
    if isinstance(n_public, bool) or not isinstance(n_public, int) or n_public < 1:
        raise ValueError(f"the public part needs at least one row, got {n_public!r}")
    floor = max(2 / n_public, 1 / (2 * math.sqrt(n_public)))
    exponent = math.floor(math.log10(floor))
    for mantissa in ("1", "2", "2.5", "5", "10"):
        step = Decimal(mantissa).scaleb(exponent)
        if step >= Decimal(repr(floor)) * (1 - Decimal("1e-12")):
            return min(float(step), 1.0)
    raise AssertionError("unreachable: 10 × 10^k is ≥ any number in [10^k, 10^(k+1))")


def _check(score: float, eta: float) -> None:
    if not (isinstance(eta, int | float) and math.isfinite(eta) and eta > 0):
        raise ValueError(f"the ladder step eta must be a finite number > 0, got {eta!r}")
    if not math.isfinite(score):
        raise ValueError(f"a score must be finite, got {score!r}")
