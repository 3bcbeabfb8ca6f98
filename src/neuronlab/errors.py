"""Errors a user can act on.

Every exception that derives from :class:`NeuronlabError` carries a one-line message that says what
is wrong and what to do; the CLI prints that line and exits with status 2 instead of a traceback.
They also derive from the built-in type scikit-learn and Python code expect (``ValueError`` …),
so ``except ValueError`` keeps working in pipelines and grid searches.
"""

from __future__ import annotations


class NeuronlabError(Exception):
    """Base of all user-facing errors (one-line message, CLI exit status 2)."""


class ConfigError(NeuronlabError, ValueError):
    """A parameter, name or option is not valid (unknown activation, eta <= 0, …)."""


class TaskError(NeuronlabError, ValueError):
    """A task name or task parameter is not valid."""


class DataError(NeuronlabError, ValueError):
    """A data file or array cannot be used (missing, empty, non-numeric, NaN, one class, …)."""


class DivergedError(NeuronlabError, FloatingPointError):
    """Training produced a non-finite loss; ``epoch`` says when."""

    def __init__(self, message: str, *, epoch: int) -> None:
        super().__init__(message)
        self.epoch = epoch


def valid_names(names: object) -> str:
    """Format a collection of valid names for an error message: ``'a', 'b', 'c'``."""
    return ", ".join(repr(n) for n in sorted(names))  # type: ignore[call-overload]
