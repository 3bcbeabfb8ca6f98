"""A trained playground network, exported: a runnable Python script, or JSON, of our own estimator.

TensorFlow Playground's most-asked-for missing feature.  Both formats rebuild the session's model as
``neuronlab.MLPClassifier`` / ``MLPRegressor`` (through ``from_weights``) behind the session's input
pipeline, so ``predict`` / ``predict_proba`` on raw inputs give what ``Session.predict`` /
``Session.predict_proba`` give (to rounding).  The pipeline is a scikit-learn ``Pipeline``: the
standardisation the session fitted on its training split, the chosen feature columns, the network.  A
regressor's outputs are standardised targets (the session trains on (y − mean) / std); the estimator
undoes that itself (``target_mean``/``target_scale``), exactly as the session does.

The script (:func:`neuronlab.playground.export_script.render_script`) is self-contained: NumPy,
scikit-learn and neuronlab, no torch; its weights are written with ``repr`` (every digit).  Imported, it
defines ``model`` and prints nothing; run, it predicts a few test points and prints them beside the
playground's own predictions.

The JSON (:meth:`NetworkExport.json`; read back by :func:`load_network`), format
``"neuronlab-playground-network"``, version 1, keys:

- ``format``, ``version``: what this is (a reader refuses any other);
- ``config``: the playground's config (the URL state's knobs), ``edits``: the weights set by hand, and
  ``epoch``: together, the URL that replays this network;
- ``task``, ``kind`` (``binary`` | ``multiclass`` | ``regression``), ``inputs`` (the raw inputs' names),
  ``classes`` (the labels ``predict`` returns: class indices, as the playground's) and ``class_names``;
- ``features``: the feature columns, in order, from ``x1``, ``x2``, ``x1^2``, ``x2^2``, ``x1*x2``,
  ``sin(x1)``, ``sin(x2)``, each computed on the standardised inputs;
- ``scaler``: ``{"mean": [...], "scale": [...]}`` per raw input (S = (X − mean) / scale);
- ``target``: ``{"mean": m, "scale": s}`` for regression (y = output · s + m), else null;
- ``widths`` (features, hidden…, outputs), ``activation`` (hidden layers; the head follows ``kind``),
  ``bias``;
- ``layers``: per layer ``{"weights": W as (out, in) rows, "biases": [out] or null}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from neuronlab.errors import ConfigError, DataError, DivergedError, NeuronlabError
from neuronlab.estimators import MLPClassifier, MLPRegressor
from neuronlab.playground.config import FEATURES

if TYPE_CHECKING:
    from neuronlab.playground.session import Session, Snapshot

FORMAT, VERSION = "neuronlab-playground-network", 1
EXAMPLES = 5  # test points the script predicts when run, with the playground's predictions beside them
CONSISTENT_TRIES = 20  # reads of a session that trains meanwhile, before the export gives up (see network_export)


class StillTraining(NeuronlabError):
    """The session trained on through every attempt to read it consistently (see network_export)."""


@dataclass(frozen=True)
class NetworkExport:
    """One consistent read of a session: the network's data (the format above), a few raw test inputs
    and the playground's predictions for them, all of the same published weights."""

    data: dict[str, Any]
    examples: np.ndarray  # (n, n_inputs) raw inputs
    expected: np.ndarray  # Session.predict(examples) from the same weights as ``data``

    def json(self) -> str:
        """The data as JSON text (floats with every digit, as Python's ``json`` writes them)."""
        return json.dumps(self.data, indent=1) + "\n"

    def filename(self, suffix: str) -> str:
        """``neuronlab-moons-epoch120.py``: the task (letters, digits, ``-`` and ``_`` only) and the epoch."""
        name = re.sub(r"[^A-Za-z0-9_-]+", "-", str(self.data["config"]["task"])).strip("-") or "task"
        return f"neuronlab-{name}-epoch{self.data['epoch']}.{suffix}"


def network_export(session: Session) -> NetworkExport:
    """The session's network as it was last published; raises DivergedError when it diverged (or holds a
    non-finite weight): such a network has nothing to export.  The script's weights are exact (every
    digit of the session's); a session that computes in float32 predicts within its rounding (≈1e-7).

    A session may be training meanwhile (the page plays while its student clicks Export): the weights
    are one snapshot, and the predictions are read again until the snapshot did not change around them,
    so the script's "the playground predicted" is always of the weights it holds.
    """
    task = session.task
    examples = (task.X_test if len(task.X_test) else task.X_train)[:EXAMPLES]
    for _ in range(CONSISTENT_TRIES):
        snap = session.snapshot()
        data = _data(session, snap)
        expected = np.asarray(session.predict(examples))
        if session.snapshot() is snap:
            return NetworkExport(data, examples, expected)
    raise StillTraining("this network kept changing while it was exported; pause it, then export")


def _data(session: Session, snap: Snapshot) -> dict[str, Any]:
    if snap.error is not None:
        raise DivergedError(f"this network diverged ({snap.error}); reset it or lower eta, then export",
                            epoch=snap.epoch)
    if not all(np.all(np.isfinite(p)) for W, b in snap.layers for p in (W, b) if p is not None):
        raise DivergedError("this network has a weight that is not a finite number; reset it, then export",
                            epoch=snap.epoch)
    task, cfg = session.task, session.config
    regression = session.kind == "regression"
    n_classes = 0 if regression else (session.n_classes or 2)
    return {
        "format": FORMAT, "version": VERSION,
        "config": cfg.model_dump(mode="json"), "epoch": snap.epoch,
        "edits": [{"epoch": e.epoch, "layer": e.layer, "row": e.row, "col": e.col, "value": e.value}
                  for e in snap.edits],
        "task": task.name, "kind": session.kind, "inputs": list(task.feature_names),
        "classes": list(range(n_classes)) if n_classes else None,
        "class_names": (list(task.class_names) if task.class_names else [str(c) for c in range(n_classes)])
        if n_classes else None,
        "features": list(cfg.features),
        "scaler": {"mean": floats(session.scaler.mean_), "scale": floats(session.scaler.scale_)},
        "target": {"mean": float(session.y_mean), "scale": float(session.y_std)} if regression else None,
        "widths": [int(w) for w in session.widths], "activation": cfg.activation, "bias": cfg.bias,
        "layers": [{"weights": [floats(row) for row in W], "biases": None if b is None else floats(b)}
                   for W, b in snap.layers],
    }


def floats(values: Any) -> list[float]:
    """Python floats (exact: a float64 is a Python float), flattened: what JSON and ``repr`` write in full."""
    return [float(v) for v in np.asarray(values, dtype=float).ravel()]


# -- back into an estimator -------------------------------------------------------------------------------


def standardise(X: Any, mean: Any, scale: Any) -> np.ndarray:
    """(X − mean) / scale, what the session's StandardScaler does (same operations, same rounding); X must
    have one column per input (NumPy would broadcast two columns against one input's mean, silently)."""
    X, mean = np.asarray(X, dtype=float), np.asarray(mean, dtype=float)
    if X.ndim != 2 or X.shape[1] != mean.size:
        raise DataError(f"X must be rows of {mean.size} raw input(s), as the playground's task has; "
                        f"got shape {X.shape}")
    return (X - mean) / np.asarray(scale, dtype=float)


def feature_columns(S: np.ndarray, features: tuple[str, ...]) -> np.ndarray:
    """The chosen feature columns of standardised inputs S (N, n_features), the session's feature map."""
    return np.column_stack([FEATURES[f](S) for f in features])


def load_network(data: Mapping[str, Any] | str) -> Pipeline:
    """A fitted ``Pipeline`` (standardise → features → our MLP) from an export's data or its JSON text:
    ``predict`` / ``predict_proba`` of raw inputs as the playground gave them.  A document of another
    format or version, or one whose parts do not fit together, is one ConfigError line."""
    doc = _document(data)
    if doc.get("kind") not in ("binary", "multiclass", "regression"):
        raise ConfigError(f"kind must be binary, multiclass or regression; got {doc.get('kind')!r}")
    try:
        features = tuple(doc["features"])
        unknown = [f for f in features if f not in FEATURES]
        if unknown:
            raise ConfigError(f"unknown feature {unknown[0]!r} in the export; the playground's are {list(FEATURES)}")
        coefs = [layer["weights"] for layer in doc["layers"]]
        intercepts = None if not doc["bias"] else [layer["biases"] for layer in doc["layers"]]
        common = {"activation": doc["activation"], "dtype": "float64"}
        if doc["kind"] == "regression":
            net: Any = MLPRegressor.from_weights(coefs, intercepts, target_mean=doc["target"]["mean"],
                                                 target_scale=doc["target"]["scale"], **common)
        else:
            net = MLPClassifier.from_weights(coefs, intercepts, classes=doc["classes"], **common)
        mean, scale = doc["scaler"]["mean"], doc["scaler"]["scale"]
    except (KeyError, TypeError) as err:
        raise ConfigError(f"this {FORMAT} document is missing a part or has one of the wrong type ({err!r})") from None
    if len(mean) != len(scale) or net.n_features_in_ != len(features):
        raise ConfigError(f"the export's parts disagree: {len(mean)} input mean(s), {len(scale)} scale(s), "
                          f"{len(features)} feature(s) for a first layer of {net.n_features_in_} input(s)")
    return Pipeline([
        ("standardise", FunctionTransformer(standardise, kw_args={"mean": mean, "scale": scale})),
        ("features", FunctionTransformer(partial(feature_columns, features=features))),
        ("mlp", net),
    ])


def _document(data: Mapping[str, Any] | str) -> Mapping[str, Any]:
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as err:
            raise ConfigError(f"the export is not JSON: {err}") from None
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        raise ConfigError(f"not a {FORMAT} document (its 'format' key says so when it is)")
    if data.get("version") != VERSION:
        raise ConfigError(f"{FORMAT} version {data.get('version')!r} is not one this neuronlab reads ({VERSION})")
    return data
