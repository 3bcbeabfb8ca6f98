"""Reading a student's predictions (CSV, JSON or Python values) into one array aligned with the test rows.

Every way a submission can be malformed ends here as one DataError that says what is wrong and how
to fix it, so the service can record it as a rejected submission (it counts toward the quota).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from neuronlab.errors import DataError

FORMAT_HINT = "send CSV with columns id,prediction (one row per test id) or JSON {\"predictions\": [...]}"


def read_csv(text: str | bytes) -> tuple[list[Any], list[Any]]:
    """``(ids, values)`` from a CSV with columns ``id`` and ``prediction`` (kept as text)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DataError(f"the predictions are not UTF-8 text; {FORMAT_HINT}") from None
    if "\0" in text:
        raise DataError(f"the predictions contain a NUL byte; {FORMAT_HINT}")
    if text.lstrip()[:1] in ("{", "["):
        # JSON read as CSV splits at every comma: the "header" would be the whole body.
        raise DataError("the predictions look like JSON, not CSV; send them as JSON (Content-Type: "
                        "application/json, or format=\"json\")")
    try:
        rows = [row for row in csv.reader(io.StringIO(text.strip())) if row]  # the csv module: pandas costs ms
    except csv.Error as exc:
        raise DataError(f"cannot read the predictions as CSV ({exc}); {FORMAT_HINT}") from None
    if not rows:
        raise DataError(f"the predictions are empty; {FORMAT_HINT}")
    header = [cell.strip().lower() for cell in rows[0]]
    missing = [c for c in ("id", "prediction") if c not in header]
    if missing:
        first_line = text.strip().splitlines()[0]
        raise DataError(f"the predictions CSV has no column {missing[0]!r} (the header reads {_show(first_line)}); "
                        f"{FORMAT_HINT}")
    at_id, at_pred = header.index("id"), header.index("prediction")
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise DataError(f"line {line} of the predictions CSV has {len(row)} fields, the header {len(header)}; "
                            f"{FORMAT_HINT}")
    return [row[at_id].strip() for row in rows[1:]], [row[at_pred].strip() for row in rows[1:]]


def read_json(data: Any) -> tuple[list[Any], list[Any]]:
    """``(ids, values)`` from JSON: ``{"predictions": [...]}`` in test-id order, a list of values,
    a list of ``{"id", "prediction"}`` objects, or an ``{id: value}`` mapping."""
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except (ValueError, RecursionError):
            raise DataError(f"the predictions are not valid JSON; {FORMAT_HINT}") from None
    if isinstance(data, Mapping) and "predictions" in data:
        data = data["predictions"]
    if isinstance(data, Mapping):
        return list(data.keys()), list(data.values())
    if isinstance(data, Sequence) and not isinstance(data, str | bytes):
        items = list(data)
        if items and all(isinstance(item, Mapping) for item in items):
            if not all("id" in item and "prediction" in item for item in items):
                raise DataError(f"every prediction object needs 'id' and 'prediction'; {FORMAT_HINT}")
            return [item["id"] for item in items], [item["prediction"] for item in items]
        return list(range(len(items))), items
    raise DataError(f"the predictions JSON must be a list or an object; {FORMAT_HINT}")


def align(ids: list[Any], values: list[Any], *, n: int, labels: Sequence[str] | None) -> np.ndarray:
    """The predictions in test-id order: class indices into ``labels``, or floats for regression.

    Ids must be exactly 0..n-1, once each.  A class may be named by its label (``"versicolor"``,
    ``"1"``) or, when the labels are not themselves numbers, by its index.
    """
    if len(values) != n:
        raise DataError(f"expected {n} predictions (one per test id 0..{n - 1}), got {len(values)}; "
                        "fetch the test inputs and predict every row")
    order = np.empty(n, dtype=np.int64)
    seen = np.zeros(n, dtype=bool)
    for position, raw in enumerate(ids):
        i = _as_int(raw)
        if i is None or not 0 <= i < n:
            raise DataError(f"unknown test id {i if i is not None else _show(raw)}; ids run from 0 to {n - 1}")
        if seen[i]:
            raise DataError(f"test id {i} appears twice; give one prediction per id")
        seen[i] = True
        order[position] = i
    out = np.empty(n, dtype=float)
    for position, raw in enumerate(values):
        i = int(order[position])
        out[i] = _number(raw, i) if labels is None else _label(raw, i, labels)
    return out


def _label(raw: Any, i: int, labels: Sequence[str]) -> float:
    index = {label: k for k, label in enumerate(labels)}
    if isinstance(raw, float) and not math.isfinite(raw):
        raise DataError(f"the prediction for id {i} is {raw}; predict one of the classes {_classes(labels)}")
    text = raw.strip() if isinstance(raw, str) else None
    if text is None and not isinstance(raw, bool):
        as_int = _as_int(raw)
        text = str(as_int) if as_int is not None else None
    if text is not None and text in index:
        return float(index[text])
    numeric_labels = all(_as_int(label) is not None for label in labels)
    position = _as_int(raw) if not isinstance(raw, bool) else None
    if not numeric_labels and position is not None and 0 <= position < len(labels):
        return float(position)
    raise DataError(f"the prediction {_show(raw)} for id {i} is not a class of this task; "
                    f"predict one of {_classes(labels)}")


def _number(raw: Any, i: int) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise DataError(f"the prediction {_show(raw)} for id {i} is not a number; send numbers only")
    try:
        value = float(raw)
    except (ValueError, OverflowError):
        raise DataError(f"the prediction {_show(raw)} for id {i} is not a number; send numbers only") from None
    if not math.isfinite(value):
        raise DataError(f"the prediction for id {i} is {value}; send finite numbers (no NaN or infinity)")
    return value


def _as_int(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if math.isfinite(raw) and raw.is_integer() else None
    if isinstance(raw, str):
        text = raw.strip()
        if text.lstrip("+-").isdigit() and len(text) < 20:
            return int(text)
        try:
            value = float(text)
        except ValueError:
            return None
        return int(value) if math.isfinite(value) and value.is_integer() and abs(value) < 2**53 else None
    return None


def _show(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 40 else text[:37] + "..."


def _classes(labels: Sequence[str]) -> str:
    shown = ", ".join(repr(label) for label in labels[:12])
    return shown + (", ..." if len(labels) > 12 else "")
