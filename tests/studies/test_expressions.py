"""The feature language: the formulas compute what NumPy computes, and nothing else gets through."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline

from neuronlab.errors import ConfigError, DataError
from neuronlab.studies.compare_models import parse_model, parse_models
from neuronlab.studies.expressions import (
    MAX_CHARS,
    ExpressionError,
    ExpressionFeatures,
    evaluate_features,
    first_non_finite,
    parse_expression,
)

COLUMNS = ("d", "T", "t_h")
X = np.array([[4.0, 300.0, 2.0], [9.0, 350.0, 0.5], [16.0, 400.0, 8.0]])


@pytest.mark.parametrize(("text", "oracle"), [
    ("d", lambda d, T, t: d),
    ("inv_sqrt(d)", lambda d, T, t: 1 / np.sqrt(d)),
    ("log(t_h) + sqrt(d)", lambda d, T, t: np.log(t) + np.sqrt(d)),
    ("exp(-T / 100)", lambda d, T, t: np.exp(-T / 100)),
    ("abs(2 - d) * square(t_h)", lambda d, T, t: np.abs(2 - d) * t**2),
    ("d ** -0.5 - inv_sqrt(d)", lambda d, T, t: d**-0.5 - 1 / np.sqrt(d)),
    ("T * log(t_h) / (1 + d) ** 2", lambda d, T, t: T * np.log(t) / (1 + d) ** 2),
    ("+d - -T", lambda d, T, t: d + T),
    ("3", lambda d, T, t: np.full_like(d, 3.0)),
])
def test_formulas_compute_what_numpy_computes(text: str, oracle: object) -> None:
    e = parse_expression(text, COLUMNS)
    got = evaluate_features([e], X, COLUMNS)[:, 0]
    np.testing.assert_allclose(got, oracle(X[:, 0], X[:, 1], X[:, 2]), rtol=1e-12)  # type: ignore[operator]


@pytest.mark.parametrize(("text", "message"), [
    ("inv_sqrt(d", "not a valid formula"),
    ("d +", "not a valid formula"),
    ("foo(d)", "unknown function 'foo'; use one of 'abs', 'exp', 'inv_sqrt', 'log', 'sqrt', 'square'"),
    ("grain", "no column 'grain'; columns are 'T', 'd', 't_h'"),
    ("log", "log is a function; call it"),
    ("d.real", "'d.real' is not allowed"),
    ("__import__('os').system('touch pwned')", "unknown function"),
    ("eval('1')", "unknown function 'eval'"),
    ("open('/etc/passwd')", "unknown function 'open'"),
    ("X[0]", "not allowed"),
    ("(lambda: 1)()", "unknown function"),
    ("[d for d in T]", "not allowed"),
    ("d if T else t_h", "not allowed"),
    ("d < T", "not allowed"),
    ("d // 2", "not allowed"),
    ("d @ T", "not allowed"),
    ("'d'", "not a finite number"),
    ("True", "not a finite number"),
    ("1e999", "not a finite number"),
    ("1j", "not a finite number"),
    ("log(d, 2)", "takes exactly one argument"),
    ("log(x=d)", "takes exactly one argument"),
    ("log(*d)", "takes exactly one argument"),
    ("", "an empty feature"),
    ("d; import os", "not a valid formula"),
    ("d + " * 30 + "d", "parts, over the limit"),
    ("d" + " " * MAX_CHARS, None),  # surrounding blanks do not count
    ("d +" + " " * MAX_CHARS + "d", "characters, over the limit"),
])
def test_anything_but_the_allow_list_is_refused_in_one_line(text: str, message: str | None, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    if message is None:
        assert parse_expression(text, COLUMNS).text == "d"
        return
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(").replace(")", r"\)")) as err:
        e = parse_expression(text, COLUMNS)
        evaluate_features([e], X, COLUMNS)
    assert "\n" not in str(err.value)
    assert not (tmp_path / "pwned").exists()


def test_overflow_is_inf_not_an_exception() -> None:
    # A Python float would raise OverflowError and a Python int 9**9**9 would take forever to build.
    for text in ("d ** 1000", "9 ** 9 ** 9", "exp(T * 10)"):
        values = evaluate_features([parse_expression(text, COLUMNS)], X, COLUMNS)
        assert np.isinf(values).all(), text


def test_non_finite_values_are_named_with_their_row() -> None:
    rows = np.array([[4.0, 1.0, 1.0], [0.0, 1.0, 1.0], [-1.0, 1.0, 1.0]])
    exprs = [parse_expression("d", COLUMNS), parse_expression("inv_sqrt(d)", COLUMNS)]
    values = evaluate_features(exprs, rows, COLUMNS)
    assert first_non_finite(values, exprs, rows, COLUMNS) == "feature 'inv_sqrt(d)' is inf in row 2 (d = 0)"
    log, rows = [parse_expression("log(d)", COLUMNS)], rows[[0, 2]]
    assert first_non_finite(evaluate_features(log, rows, COLUMNS), log, rows, COLUMNS) == (
        "feature 'log(d)' is NaN in row 2 (d = -1)")
    huge, rows = [parse_expression("exp(T)", COLUMNS)], np.array([[1.0, 10.0, 1.0], [1.0, 400.0, 1.0]])
    assert first_non_finite(evaluate_features(huge, rows, COLUMNS), huge, rows, COLUMNS) == (
        "feature 'exp(T)' is 5.22147e+173 in row 2 (T = 400), too large to compute with")


def test_transformer_is_per_row_so_it_may_precede_the_in_fold_scaler() -> None:
    rng = np.random.default_rng(0)
    data = np.column_stack([rng.uniform(1, 100, 50), rng.uniform(250, 400, 50), rng.uniform(0.1, 9, 50)])
    features = ExpressionFeatures(expressions=("inv_sqrt(d)", "T * log(t_h)"), columns=COLUMNS).fit(data)
    whole = features.transform(data)
    np.testing.assert_array_equal(features.transform(data[10:20]), whole[10:20])  # no statistic of the data
    assert list(features.get_feature_names_out()) == ["inv_sqrt(d)", "T * log(t_h)"]
    y = 70 + 740 * whole[:, 0]
    model = make_pipeline(ExpressionFeatures(expressions=("inv_sqrt(d)",), columns=COLUMNS), LinearRegression())
    assert model.fit(data, y).score(data, y) == pytest.approx(1.0)
    with pytest.raises(DataError, match=r"feature 'inv_sqrt\(d\)' is inf in row 1 \(d = 0\)"):
        features.transform(np.array([[0.0, 300.0, 1.0]]))


def test_model_syntax() -> None:
    spec = parse_model("  linear( inv_sqrt(d),T )", COLUMNS)
    assert (spec.label, spec.kind, spec.feature_texts) == ("linear(inv_sqrt(d), T)", "linear", ("inv_sqrt(d)", "T"))
    assert parse_model("gp(d)", COLUMNS).kind == "gp" and parse_model("mlp(d, t_h)", COLUMNS).kind == "mlp"
    for text, message in (("svm(d)", "unknown model 'svm'"), ("linear()", "needs its features"),
                          ("linear(d, hidden=3)", "no keyword arguments"), ("d", "must be a model call"),
                          ("linear(d, d)", "names a feature twice"), ("linear(inv_sqrt(x))", "no column 'x'"),
                          ("mlp(d", "is not valid"), ("os.system(d)", "must be a model call")):
        with pytest.raises(ExpressionError, match=message.replace("(", r"\(").replace(")", r"\)")):
            parse_model(text, COLUMNS)
    with pytest.raises(ConfigError, match="at least two models, got 1"):
        parse_models(["linear(d)"], COLUMNS, max_models=8)
    with pytest.raises(ConfigError, match="given twice"):
        parse_models(["linear(d)", "linear( d )"], COLUMNS, max_models=8)
    with pytest.raises(ConfigError, match="3 models, over the limit of 2"):
        parse_models(["linear(d)", "mlp(d)", "gp(d)"], COLUMNS, max_models=2)
