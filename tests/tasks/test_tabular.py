"""load_csv: a good CSV becomes a Task; each kind of bad CSV is refused with one line naming the problem."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neuronlab.errors import DataError, TaskError
from neuronlab.tasks import load_csv


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def table(n: int = 30, target: str = "label", values: list[str] | None = None, n_groups: int = 6) -> str:
    """A CSV with features a, b, a numeric specimen id and a target (default: two string classes)."""
    rng = np.random.default_rng(0)
    values = values or [("cat", "dog")[i % 2] for i in range(n)]
    rows = [f"{rng.normal():.4f},{rng.normal():.4f},{i % n_groups},{v}" for i, v in enumerate(values)]
    return "\n".join([f"a,b,specimen,{target}", *rows]) + "\n"


def refuse(path: Path, *words: str, **kwargs: object) -> str:
    """Assert load_csv raises a one-line DataError containing ``words``; return the message."""
    with pytest.raises(DataError) as err:
        load_csv(path, **{"target": "label", **kwargs})
    msg = str(err.value)
    assert "\n" not in msg
    for word in words:
        assert word in msg, msg
    return msg


# -- good files ------------------------------------------------------------------------------------


def test_string_classes_become_sorted_integer_labels_with_class_names(tmp_path: Path) -> None:
    task = load_csv(write(tmp_path, table(values=["b", "c", "a"] * 10)), target="label", groups="specimen")
    assert task.kind == "multiclass" and task.class_names == ("a", "b", "c")
    assert task.feature_names == ("a", "b") and task.target_name == "label" and task.ceiling is None
    assert task.name == "data" and task.X_train.dtype == np.float64
    y = np.concatenate([task.y_train, task.y_val, task.y_test])
    assert np.issubdtype(y.dtype, np.integer) and sorted(np.unique(y)) == [0, 1, 2]


def test_kind_is_inferred_from_the_target(tmp_path: Path) -> None:
    cases = {
        "binary": [str(i % 2) for i in range(30)],  # integers, two values
        "multiclass": [str(i % 5) for i in range(30)],  # integers, five values
        "regression": [f"{0.1 * i:.2f}" for i in range(30)],  # floats
    }
    for kind, values in cases.items():
        assert load_csv(write(tmp_path, table(values=values)), target="label").kind == kind
    many = [str(i) for i in range(30)]  # integers with more than 20 distinct values: a quantity, not labels
    assert load_csv(write(tmp_path, table(values=many)), target="label").kind == "regression"
    forced = load_csv(write(tmp_path, table(values=["1", "2"] * 15)), target="label", kind="regression")
    assert forced.kind == "regression" and forced.y_train.dtype == np.float64


def test_groups_make_grouped_splits_and_seeds_are_deterministic(tmp_path: Path) -> None:
    path = write(tmp_path, table(n=60))
    a = load_csv(path, target="label", groups="specimen", seed=1)
    b = load_csv(path, target="label", groups="specimen", seed=1)
    c = load_csv(path, target="label", groups="specimen", seed=2)
    assert a.groups_train is not None and a.groups_val is not None and a.groups_test is not None
    train, val, test = set(a.groups_train), set(a.groups_val), set(a.groups_test)
    assert not (train & val) and not (train & test) and not (val & test)
    assert "specimen" not in a.feature_names
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.X_train, c.X_train) or not np.array_equal(a.X_test, c.X_test)
    assert a.params["groups"] == "specimen" and a.params["seed"] == 1


def test_without_groups_the_split_is_stratified(tmp_path: Path) -> None:
    task = load_csv(write(tmp_path, table(n=50, values=["x"] * 10 + ["y"] * 40)), target="label")
    for y in (task.y_train, task.y_val, task.y_test):
        assert abs(np.mean(y == 0) * len(y) - 0.2 * len(y)) <= 1


# -- every refusal ---------------------------------------------------------------------------------


def test_a_missing_file(tmp_path: Path) -> None:
    refuse(tmp_path / "nope.csv", "not found", "nope.csv")


def test_an_empty_file(tmp_path: Path) -> None:
    refuse(write(tmp_path, ""), "empty")


def test_a_header_without_rows(tmp_path: Path) -> None:
    refuse(write(tmp_path, "a,b,label\n"), "no rows")


def test_a_missing_target_lists_the_columns(tmp_path: Path) -> None:
    refuse(write(tmp_path, table()), "'species'", "'a'", "'b'", "'label'", "'specimen'", target="species")


def test_a_missing_groups_column_lists_the_columns(tmp_path: Path) -> None:
    refuse(write(tmp_path, table()), "'batch'", "'specimen'", groups="batch")


def test_a_non_numeric_feature_names_the_column_and_first_bad_row(tmp_path: Path) -> None:
    lines = table().splitlines()
    lines[3] = "0.1,oops,1,cat"  # data row 3
    lines[6] = "0.1,bad,1,cat"
    refuse(write(tmp_path, "\n".join(lines)), "column 'b'", "'oops'", "row 3")


@pytest.mark.parametrize(("cell", "what"), [("", "missing"), ("nan", "missing"), ("inf", "infinite")])
def test_nan_and_inf_name_the_column_and_row(tmp_path: Path, cell: str, what: str) -> None:
    lines = table().splitlines()
    lines[5] = f"{cell},0.5,1,cat"  # data row 5
    refuse(write(tmp_path, "\n".join(lines)), "column 'a'", what, "row 5")


def test_a_missing_target_value_is_named(tmp_path: Path) -> None:
    lines = table().splitlines()
    lines[2] = "0.1,0.2,1,"
    refuse(write(tmp_path, "\n".join(lines)), "column 'label'", "row 2")


def test_a_single_class(tmp_path: Path) -> None:
    refuse(write(tmp_path, table(values=["cat"] * 30)), "single class", "'cat'")


def test_too_few_rows(tmp_path: Path) -> None:
    refuse(write(tmp_path, table(n=6)), "only 6 rows")


def test_fewer_rows_than_the_split_needs(tmp_path: Path) -> None:
    """12 rows of 6 classes: a 20 % test split of 3 rows cannot hold one row of each class."""
    path = write(tmp_path, table(n=12, values=[str(i % 6) for i in range(12)]))
    refuse(path, "cannot split 12 rows", "add rows")


def test_a_class_with_a_single_row(tmp_path: Path) -> None:
    refuse(write(tmp_path, table(values=["cat"] * 29 + ["dog"])), "'dog'", "only 1 row")


def test_too_few_groups(tmp_path: Path) -> None:
    refuse(write(tmp_path, table(n_groups=2)), "'specimen'", "2 distinct", "at least 3", groups="specimen")


def test_no_features_or_the_target_as_groups(tmp_path: Path) -> None:
    refuse(write(tmp_path, "label\n" + "a\nb\n" * 10), "no feature columns")
    refuse(write(tmp_path, table()), "cannot be the target", groups="label")


def test_a_kind_that_does_not_fit_the_target(tmp_path: Path) -> None:
    refuse(write(tmp_path, table()), "not numeric", kind="regression")
    refuse(write(tmp_path, table(values=["a", "b", "c"] * 10)), "3 classes", "multiclass", kind="binary")
    with pytest.raises(TaskError, match="'binary'"):
        load_csv(write(tmp_path, table()), target="label", kind="classes")


def test_data_errors_are_value_errors_for_callers_that_catch_those(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not found"):
        load_csv(tmp_path / "missing.csv", target="y")


# -- limits and overflow (issue 11) ----------------------------------------------------------------


@pytest.mark.parametrize(("cell", "row"), [("1e308", 3), ("-2.5e200", 3)])
def test_values_whose_squares_overflow_are_one_line_not_a_traceback(tmp_path: Path, cell: str, row: int) -> None:
    """1e308 passed every check, then the scaler's variance overflowed to NaN deep in scikit-learn."""
    lines = table().splitlines()
    lines[row] = f"{cell},0.5,1,cat"
    refuse(write(tmp_path, "\n".join(lines)), "column 'a'", f"row {row}", "too large")
    regression = "\n".join(["a,b,y", *(f"{i},{i % 3},{'1e308' if i == 4 else i}" for i in range(30))])
    refuse(write(tmp_path, regression, "reg.csv"), "column 'y'", "row 5", "too large", target="y")


def test_a_value_beyond_float64_is_named_as_infinite(tmp_path: Path) -> None:
    lines = table().splitlines()
    lines[2] = "1e309,0.5,1,cat"
    refuse(write(tmp_path, "\n".join(lines)), "column 'a'", "infinite", "row 2")


def test_a_single_numeric_class_is_printed_as_written(tmp_path: Path) -> None:
    text = "\n".join(["a,label", *(f"{i},1" for i in range(20))])
    msg = refuse(write(tmp_path, text), "single class (1)")
    assert "np." not in msg


@pytest.mark.parametrize(("env", "bound", "words"), [
    ("NEURONLAB_MAX_SAMPLES", 29, ("more than 29 rows", "NEURONLAB_MAX_SAMPLES")),
    ("NEURONLAB_MAX_FEATURES", 3, ("has 4 columns", "NEURONLAB_MAX_FEATURES")),
    ("NEURONLAB_MAX_DATA_VALUES", 100, ("more than 100 values", "NEURONLAB_MAX_DATA_VALUES")),
    ("NEURONLAB_MAX_CLASSES", 1, ("has 2 classes", "NEURONLAB_MAX_CLASSES")),
    ("NEURONLAB_MAX_CSV_MEGABYTES", 1, ("is 2 MB", "NEURONLAB_MAX_CSV_MEGABYTES")),
], ids=["rows", "columns", "values", "classes", "file size"])
def test_each_csv_limit_is_refused_with_how_to_raise_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: str,
                                                        bound: int, words: tuple[str, ...]) -> None:
    from neuronlab.limits import LimitError

    text = table(n=30)
    if env.endswith("MEGABYTES"):
        text += "#" * 1_500_000  # a trailing comment-like blob: size is checked before parsing
    path = write(tmp_path, text)
    monkeypatch.setenv(env, str(bound))
    with pytest.raises(LimitError) as err:
        load_csv(path, target="label")
    assert "\n" not in str(err.value) and all(w in str(err.value) for w in words), str(err.value)
    monkeypatch.delenv(env)
    if not env.endswith("MEGABYTES"):
        assert load_csv(path, target="label").n_samples == 30


def test_rows_are_read_only_up_to_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file with more rows than allowed is refused after reading limit + 1 rows, not all of them: the
    rest may be garbage that would not even parse."""
    from neuronlab.limits import LimitError

    path = write(tmp_path, table(n=30) + "not,a,csv,row,with,too,many,fields\n" * 10)
    monkeypatch.setenv("NEURONLAB_MAX_SAMPLES", "20")
    with pytest.raises(LimitError, match="more than 20 rows"):
        load_csv(path, target="label")
