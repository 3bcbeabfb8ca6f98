"""``linear(inv_sqrt(d))``, ``mlp(d)``, ``gp(d, T)``: a model named on the command line, made an estimator.

The outer call names the model (our baselines or our MLP, each at its estimator's defaults), its
arguments are the features, each a formula of :mod:`neuronlab.studies.expressions`.  The estimator is
always ``formulas → StandardScaler → model`` (``honest_pipeline``): the formulas see raw physical values,
the scaler is fitted on each training fold only.  A regression MLP also has its target standardised in
fold (``MLPRegressor(scale_target=True)``, its default): targets in MPa sit far from the ~1 scale an
identity output starts at.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline, make_pipeline

from neuronlab.errors import ConfigError
from neuronlab.evaluate.validation import honest_pipeline
from neuronlab.nn.baselines import gp_model, linear_model
from neuronlab.studies.expressions import Expression, ExpressionError, ExpressionFeatures, parse_expression

MODEL_KINDS = ("linear", "mlp", "gp")
MAX_MODEL_CHARS = 400
MAX_FEATURES = 16  # per model: the study is about a few physical features, not feature engineering


@dataclass(frozen=True)
class ModelSpec:
    """One model of the study: its label (as the user wrote it, spaces normalised), kind and features."""

    label: str
    kind: str
    features: tuple[Expression, ...]

    @property
    def feature_texts(self) -> tuple[str, ...]:
        return tuple(e.text for e in self.features)


def parse_model(text: str, columns: Sequence[str]) -> ModelSpec:
    """``"linear(inv_sqrt(d), T)"`` → ModelSpec; every mistake is one ExpressionError line."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("an empty --model; write e.g. linear(inv_sqrt(d)) or mlp(d)")
    text = text.strip()
    if len(text) > MAX_MODEL_CHARS:
        raise ExpressionError(f"model {text[:40]!r}… is {len(text)} characters, over the limit of "
                              f"{MAX_MODEL_CHARS}; write fewer or shorter features")
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as err:
        raise ExpressionError(f"model {text!r} is not valid ({err.msg}, at character {err.offset or 0}); "
                              "write it as linear(FEATURE, ...), mlp(FEATURE, ...) or gp(FEATURE, ...)") from None
    kinds = " or ".join(f"{k}(…)" for k in MODEL_KINDS)
    if not isinstance(tree, ast.Call) or not isinstance(tree.func, ast.Name):
        raise ExpressionError(f"model {text!r} must be a model call with its features, e.g. linear(d); use {kinds}")
    kind = tree.func.id
    if kind not in MODEL_KINDS:
        raise ExpressionError(f"model {text!r}: unknown model {kind!r}; use {kinds}")
    if tree.keywords or not tree.args:
        raise ExpressionError(f"model {text!r} needs its features as arguments, e.g. {kind}(d); "
                              "no keyword arguments (each model runs at its estimator's defaults)")
    if len(tree.args) > MAX_FEATURES:
        raise ExpressionError(f"model {text!r} has {len(tree.args)} features, over the limit of {MAX_FEATURES}")
    features = []
    for arg in tree.args:
        segment = ast.get_source_segment(text, arg)
        features.append(parse_expression(segment if segment is not None else ast.unparse(arg), columns))
    texts = [f.text for f in features]
    if len(set(texts)) != len(texts):
        raise ExpressionError(f"model {text!r} names a feature twice; give each feature once")
    return ModelSpec(label=f"{kind}({', '.join(texts)})", kind=kind, features=tuple(features))


def parse_models(texts: Sequence[str], columns: Sequence[str], *, max_models: int) -> list[ModelSpec]:
    """Every ``--model``: at least two (a comparison), at most ``max_models``, no label twice."""
    if len(texts) < 2:
        raise ConfigError(f"a comparison needs at least two models, got {len(texts)}; add another --model, "
                          "e.g. --model \"linear(inv_sqrt(d))\" --model \"mlp(d)\"")
    if len(texts) > max_models:
        raise ConfigError(f"{len(texts)} models, over the limit of {max_models} (every pair is compared); "
                          "compare fewer models at once")
    specs = [parse_model(t, columns) for t in texts]
    labels = [s.label for s in specs]
    twice = sorted({label for label in labels if labels.count(label) > 1})
    if twice:
        raise ConfigError(f"model {twice[0]!r} is given twice; give each model once")
    return specs


def build_estimator(spec: ModelSpec, kind: str, columns: Sequence[str], *, seed: int) -> Pipeline:
    """The model as an honest pipeline: formulas, in-fold scaler, the model seeded with ``seed``."""
    model: BaseEstimator
    if spec.kind == "linear":
        model = linear_model(kind)
    elif spec.kind == "gp":
        model = gp_model(kind, random_state=seed)
    else:
        from neuronlab.estimators import MLPClassifier, MLPRegressor

        model = MLPRegressor(random_state=seed) if kind == "regression" else MLPClassifier(random_state=seed)
    features = ExpressionFeatures(expressions=spec.feature_texts, columns=tuple(columns))
    return honest_pipeline(make_pipeline(features, model))
