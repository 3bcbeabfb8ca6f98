"""What was tried: fitting a model on a task and scoring it (specs, runs and sweeps build on this)."""

from neuronlab.experiments.fit import FitResult, fit_and_score

__all__ = ["FitResult", "fit_and_score"]
