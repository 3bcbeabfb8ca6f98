"""Studies: fixed, reproducible comparisons that answer one question from the practicals each."""

from __future__ import annotations

from neuronlab.studies.hall_petch import HallPetchStudy, run_hall_petch_study

__all__ = ["HallPetchStudy", "run_hall_petch_study"]
