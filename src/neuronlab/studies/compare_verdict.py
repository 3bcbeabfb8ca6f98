"""The comparison study's sentences: what a pair's posterior allows one to conclude, and what the
learning curves of the pair say, each in one line a reader can quote."""

from __future__ import annotations

import math
from collections.abc import Sequence

from neuronlab.studies.compare_result import CurvePoint
from neuronlab.studies.stats import Posterior

DECISION = 0.95  # posterior mass at which a verdict is stated without hedging


def verdict(a: str, b: str, post: Posterior, metric: str) -> str:
    """One sentence: direction and size with the 95 % interval, P(better), P(practically equal), and what
    may be concluded at 95 % posterior mass."""
    low, high = post.interval(0.95)
    direction = "better" if post.mean > 0 else "worse" if post.mean < 0 else "no different"
    if post.p_right >= DECISION:
        say = f"{a} is better"
    elif post.p_left >= DECISION:
        say = f"{a} is worse"
    elif post.p_rope >= DECISION:
        say = f"practically equal (within ±{post.rope:g} {metric})"
    else:
        say = "no decision at 95 %: more data, or a wider ROPE if smaller differences do not matter"
    return (f"{a} vs {b}: {direction} by {abs(post.mean):.3f} {metric} [{low:+.3f}, {high:+.3f}]; "
            f"P(better) {post.p_right:.2f}, P(practically equal) {post.p_rope:.2f} → {say}")


def curve_sentence(a: str, b: str, curve: Sequence[CurvePoint], cross: float | None) -> str:
    """One sentence on the pair's learning curves: where they cross, and who is ahead beyond it, or who is
    ahead at every training size (a crossover outside the data is not claimed)."""
    sizes = [c.n_train for c in curve]
    diffs = [c.scores[a] - c.scores[b] for c in curve]
    if cross is not None:
        later = next((d for d in reversed(diffs) if math.isfinite(d)), 0.0)
        ahead = a if later > 0 else b
        return f"{a} vs {b}: curves cross at about {cross:.0f} training rows; {ahead} is ahead beyond that"
    finite = [d for d in diffs if math.isfinite(d)]
    if not finite:
        return f"{a} vs {b}: no learning curve (every fit failed)"
    ahead = a if finite[-1] > 0 else b
    return (f"{a} vs {b}: no crossover within the data ({ahead} ahead at every size from {min(sizes):.0f} "
            f"to {max(sizes):.0f} training rows)")
