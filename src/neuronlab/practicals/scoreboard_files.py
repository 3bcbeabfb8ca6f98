"""Files on the student's side of the scoreboard: test inputs written out, predictions read in, or made by a run.

A predictions file is what ``neuronlab class submit`` sends: CSV ``id,prediction`` (the scoreboard's own
format), JSON (``{"predictions": [...]}`` and the other shapes the scoreboard reads) or a NumPy ``.npy``
array in test-id order.  ``--run ID`` instead trains a stored run again (same spec, same seed: the same
model) and predicts the fetched inputs with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neuronlab.classroom import predictions as preds
from neuronlab.errors import ConfigError, DataError
from neuronlab.practicals.scoreboard import Inputs, in_order

FORMATS = (".csv", ".npy")


def write_inputs(inputs: Inputs, path: str | Path) -> Path:
    """Write the test inputs as CSV (``id`` then the features) or as an ``.npy`` array (row i = test id i)."""
    path = Path(path)
    if path.suffix not in FORMATS:
        raise ConfigError(f"{path}: write the test inputs as .csv or .npy (the file name's ending says which)")
    if not path.parent.is_dir():
        raise DataError(f"{path.parent}: no such folder; create it or write somewhere else")
    if path.suffix == ".npy":
        np.save(path, inputs.X)
    else:
        path.write_text(inputs.to_csv(), encoding="utf-8")
    return path


def read_predictions(path: str | Path) -> tuple[list[Any], list[Any]]:
    """``(ids, values)`` from a predictions file (.csv, .json or .npy)."""
    path = Path(path)
    if path.suffix not in (".csv", ".json", ".npy"):
        raise DataError(f"{path}: predictions must be a .csv (id,prediction), .json or .npy file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file; check the path") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read it ({exc.strerror})") from None
    if path.suffix == ".csv":
        return preds.read_csv(data)
    if path.suffix == ".json":
        return preds.read_json(data)
    try:
        array = np.load(path, allow_pickle=False)  # never pickles: a file from elsewhere runs no code
    except (ValueError, OSError) as exc:
        raise DataError(f"{path}: not a NumPy array file ({exc})") from None
    ids, values = in_order(array)
    return list(ids), values


def run_predictions(run_id: int, inputs: Inputs, *, db: str | None = None) -> np.ndarray:
    """Train stored run ``run_id`` again from its spec and seed, and predict ``inputs`` with it.

    Refused, before training, when the run did not finish, has no experiment spec, or learned a task of
    another kind or number of features than the class task.
    """
    from pydantic import ValidationError

    from neuronlab.experiments.fit import fit_and_score
    from neuronlab.experiments.spec import ExperimentSpec
    from neuronlab.store import RunStore

    store = RunStore(db)
    try:
        record = store.get(int(run_id))
    finally:
        store.close()
    if record.status != "done":
        raise DataError(f"run {run_id} is {record.status}, not done; submit a finished run")
    try:
        spec = ExperimentSpec.model_validate({**record.spec, "name": record.experiment},
                                             context={"check_task": False})
    except ValidationError:
        raise DataError(f"run {run_id} cannot be trained again: its stored spec is not an experiment spec; "
                        "submit a predictions file instead") from None
    task = spec.load_task(record.seed)
    wanted = "regression" if inputs.task.kind == "regression" else "classification"
    has = "regression" if task.kind == "regression" else "classification"
    if has != wanted or task.n_features != inputs.X.shape[1]:
        raise DataError(f"run {run_id} learned {task.name} ({has}, {task.n_features} features); task "
                        f"{inputs.task.name!r} is {wanted} with {inputs.X.shape[1]} features: submit a run of "
                        "that task")
    result = fit_and_score(task, spec.model.kind, seed=record.seed, **spec.model_params())
    return np.asarray(result.estimator.predict(inputs.X))
