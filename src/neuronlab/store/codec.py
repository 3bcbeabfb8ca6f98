"""How a run's values become bytes and JSON: canonical specs, plain metrics, one-blob histories.

A history is ``{column: [float per epoch]}``.  It is stored as one blob: a JSON header line
``{"columns": [[name, length], …]}`` then the columns' float64 little-endian values, zlib-compressed.
float64, not float32, so the stored curve is bit-for-bit the trained one (same seed ⇒ same numbers).
The standard library's ``array`` does the packing: the store does not even need NumPy to open.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import zlib
from array import array
from collections.abc import Mapping
from typing import Any

from neuronlab.errors import ConfigError

HISTORY_FORMAT = "f8le-zlib/1"


def plain(value: Any) -> Any:
    """``value`` as JSON-portable Python: NumPy/torch scalars and arrays unwrapped (through their
    ``tolist``, so neither is imported here), tuples as lists, non-finite floats as None (NaN and inf
    are not JSON; PostgreSQL rejects them)."""
    kind = type(value)  # the plain types first, by exact type: a sweep stores ~100 values a run
    if kind is str or kind is int or value is None or kind is bool:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is dict:
        return {str(k): plain(v) for k, v in value.items()}
    if kind is list and _finite_numbers(value):
        return list(value)
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        value = value.tolist()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in (sorted(value, key=repr) if isinstance(value, set | frozenset) else value)]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise ConfigError(f"cannot store {type(value).__name__} value {value!r} in a run; use numbers, "
                      "strings, lists or dicts")


def _finite_numbers(values: list[Any]) -> bool:
    """All ints and finite floats (no bool, no NaN or inf), checked at C speed: a sum of finite
    floats is finite unless it overflows, and then the caller takes the slow path."""
    kinds = set(map(type, values))
    if not kinds <= {int, float} or float not in kinds:
        return kinds <= {int}
    try:
        return math.isfinite(sum(values))
    except OverflowError:  # an int beyond float range among floats
        return False


def canonical_json(spec: Mapping[str, Any]) -> str:
    """One text per spec: sorted keys, no spaces, so equal specs are equal strings."""
    return json.dumps(plain(spec), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def hash_spec(spec: Mapping[str, Any]) -> str:
    """SHA-256 hex digest of :func:`canonical_json` (64 characters)."""
    return hashlib.sha256(canonical_json(spec).encode()).hexdigest()


def _f8(values: Any) -> array[float]:
    if hasattr(values, "tolist"):  # a NumPy array or tensor column
        values = values.tolist()
    return array("d", values)


def _little(values: array[float]) -> array[float]:
    """The same array in little-endian byte order (a copy only on big-endian machines)."""
    if sys.byteorder == "big":
        values = array("d", values)
        values.byteswap()
    return values


def encode_history(history: Mapping[str, Any]) -> tuple[bytes, int]:
    """``history`` as one blob, and its number of epochs (the longest column)."""
    columns = {str(name): _f8(values) for name, values in history.items()}
    header = json.dumps({"columns": [[name, len(col)] for name, col in columns.items()]}).encode()
    body = b"".join(_little(col).tobytes() for col in columns.values())
    n_epochs = max((len(col) for col in columns.values()), default=0)
    return zlib.compress(header + b"\n" + body, 1), n_epochs


def decode_history(blob: bytes, fmt: str = HISTORY_FORMAT) -> dict[str, list[float]]:
    """The inverse of :func:`encode_history`."""
    if fmt != HISTORY_FORMAT:
        raise ValueError(f"unknown history format {fmt!r}")
    raw = zlib.decompress(blob)
    newline = raw.index(b"\n")
    header = json.loads(raw[:newline])
    values = array("d")
    values.frombytes(raw[newline + 1:])
    values = _little(values)
    out: dict[str, list[float]] = {}
    start = 0
    for name, length in header["columns"]:
        out[name] = values[start:start + length].tolist()
        start += length
    return out


def flatten(prefix: str, value: Any, into: dict[str, Any]) -> dict[str, Any]:
    """``{"val": {"accuracy": 0.9}}`` → ``{"val.accuracy": 0.9}`` (lists stay whole), for tables."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            flatten(f"{prefix}.{key}" if prefix else str(key), item, into)
    else:
        into[prefix] = value
    return into
