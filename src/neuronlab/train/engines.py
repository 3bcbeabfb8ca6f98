"""One network trained by the engine its estimator names: ``"fused"`` (the compiled kernel), ``"numpy"``
or ``"torch"``; each imported only when asked for, so a fit pays for no engine it does not use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from neuronlab.errors import DivergedError
from neuronlab.train.history import History
from neuronlab.train.problem import Problem, Trained


def train_one(problem: Problem, engine: str, on_epoch_end: Callable[[History], Any] | None = None
              ) -> tuple[Trained | DivergedError, Any]:
    """(the trained network or the DivergedError its fit raises, the torch run that holds its module and
    optimiser when the torch engine trained it, else None).  ``on_epoch_end`` is called live by the NumPy
    and torch engines; the kernel runs whole in compiled code, so its caller reads the history after."""
    if engine == "fused":
        from neuronlab.train.ensemble_fused import check_supported, train_fused

        check_supported(problem)
        (result,) = train_fused([problem], threads=1)
        return result, None
    if engine == "numpy":
        from neuronlab.train.numpy_engine import train_numpy

        try:
            return train_numpy(problem, History(), on_epoch_end=on_epoch_end), None
        except DivergedError as exc:
            return exc, None
    from neuronlab.train.torch_engine import TorchMLP

    run = TorchMLP(problem)
    try:
        return run.train(problem, History(), on_epoch_end=on_epoch_end), run
    except DivergedError as exc:
        return exc, run
