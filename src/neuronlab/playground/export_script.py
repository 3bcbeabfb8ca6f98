"""A playground export as a runnable Python script (see :mod:`neuronlab.playground.export` for the why).

The script is text a student keeps, reads and runs without this lab: the weights as literal lists written
with ``repr`` (every digit of each float), the input pipeline spelt out in NumPy, and our estimator built
by ``from_weights``.  The feature map is NumPy source per feature (:data:`FEATURE_CODE`), since a script
cannot import the lab's lambdas; a test holds each line equal to :data:`neuronlab.playground.FEATURES`.
"""

from __future__ import annotations

from pprint import pformat
from typing import Any

from neuronlab.playground.export import NetworkExport, floats

# Each feature of playground.config.FEATURES as NumPy source on the standardised inputs S.
FEATURE_CODE: dict[str, str] = {
    "x1": "S[:, 0]",
    "x2": "S[:, 1]",
    "x1^2": "S[:, 0] ** 2",
    "x2^2": "S[:, 1] ** 2",
    "x1*x2": "S[:, 0] * S[:, 1]",
    "sin(x1)": "np.sin(S[:, 0])",
    "sin(x2)": "np.sin(S[:, 1])",
}


def render_script(export: NetworkExport) -> str:
    """The script: imported, it defines ``model`` (a fitted Pipeline) and prints nothing; run, it predicts
    the export's example inputs and prints them beside the playground's predictions."""
    data = export.data
    regression = data["kind"] == "regression"
    estimator = "MLPRegressor" if regression else "MLPClassifier"
    outputs = (f"target_mean={data['target']['mean']!r}, target_scale={data['target']['scale']!r}" if regression
               else f"classes={data['classes']!r}")
    kind = {"binary": "two classes", "multiclass": f"{len(data['classes'] or [])} classes",
            "regression": "regression"}[data["kind"]]
    intercepts = ("None  # bias off" if not data["bias"] else
                  "[\n    " + ",\n    ".join(f"np.array({layer['biases']!r})" for layer in data["layers"]) + ",\n]")
    expected = [float(v) if regression else int(v) for v in export.expected]
    return _SCRIPT.format(
        task=data["task"], kind=kind, epoch=data["epoch"], widths=" -> ".join(map(str, data["widths"])),
        activation=data["activation"], estimator=estimator, outputs=outputs,
        config=_literal(data["config"]), edits=_literal(data["edits"]),
        inputs=data["inputs"], features=tuple(data["features"]), classes=data["classes"],
        mean=data["scaler"]["mean"], scale=data["scaler"]["scale"],
        coefs=",\n    ".join(f"np.array({_rows(layer['weights'])})" for layer in data["layers"]),
        intercepts=intercepts,
        columns="\n        ".join(f"{FEATURE_CODE[f]},  # {f}" for f in data["features"]),
        examples=_rows([floats(row) for row in export.examples]), expected=expected,
        what="value" if regression else "class",
        proba="" if regression else '\n    print("class probabilities", model.predict_proba(X).round(4).tolist())',
    )


def _literal(value: Any) -> str:
    return pformat(value, width=110, sort_dicts=False)


def _rows(rows: list[list[float]]) -> str:
    return "[\n        " + ",\n        ".join(repr(row) for row in rows) + ",\n    ]"


_SCRIPT = '''"""A network trained in the neuronlab playground, as neuronlab's own estimator.

Task {task} ({kind}), epoch {epoch}; network {widths}, {activation} hidden units.
Import it and use ``model`` (a scikit-learn Pipeline: standardise -> features -> {estimator}):

    from this_file import model
    model.predict(X)  # X: rows of the raw inputs {inputs}

Run it (``python this_file.py``) to predict a few test points beside what the playground predicted.
Needs NumPy, scikit-learn and neuronlab (no torch).
"""

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from neuronlab import {estimator}

# The playground's state: its config, the weights set by hand (col None: a bias) and the epoch.
CONFIG = {config}
EDITS = {edits}
EPOCH = {epoch}
INPUTS = {inputs!r}
FEATURES = {features!r}
CLASSES = {classes!r}

# The session's StandardScaler, fitted on its training split: S = (X - MEAN) / SCALE.
MEAN = np.array({mean!r})
SCALE = np.array({scale!r})

# W_l as (out, in) rows (coefs_'s layout) and b_l, input layer first.
COEFS = [
    {coefs},
]
INTERCEPTS = {intercepts}


def standardise(X):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != len(INPUTS):
        raise ValueError(f"X must be rows of {{len(INPUTS)}} input(s) {{INPUTS}}; got shape {{X.shape}}")
    return (X - MEAN) / SCALE


def feature_map(S):
    return np.column_stack([
        {columns}
    ])


def build_model():
    net = {estimator}.from_weights(COEFS, INTERCEPTS, {outputs}, activation={activation!r}, dtype="float64")
    return Pipeline([
        ("standardise", FunctionTransformer(standardise)),
        ("features", FunctionTransformer(feature_map)),
        ("mlp", net),
    ])


model = build_model()

if __name__ == "__main__":
    X = np.array({examples})
    PLAYGROUND = {expected!r}  # what the playground predicted for X when this was exported
    print("inputs", INPUTS, "-> {what}: this model / the playground")
    for x, ours, theirs in zip(X.tolist(), model.predict(X).tolist(), PLAYGROUND):
        print(x, ours, theirs){proba}
'''
