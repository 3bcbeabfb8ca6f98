"""The Ladder rule (Blum & Hardt, ICML 2015): a public leaderboard that adaptive submitters cannot overfit.

Showing every public score exactly lets a student climb the board by probing the public labels one
submission at a time.  The Ladder publishes a new value only when a submission beats the last
published one by more than a step η, and then publishes it rounded to η; otherwise the board
keeps the old value.  Scores here are "higher is better" (accuracy, R²).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal


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
    if published is None or score > published + eta:
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


def _check(score: float, eta: float) -> None:
    if not (isinstance(eta, int | float) and math.isfinite(eta) and eta > 0):
        raise ValueError(f"the ladder step eta must be a finite number > 0, got {eta!r}")
    if not math.isfinite(score):
        raise ValueError(f"a score must be finite, got {score!r}")
