"""What the classroom refuses, as one-line errors the CLI prints (exit 2) and the web maps to HTTP 4xx."""

from __future__ import annotations

from neuronlab.errors import NeuronlabError


class AuthError(NeuronlabError, PermissionError):
    """No token, or a token that is not ours (HTTP 401)."""


class ForbiddenError(NeuronlabError, PermissionError):
    """A valid token that may not do this: a student acting as instructor, or in another class (HTTP 403)."""


class NotFoundError(NeuronlabError, LookupError):
    """No such class, task, join code or run (HTTP 404)."""


class ClosedError(NeuronlabError):
    """The task is closed: no more submissions (HTTP 409)."""


class QuotaError(NeuronlabError):
    """The student used up their submissions for today or in total (HTTP 429)."""
