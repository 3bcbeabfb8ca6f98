"""Every registered task: loads with defaults, is seeded, splits as promised, and errs clearly."""

from __future__ import annotations

import dataclasses
import inspect
import pickle

import numpy as np
import pytest

from neuronlab.errors import TaskError
from neuronlab.tasks import TaskInfo, list_tasks, load_task, task_names, task_params
from neuronlab.tasks.registry import _REGISTRY

EXPECTED_KINDS = {
    "and": "binary", "or": "binary", "xor": "binary", "linear": "binary", "gaussians": "binary",
    "moons": "binary", "circles": "binary", "spirals": "binary", "breast_cancer": "binary",
    "blobs": "multiclass", "iris": "multiclass", "wine": "multiclass", "digits": "multiclass",
    "sin": "regression", "identity": "regression", "square": "regression", "sinh": "regression",
    "hall_petch": "regression", "diabetes": "regression", "plane": "regression", "gauss_bumps": "regression",
}
ALL = sorted(EXPECTED_KINDS)
SPLITS = ("train", "val", "test")


def arrays(task: object) -> list[np.ndarray]:
    return [getattr(task, f"{a}_{s}") for s in SPLITS for a in ("X", "y")]


def test_the_registry_holds_exactly_the_named_tasks() -> None:
    assert task_names() == ALL


def test_list_tasks_is_sorted_and_agrees_with_the_loaded_tasks() -> None:
    infos = list_tasks()
    assert [i.name for i in infos] == ALL
    for info in infos:
        assert isinstance(info, TaskInfo)
        task = load_task(info.name)
        assert (info.kind, info.n_samples, info.n_features, info.ceiling) == (
            task.kind, task.n_samples, task.n_features, task.ceiling)
        assert info.description and info.description == task.description
    with pytest.raises(dataclasses.FrozenInstanceError):
        infos[0].name = "other"


@pytest.mark.parametrize("name", ALL)
def test_every_task_loads_with_defaults_with_the_right_kind_shapes_and_dtypes(name: str) -> None:
    task = load_task(name)
    assert task.name == name and task.kind == EXPECTED_KINDS[name]
    n_features = task.X_train.shape[1]
    assert len(task.feature_names) == n_features
    for split in SPLITS:
        X, y = getattr(task, f"X_{split}"), getattr(task, f"y_{split}")
        assert X.ndim == 2 and X.shape == (len(y), n_features) and X.dtype == np.float64
        assert y.ndim == 1 and len(y) > 0
        assert np.isfinite(X).all()
        if task.kind == "regression":
            assert y.dtype == np.float64 and np.isfinite(y).all()
        else:
            assert np.issubdtype(y.dtype, np.integer)
    if task.kind == "regression":
        assert task.class_names is None
    else:
        y_all = np.concatenate([task.y_train, task.y_val, task.y_test])
        assert task.class_names is not None
        assert np.array_equal(np.unique(y_all), np.arange(len(task.class_names)))
        assert (len(task.class_names) == 2) == (task.kind == "binary")
    # every parameter of the loader is recorded, defaults included
    assert set(task.params) == set(task_params(name))
    assert {"seed", "val_fraction", "test_fraction"} <= set(task.params)
    assert task.params["seed"] == task.seed == 0


def test_n_samples_is_a_parameter_wherever_it_makes_sense() -> None:
    without = {name for name in ALL if "n_samples" not in task_params(name)}
    assert without == {"hall_petch"}  # its size is n_specimens × crops_per_specimen


@pytest.mark.parametrize("name", ALL)
def test_same_seed_gives_identical_arrays_and_another_seed_different_ones(name: str) -> None:
    a, b, c = load_task(name, seed=3), load_task(name, seed=3), load_task(name, seed=4)
    for x, y in zip(arrays(a), arrays(b), strict=True):
        np.testing.assert_array_equal(x, y)
    assert a.ceiling == b.ceiling
    assert any(not np.array_equal(x, z) for x, z in zip(arrays(a), arrays(c), strict=True))


@pytest.mark.parametrize("name", [n for n in ALL if n != "hall_petch"])
def test_split_sizes_follow_the_fractions_and_classes_are_stratified(name: str) -> None:
    task = load_task(name, val_fraction=0.25, test_fraction=0.15)
    n = task.n_samples
    assert abs(len(task.y_test) - 0.15 * n) <= 1
    assert abs(len(task.y_val) - 0.25 * n) <= 1
    if task.kind != "regression":
        y_all = np.concatenate([task.y_train, task.y_val, task.y_test])
        p = np.bincount(y_all) / n
        for split in SPLITS:
            y = getattr(task, f"y_{split}")
            assert np.abs(np.bincount(y, minlength=len(p)) - len(y) * p).max() <= 1, split


def test_a_zero_validation_fraction_leaves_an_empty_validation_split() -> None:
    task = load_task("moons", val_fraction=0.0)
    assert len(task.y_val) == 0 and len(task.y_train) + len(task.y_test) == 400


def test_hall_petch_is_split_by_specimen() -> None:
    task = load_task("hall_petch", seed=7)
    assert task.groups_train is not None and task.groups_val is not None and task.groups_test is not None
    train, val, test = set(task.groups_train), set(task.groups_val), set(task.groups_test)
    assert not (train & val) and not (train & test) and not (val & test)
    assert len(train | val | test) == task.params["n_specimens"]


def test_tasks_survive_pickling_truth_included() -> None:
    """Runs may be shipped to worker processes; a task must pickle, its truth function too."""
    for name in ("sin", "hall_petch", "moons"):
        task = load_task(name)
        again = pickle.loads(pickle.dumps(task))
        np.testing.assert_array_equal(again.X_test, task.X_test)
        if task.truth is not None:
            np.testing.assert_array_equal(again.truth(task.X_test), task.truth(task.X_test))


# -- errors ----------------------------------------------------------------------------------------


def test_an_unknown_task_lists_the_valid_names() -> None:
    with pytest.raises(TaskError) as err:
        load_task("mooons")
    msg = str(err.value)
    assert "'mooons'" in msg and "'moons'" in msg and "'hall_petch'" in msg and "\n" not in msg


def test_an_unknown_parameter_is_named_with_the_valid_ones() -> None:
    with pytest.raises(TaskError) as err:
        load_task("moons", nosie=0.3)
    msg = str(err.value)
    assert "'nosie'" in msg and "'noise'" in msg and "'n_samples'" in msg and "'seed'" in msg


@pytest.mark.parametrize(("name", "params", "named"), [
    ("moons", {"noise": -0.1}, "noise"),
    ("moons", {"noise": "high"}, "noise"),
    ("moons", {"n_samples": 5}, "n_samples"),
    ("moons", {"n_samples": 100.5}, "n_samples"),
    ("moons", {"n_samples": True}, "n_samples"),
    ("moons", {"seed": -1}, "seed"),
    ("moons", {"val_fraction": 1.5}, "val_fraction"),
    ("moons", {"val_fraction": 0.5, "test_fraction": 0.5}, "val_fraction + test_fraction"),
    ("circles", {"factor": 1.0}, "factor"),
    ("gaussians", {"separation": float("nan")}, "separation"),
    ("blobs", {"n_classes": 1}, "n_classes"),
    ("sin", {"x_min": 2.0, "x_max": 1.0}, "x_min"),
    ("sin", {"x_max": 1000.0}, "x_max"),
    ("hall_petch", {"d_min": 0.0}, "d_min"),
    ("hall_petch", {"k": 0.0}, "k must be > 0"),
    ("hall_petch", {"d_min": 50.0, "d_max": 10.0}, "d_max"),
    ("iris", {"n_samples": 1000}, "n_samples"),
    ("blobs", {"n_samples": 20, "n_classes": 10}, "cannot split"),
])
def test_invalid_parameter_values_raise_a_one_line_task_error_naming_them(
    name: str, params: dict[str, object], named: str
) -> None:
    with pytest.raises(TaskError) as err:
        load_task(name, **params)
    msg = str(err.value)
    assert named in msg and f"task {name!r}" in msg and "\n" not in msg


def test_loaders_are_keyword_only_with_defaults() -> None:
    for name, entry in _REGISTRY.items():
        for p in inspect.signature(entry.loader).parameters.values():
            assert p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is not inspect.Parameter.empty, name


# -- limits (issue 11): sizes and magnitudes refused before anything is drawn ----------------------

SIZED = [name for name in ALL if "n_samples" in task_params(name) and task_params(name)["n_samples"] is not None]


@pytest.mark.parametrize("name", [*SIZED, "hall_petch"])
def test_n_samples_over_the_limit_is_refused_at_once(name: str) -> None:
    """n_samples = 2e9 grew past 3 GB with no message; now every generator refuses it with the limit."""
    from neuronlab.limits import SAMPLES, LimitError

    params = {"n_specimens": 2_000_000, "crops_per_specimen": 1_000} if name == "hall_petch" else {
        "n_samples": 2_000_000_000}
    with pytest.raises(LimitError) as info:
        load_task(name, **params)
    message = str(info.value)
    assert "\n" not in message and f"task {name!r}" in message
    assert "2,000,000,000" in message and f"{SAMPLES.value():,}" in message and SAMPLES.env in message


@pytest.mark.parametrize("name", [n for n in ALL if any(p in task_params(n) for p in ("noise", "separation"))])
def test_task_parameters_too_large_to_compute_with_are_refused(name: str) -> None:
    """noise = 1e308 overflowed inside the generators (OverflowError) or the scaler (NaN)."""
    key = "noise" if "noise" in task_params(name) else "separation"
    with pytest.raises(TaskError, match=rf"{key} must be between .* got 1e\+308") as info:
        load_task(name, **{key: 1e308})
    assert "\n" not in str(info.value)
    load_task(name, **{key: 1e6} if key == "separation" else {key: 3.0})  # large but sane still loads
