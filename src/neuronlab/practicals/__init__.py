"""The seed practicals: in-notebook checks, student copies built from instructor sources, and grading.

    from neuronlab.practicals import check
    check("sigmoid", sigmoid)               # in a notebook: ✓, or ✗ and what to fix

    from neuronlab.practicals.build import build
    build("notebooks", "student")           # instructor sources → student notebooks
    from neuronlab.practicals import check_notebook
    print(check_notebook("student/imperial_3_2_numpy_neuron.ipynb").text())

``check`` loads nothing heavy; ``check_notebook`` (nbclient) loads on first use.  ``build`` is not
re-exported here: the name is its module's (``neuronlab.practicals.build``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from neuronlab.practicals.checks import CheckResult, check, exercises

_LAZY = {
    "check_notebook": "neuronlab.practicals.grade",
    "Report": "neuronlab.practicals.grade",
    "ExerciseReport": "neuronlab.practicals.grade",
}

__all__ = ["CheckResult", "check", "exercises", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'neuronlab.practicals' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


if TYPE_CHECKING:  # let type checkers see the lazy names
    from neuronlab.practicals.grade import ExerciseReport as ExerciseReport
    from neuronlab.practicals.grade import Report as Report
    from neuronlab.practicals.grade import check_notebook as check_notebook
