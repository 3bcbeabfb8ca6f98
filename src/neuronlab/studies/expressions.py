"""Hand-made features written as small formulas over a CSV's columns: ``inv_sqrt(d)``, ``T * log(t)``.

A scientist's domain knowledge is usually one line of algebra (Hall–Petch: σ_y is linear in 1/√d).  The
comparison study lets them write it on the command line, so the formula must be safe to take from
anyone: it is parsed with :mod:`ast` and walked against an allow-list — column names, numbers,
``+ - * / **``, unary minus, and the functions in :data:`FUNCTIONS` with one argument each — and then
evaluated by our own tree walk over NumPy arrays.  Nothing is ever passed to ``eval``; an attribute, a
subscript, a keyword, a lambda or any other name is refused with one line that names it.

Evaluation is per row (no statistic of the data enters a feature), so :class:`ExpressionFeatures` may sit
in a Pipeline in front of the in-fold scaler and still see raw physical values.  Overflow and invalid
operations yield inf/NaN instead of Python exceptions (NumPy float arithmetic under ``errstate``); the
caller checks finiteness and names the row (1/√d at d = 0 is inf).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from neuronlab import limits
from neuronlab.errors import ConfigError, DataError, valid_names

Array = np.ndarray
MAX_CHARS = 200  # one formula; a longer one is a program, not a feature
MAX_NODES = 64  # operators, names and numbers in one formula: bounds the work per row


def _inv_sqrt(x: Array) -> Array:
    return 1.0 / np.sqrt(x)


FUNCTIONS: dict[str, Callable[[Array], Array]] = {
    "inv_sqrt": _inv_sqrt,
    "log": np.log,
    "sqrt": np.sqrt,
    "exp": np.exp,
    "abs": np.abs,
    "square": np.square,
}
_BINARY: dict[type[ast.operator], Callable[[Array, Array], Array]] = {
    ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide, ast.Pow: np.power,
}
_SYMBOLS = "+ - * / **"


class ExpressionError(ConfigError):
    """A formula is not valid: a syntax error, an unknown column or function, a construct not allowed."""


@dataclass(frozen=True)
class Expression:
    """A parsed, checked formula: its text, the columns it reads, and the tree to evaluate."""

    text: str
    columns: tuple[str, ...]
    tree: ast.expr

    def evaluate(self, values: dict[str, Array]) -> Array:
        """The formula on every row: ``values`` maps each column name to a float array of the rows."""
        n = len(next(iter(values.values()))) if values else 1
        with np.errstate(all="ignore"):
            out = _evaluate(self.tree, values)
        return np.broadcast_to(np.asarray(out, dtype=np.float64), (n,)).copy()


def parse_expression(text: str, columns: Sequence[str]) -> Expression:
    """Parse ``text`` and check every node against the allow-list; ``columns`` are the names it may use."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("an empty feature; write a column name or a formula such as inv_sqrt(d)")
    text = text.strip()
    if len(text) > MAX_CHARS:
        raise ExpressionError(f"feature {text[:40]!r}… is {len(text)} characters, over the limit of {MAX_CHARS}; "
                              "write a shorter formula")
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as err:
        raise ExpressionError(f"feature {text!r} is not a valid formula ({err.msg}, at character "
                              f"{err.offset or 0}); use column names, numbers, {_SYMBOLS} and "
                              f"{', '.join(FUNCTIONS)}(…)") from None
    nodes = sum(1 for _ in ast.walk(tree))
    if nodes > MAX_NODES:
        raise ExpressionError(f"feature {text!r} has {nodes} parts, over the limit of {MAX_NODES}; "
                              "write a shorter formula")
    used: list[str] = []
    _check(tree, text, frozenset(columns), used)
    return Expression(text=text, columns=tuple(dict.fromkeys(used)), tree=tree)


def _check(node: ast.AST, text: str, columns: frozenset[str], used: list[str]) -> None:
    """Refuse every node that is not a column, a finite number, an allowed operator or function call."""
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ExpressionError(f"feature {text!r}: {node.id} is a function; call it, e.g. {node.id}(x)")
        if node.id not in columns:
            raise ExpressionError(f"feature {text!r}: no column {node.id!r}; columns are {valid_names(columns)}")
        used.append(node.id)
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float) or not np.isfinite(node.value):
            raise ExpressionError(f"feature {text!r}: {node.value!r} is not a finite number; only numbers, "
                                  "column names and functions may appear")
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        _check(node.left, text, columns, used)
        _check(node.right, text, columns, used)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _check(node.operand, text, columns, used)
    elif isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            shown = name or ast.unparse(node.func)
            raise ExpressionError(f"feature {text!r}: unknown function {shown!r}; use one of "
                                  f"{valid_names(FUNCTIONS)}")
        if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
            raise ExpressionError(f"feature {text!r}: {name}() takes exactly one argument, e.g. {name}(x)")
        _check(node.args[0], text, columns, used)
    else:
        what = ast.unparse(node) if isinstance(node, ast.expr) else type(node).__name__
        raise ExpressionError(f"feature {text!r}: {what!r} is not allowed; use column names, numbers, "
                              f"{_SYMBOLS} and {', '.join(FUNCTIONS)}(…)")


def _evaluate(node: ast.expr, values: dict[str, Array]) -> Array:
    """The checked tree on float arrays (numbers become float64 scalars, so ``**`` overflows to inf
    instead of raising or building a huge Python integer)."""
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.Constant):
        return np.asarray(float(node.value))  # type: ignore[arg-type]  # checked: an int or float
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_evaluate(node.left, values), _evaluate(node.right, values))
    if isinstance(node, ast.UnaryOp):
        inner = _evaluate(node.operand, values)
        return np.negative(inner) if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return FUNCTIONS[node.func.id](_evaluate(node.args[0], values))
    raise AssertionError(f"unchecked node {ast.dump(node)}")  # parse_expression refused it already


def evaluate_features(expressions: Sequence[Expression], X: Array, columns: Sequence[str]) -> Array:
    """Every formula on every row of ``X`` (whose columns are named ``columns``): (n, len(expressions))."""
    index = {name: i for i, name in enumerate(columns)}
    values = {name: np.asarray(X[:, index[name]], dtype=np.float64)
              for e in expressions for name in e.columns}
    n = X.shape[0]
    out = np.empty((n, len(expressions)), dtype=np.float64)
    for j, e in enumerate(expressions):
        out[:, j] = e.evaluate(values) if values else np.broadcast_to(e.evaluate({}), (n,))
    return out


def first_non_finite(features: Array, expressions: Sequence[Expression], X: Array,
                     columns: Sequence[str]) -> str | None:
    """None when every value is finite, else a sentence naming the formula, the row (from 1) and its inputs.

    Values beyond ±``limits.MAX_DATA_MAGNITUDE`` count as not finite: their squares (a variance, a squared
    error) overflow, as the CSV reader refuses them in the data itself."""
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(features) | (np.abs(features) > limits.MAX_DATA_MAGNITUDE)
    if not bad.any():
        return None
    j = int(np.flatnonzero(bad.any(axis=0))[0])
    i = int(np.flatnonzero(bad[:, j])[0])
    e = expressions[j]
    inputs = ", ".join(f"{c} = {X[i, list(columns).index(c)]:g}" for c in e.columns)
    value = features[i, j]
    shown = "NaN" if np.isnan(value) else f"{value:g}"
    huge = ", too large to compute with" if np.isfinite(value) else ""
    return f"feature {e.text!r} is {shown} in row {i + 1} ({inputs or 'a constant'}){huge}"


class ExpressionFeatures(TransformerMixin, BaseEstimator):
    """The formulas ``expressions`` over input columns named ``columns``, as a scikit-learn transformer.

    Put it first in a Pipeline (``honest_pipeline`` then scales its output inside each training fold).  A
    row whose feature is not finite is refused with a DataError rather than passed on as NaN.
    """

    def __init__(self, expressions: Sequence[str] = (), columns: Sequence[str] = ()) -> None:
        self.expressions = expressions
        self.columns = columns

    def _parsed(self) -> list[Expression]:
        if not self.expressions:
            raise ExpressionError("ExpressionFeatures needs at least one formula")
        return [parse_expression(text, self.columns) for text in self.expressions]

    def fit(self, X: Any, y: Any = None) -> ExpressionFeatures:
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite=True)
        if X.shape[1] != len(self.columns):
            raise ConfigError(f"ExpressionFeatures got {X.shape[1]} input columns but {len(self.columns)} names")
        self.parsed_ = self._parsed()
        self.transform(X)  # refuse a non-finite feature at fit, where it is first seen
        return self

    def transform(self, X: Any) -> Array:
        check_is_fitted(self, "parsed_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        out = evaluate_features(self.parsed_, X, self.columns)
        problem = first_non_finite(out, self.parsed_, X, self.columns)
        if problem is not None:
            raise DataError(f"{problem}; change the formula or drop the rows where it is undefined")
        return out

    def get_feature_names_out(self, input_features: Any = None) -> Array:
        check_is_fitted(self, "parsed_")
        return np.asarray([e.text for e in self.parsed_], dtype=object)
