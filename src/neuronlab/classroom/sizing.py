"""How large a class task's withheld test set is: generated data is free, so a generated task gets enough.

A board's protection grows with its public part (the Ladder step shrinks like 1/√n, and what a
probing attack learns per row shrinks with it): at the default rules a boosting attacker ends above
65 % of the public labels in a third of draws at 40 public rows, and in none at
:data:`~neuronlab.classroom.defaults.GENERATED_PUBLIC_ROWS` (the figures are in
:mod:`neuronlab.classroom.defaults`).  A task whose generator takes ``n_samples`` (moons, gaussians,
circles, xor, sin, …) can draw those rows for nothing.  So, unless the instructor sets ``n_samples``
or ``test_fraction``, :func:`class_params` draws more samples and puts every extra one in the test
set: the training rows students get are exactly as many as the task gives by default.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from neuronlab.classroom import defaults
from neuronlab.tasks import task_params

# test_fraction × n_samples lands half a row below the wanted count: scikit-learn takes the ceiling
# of it, and a whole number could float to just above itself (0.2 × 300 = 60.00000000000001 → 61).
_BELOW = 0.5


def generated(task: str) -> bool:
    """Whether ``task`` is drawn from a generator with a sample count (bundled sets default to None: all rows)."""
    default = task_params(task).get("n_samples")
    return isinstance(default, int) and not isinstance(default, bool)


def class_params(task: str, params: Mapping[str, Any], *, public_fraction: float) -> dict[str, Any]:
    """The loader parameters a class task is built with: ``params``, its test set grown when it is free.

    Grown only for a :func:`generated` task whose ``params`` name neither ``n_samples`` nor
    ``test_fraction`` (the instructor's choice wins): the test set then has enough rows for
    ``GENERATED_PUBLIC_ROWS`` public ones at ``public_fraction`` (never fewer than the task's default
    test rows), the train + validation rows stay the default count, and ``val_fraction`` is rescaled
    so that they split between train and validation as by default.
    """
    out = dict(params)
    if not generated(task) or "n_samples" in out or "test_fraction" in out:
        return out
    loader = task_params(task)
    n_default, test_default = int(loader["n_samples"]), float(loader["test_fraction"])
    val = out.get("val_fraction", loader["val_fraction"])
    if isinstance(val, bool) or not isinstance(val, int | float) or not 0 <= val < 1 - test_default:
        return out  # the loader's own check names the bad value
    n_test_default = math.ceil(test_default * n_default)  # as scikit-learn's train_test_split counts it
    n_dev = n_default - n_test_default
    wanted = math.ceil(defaults.GENERATED_PUBLIC_ROWS / public_fraction - 1e-9)
    n_test = max(wanted, n_test_default)
    if n_test == n_test_default:
        return out
    n_samples = n_dev + n_test
    test_fraction = (n_test - _BELOW) / n_samples
    out.update(n_samples=n_samples, test_fraction=test_fraction,
               val_fraction=val * (1 - test_fraction) / (1 - test_default))
    return out
