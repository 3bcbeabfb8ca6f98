"""A user's CSV file → Task, refusing bad data with one line that says what is wrong and what to do.

Every column except the target (and the groups column) is a feature and must be numeric and
finite.  The target may be strings for classification; they become 0..C-1 in sorted order, with
``class_names`` keeping the originals.  Rows are counted from 1 after the header, so "row 3" is
line 4 of the file.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from neuronlab import limits
from neuronlab.errors import DataError, TaskError, valid_names
from neuronlab.tasks.base import KINDS, Kind, Task, split_task
from neuronlab.tasks.registry import check_float, check_seed

MIN_ROWS = 10
MAX_CLASSES = 20  # an integer target with more distinct values than this is taken as regression


def load_csv(
    path: str | os.PathLike[str], target: str, groups: str | None = None, *, kind: str | None = None,
    seed: int = 0, val_fraction: float = 0.2, test_fraction: float = 0.2,
) -> Task:
    """Read ``path`` and split it into a Task predicting column ``target``.

    ``groups`` names a column of group ids (e.g. specimen): splits are then grouped, so no group
    sits on both sides.  ``kind=None`` infers it: a non-numeric target, or an integer one with at
    most 20 distinct values, is classification (binary with 2 classes); anything else regression.
    """
    path = Path(path)
    if kind is not None and kind not in KINDS:
        raise TaskError(f"unknown kind {kind!r}; use one of {valid_names(KINDS)} or leave it out to infer it")
    df = _read(path)
    where = path.name
    columns = valid_names(map(str, df.columns))
    if target not in df.columns:
        raise DataError(f"{where}: no target column {target!r}; columns are: {columns}")
    if groups is not None and groups not in df.columns:
        raise DataError(f"{where}: no groups column {groups!r}; columns are: {columns}")
    if groups == target:
        raise DataError(f"{where}: the groups column cannot be the target {target!r}; name another column")
    features = [c for c in df.columns if c not in (target, groups)]
    if not features:
        raise DataError(f"{where}: no feature columns besides {target!r}; add at least one numeric column")
    if len(df) < MIN_ROWS:
        rows = f"{len(df)} row" + ("s" if len(df) != 1 else "")
        raise DataError(f"{where}: only {rows}; add rows, train/val/test need at least {MIN_ROWS}")

    X = np.column_stack([_numeric(df[c], where) for c in features])
    _finite(features, X, where)
    raw_y = df[target]
    _no_missing(raw_y, where)
    the_kind = _kind(raw_y, kind, where)
    fields: dict[str, Any] = {"feature_names": tuple(str(c) for c in features), "target_name": str(target)}
    if the_kind == "regression":
        y = _numeric(raw_y, where)
        _finite([target], y[:, None], where)
    else:
        classes, y = np.unique(raw_y.to_numpy(), return_inverse=True)
        if len(classes) < 2:
            raise DataError(f"{where}: target {target!r} has a single class ({_label(classes[0])}); "
                            "classification needs at least two")
        limits.CLASSES.check(len(classes), f"{where}: target {target!r} has {{}} classes")
        if the_kind == "binary" and len(classes) != 2:
            raise DataError(f"{where}: target {target!r} has {len(classes)} classes, binary needs 2; "
                            "use kind='multiclass'")
        counts = np.bincount(y)
        if groups is None and counts.min() < 2:
            raise DataError(f"{where}: class {_label(classes[counts.argmin()])} of {target!r} has only 1 row; "
                            "a stratified split needs at least 2 per class: add rows or drop that class")
        fields["class_names"] = tuple(str(c) for c in classes)
    group_ids = None
    if groups is not None:
        _no_missing(df[groups], where)
        group_ids = df[groups].to_numpy()
        if group_ids.dtype == object:
            group_ids = group_ids.astype(str)
        n_groups = len(np.unique(group_ids))
        if n_groups < 3:
            raise DataError(f"{where}: groups column {groups!r} has {n_groups} distinct value(s); "
                            "grouped train/val/test splits need at least 3")

    params: dict[str, Any] = {
        "path": str(path), "target": target, "groups": groups, "kind": kind, "seed": check_seed(seed),
        "val_fraction": check_float("val_fraction", val_fraction, minimum=0.0, maximum=1.0),
        "test_fraction": check_float("test_fraction", test_fraction, minimum=0.0, maximum=1.0),
    }
    try:
        return split_task(path.stem, the_kind, X, y, seed=params["seed"], val_fraction=params["val_fraction"],
                          test_fraction=params["test_fraction"], groups=group_ids, params=params,
                          description=f"CSV file {where}: {target} from {len(features)} columns", **fields)
    except TaskError:
        raise
    except ValueError as err:  # scikit-learn: a split would be empty or miss a class
        reason = " ".join(str(err).split())
        raise DataError(f"{where}: cannot split {len(y)} rows into train/val/test with val_fraction="
                        f"{params['val_fraction']}, test_fraction={params['test_fraction']} ({reason}); "
                        "add rows or change the fractions") from None


def _read(path: Path) -> pd.DataFrame:
    """The file as a DataFrame, its size, columns and rows checked against the limits before (and
    while) it is read: the header first, then at most the rows the limits allow plus one."""
    if not path.is_file():
        raise DataError(f"CSV file not found: {path}; check the path")
    limits.CSV_MEGABYTES.check(math.ceil(path.stat().st_size / 1e6), f"{path.name} is {{}} MB")
    try:
        n_columns = len(pd.read_csv(path, nrows=0).columns)
        limits.FEATURES.check(n_columns, f"{path.name} has {{}} columns")
        max_rows = min(limits.SAMPLES.value(), limits.DATA_VALUES.value() // max(n_columns, 1))
        df = pd.read_csv(path, nrows=max_rows + 1)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path.name} is empty; write a header line and data rows") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        reason = " ".join(str(err).split())
        raise DataError(f"{path.name} is not a readable CSV file ({reason}); save it as comma-separated text"
                        ) from None
    if len(df) == 0:
        raise DataError(f"{path.name} has a header but no rows; add data rows")
    if len(df) > max_rows:
        if max_rows == limits.SAMPLES.value():
            message = limits.SAMPLES.message(f"more than {max_rows:,}", f"{path.name} has {{}} rows")
        else:
            message = limits.DATA_VALUES.message(f"more than {max_rows * n_columns:,}",
                                                 f"{path.name} has {{}} values (rows × columns)")
        raise limits.LimitError(message)
    return df


def _label(value: object) -> str:
    """A class label as the user wrote it: ``1`` or ``'cat'``, not ``np.int64(1)``."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _numeric(column: pd.Series, where: str) -> np.ndarray:
    """The column as floats; a cell that is not a number is named with its row."""
    values = pd.to_numeric(column, errors="coerce")
    bad = values.isna() & column.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"{where}: column {column.name!r} has a non-numeric value {column.iloc[row]!r} in "
                        f"row {row + 1}; make it a number or drop the column")
    return values.to_numpy(dtype=float)


def _finite(names: Sequence[str], X: np.ndarray, where: str) -> None:
    """No NaN (empty cell) or ±inf: models cannot learn from them and the error would surface far away.

    Nor values so large that their squares overflow float64 (1e308: the scaler's variance, a squared
    error): they became NaN inside scikit-learn and a traceback."""
    bad = ~np.isfinite(X)
    if bad.any():
        col = int(np.flatnonzero(bad.any(axis=0))[0])
        row = int(np.flatnonzero(bad[:, col])[0])
        value = X[row, col]
        what = "a missing value (empty or NaN)" if np.isnan(value) else f"an infinite value ({value})"
        raise DataError(f"{where}: column {names[col]!r} has {what} in row {row + 1}; fill or drop that row")
    huge = np.abs(X) > limits.MAX_DATA_MAGNITUDE
    if huge.any():
        col = int(np.flatnonzero(huge.any(axis=0))[0])
        row = int(np.flatnonzero(huge[:, col])[0])
        raise DataError(f"{where}: column {names[col]!r} has a value too large to compute with ({X[row, col]:g} "
                        f"in row {row + 1}; beyond ±{limits.MAX_DATA_MAGNITUDE:g} its square overflows); "
                        "rescale the column (other units) or drop that row")


def _no_missing(column: pd.Series, where: str) -> None:
    missing = column.isna().to_numpy()
    if missing.any():
        raise DataError(f"{where}: column {column.name!r} has a missing value (empty or NaN) in row "
                        f"{int(np.flatnonzero(missing)[0]) + 1}; fill or drop that row")


def _kind(y: pd.Series, kind: str | None, where: str) -> Kind:
    numeric = pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y)
    if kind == "regression" and not numeric:
        raise DataError(f"{where}: target {y.name!r} is not numeric, so it cannot be regressed; "
                        "use kind='binary' or 'multiclass'")
    if kind is not None:
        return cast(Kind, kind)  # checked against KINDS in load_csv
    if not numeric or (pd.api.types.is_integer_dtype(y) and y.nunique() <= MAX_CLASSES):
        return "binary" if y.nunique() == 2 else "multiclass"
    return "regression"
