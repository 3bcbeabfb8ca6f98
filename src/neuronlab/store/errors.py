"""The one error the store raises at its users."""

from __future__ import annotations

from neuronlab.errors import NeuronlabError


class StoreError(NeuronlabError):
    """The run store cannot be used: bad or unreachable URL, unknown run, schema newer than this code."""
