"""An experiment's identity as data: sorted keys, dotted flat keys, and the hash of its canonical JSON.

``ExperimentSpec.canonical()`` builds the dict; the functions here turn it into the hash and the flat
parameters a run is stored and compared by, so a sweep's claims can compute them from one dict.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import Any


def canonical_hash(canonical: dict[str, Any]) -> str:
    """``spec_hash`` of a spec whose ``canonical()`` is given (a sweep's claims build it once per run)."""
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def canonical_params(canonical: dict[str, Any]) -> dict[str, Any]:
    """``flat_params`` of a spec whose ``canonical()`` is given."""
    return {k: freeze(v) for k, v in sorted(flatten(canonical))}


def sort_keys(value: Any) -> Any:
    """``value`` with every dict's keys in sorted order, at every depth."""
    if isinstance(value, dict):
        return {k: sort_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [sort_keys(v) for v in value]
    return value


def flatten(
    value: Mapping[str, Any], prefix: str = "", stop: Any = lambda v: not isinstance(v, Mapping)
) -> Iterator[tuple[str, Any]]:
    """(dotted key, leaf) pairs; a leaf is whatever ``stop`` accepts (or an empty table)."""
    for key, v in value.items():
        if stop(v) or not v:
            yield prefix + key, v
        else:
            yield from flatten(v, f"{prefix}{key}.", stop)


def freeze(value: Any) -> Any:
    """Lists as tuples, at every depth, so values compare and hash."""
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    return value
