"""Sweeps: grid and random expansion, deterministic in the sweep seed, with checked axes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from neuronlab.experiments import sweep as sweeps
from neuronlab.experiments.spec import ExperimentSpec, SpecError, SweepSpec, dump_spec, loads_spec

BASE = 'name = "s"\nseeds = [0, 1]\n[task]\nname = "sin"\n[model]\nhidden = [16]\n'


def _sweep(text: str) -> SweepSpec:
    spec = loads_spec(BASE + text, source="sweep.toml")
    assert isinstance(spec, SweepSpec)
    return spec


# -- grid ------------------------------------------------------------------------------------------


def test_grid_is_the_cartesian_product_first_axis_slowest() -> None:
    spec = _sweep('[sweep.grid]\n"train.eta" = [0.1, 0.01]\n"train.alpha" = [0.0, 1e-3, 1e-2]\n')
    points = spec.expand()
    assert [(p.train.eta, p.train.alpha) for p in points] == [
        (0.1, 0.0), (0.1, 1e-3), (0.1, 1e-2), (0.01, 0.0), (0.01, 1e-3), (0.01, 1e-2),
    ]
    assert points[1].name == "s [train.eta=0.1, train.alpha=0.001]"
    assert len({p.name for p in points}) == 6 and len({p.spec_hash() for p in points}) == 6


def test_points_keep_everything_else_of_the_base() -> None:
    spec = _sweep('[train]\nmax_epochs = 7\n[sweep.grid]\n"model.activation" = ["tanh", "relu"]\n')
    for point in spec.expand():
        assert point.seeds == (0, 1) and point.train.max_epochs == 7 and point.model.hidden == (16,)
    assert [p.model.activation for p in spec.expand()] == ["tanh", "relu"]


def test_grid_over_task_name_model_kind_and_a_whole_list() -> None:
    spec = _sweep('[sweep.grid]\n"task.name" = ["sin", "square"]\n"model.kind" = ["mlp", "linear"]\n'
                  '"model.hidden" = [[4], [4, 4]]\n')
    points = spec.expand()
    assert len(points) == 8
    assert {p.task.name for p in points} == {"sin", "square"}
    assert [p.model.hidden for p in points[:2]] == [(4,), (4, 4)]


def test_unquoted_dotted_keys_mean_the_same_axes() -> None:
    quoted = _sweep('[sweep.grid]\n"train.eta" = [0.1, 0.2]\n"task.params.noise" = [0.1]\n')
    nested = _sweep("[sweep.grid]\ntrain.eta = [0.1, 0.2]\ntask.params.noise = [0.1]\n")
    assert quoted == nested
    assert [p.task.params for p in nested.expand()] == [{"noise": 0.1}] * 2


def test_a_sweep_round_trips_through_toml() -> None:
    spec = _sweep('[sweep]\nseed = 4\n[sweep.grid]\n"train.eta" = [0.1]\n[sweep.random]\ncount = 3\n'
                  '"train.alpha" = { dist = "log-uniform", low = 1e-5, high = 1e-1 }\n'
                  '"model.hidden" = { dist = "choice", values = [[4], [8, 8]] }\n')
    again = loads_spec(dump_spec(spec))
    assert again == spec
    assert [p.spec_hash() for p in again.expand()] == [p.spec_hash() for p in spec.expand()]


# -- random ----------------------------------------------------------------------------------------

RANDOM = """
[sweep]
seed = {seed}
[sweep.random]
count = {count}
"train.eta" = {{ dist = "log-uniform", low = 1e-5, high = 1e-1 }}
"task.params.noise" = {{ dist = "uniform", low = 0.05, high = 0.3 }}
"model.hidden.*" = {{ dist = "uniform", low = 1, high = 3, int = true }}
"model.activation" = {{ dist = "choice", values = ["tanh", "relu"] }}
"""


def _random(seed: int = 0, count: int = 8) -> SweepSpec:
    return _sweep(RANDOM.format(seed=seed, count=count))


def test_random_points_are_deterministic_in_the_sweep_seed() -> None:
    first = [p.flat_params() for p in _random(seed=3).expand()]
    assert first == [p.flat_params() for p in _random(seed=3).expand()]
    assert first != [p.flat_params() for p in _random(seed=4).expand()]
    assert len(first) == 8


def test_random_points_stay_within_their_bounds_and_types() -> None:
    points = _random(count=200).points()
    eta = np.array([p["train.eta"] for p in points])
    noise = np.array([p["task.params.noise"] for p in points])
    widths = [p["model.hidden.*"] for p in points]
    assert eta.min() >= 1e-5 and eta.max() <= 1e-1
    assert noise.min() >= 0.05 and noise.max() <= 0.3
    assert all(isinstance(w, int) for w in widths) and set(widths) == {1, 2, 3}  # both ends included
    assert {p["model.activation"] for p in points} == {"tanh", "relu"}


def test_log_uniform_spans_every_decade_evenly() -> None:
    eta = np.array([p["train.eta"] for p in _random(count=400).points()])
    per_decade = np.histogram(np.log10(eta), bins=[-5, -4, -3, -2, -1])[0]
    assert per_decade.min() > 60  # ~100 each; uniform on [1e-5, 1e-1] would put ~90% in the last decade


def test_integer_log_uniform_covers_both_ends() -> None:
    rng = np.random.default_rng(0)
    dist = {"dist": "log-uniform", "low": 4, "high": 128, "int": True}
    draws = [sweeps.draw(rng, dist) for _ in range(3000)]
    assert min(draws) == 4 and max(draws) == 128
    assert all(isinstance(d, int) for d in draws)
    small = sum(d < 16 for d in draws) / len(draws)  # [4, 16) is 2 of the 5 octaves of [4, 128]
    assert math.isclose(small, 0.4, abs_tol=0.04)


def test_depth_by_choice_then_width_for_every_layer() -> None:
    spec = _sweep('[sweep.random]\ncount = 30\n'
                  '"model.hidden" = { dist = "choice", values = [[1], [1, 1], [1, 1, 1]] }\n'
                  '"model.hidden.*" = { dist = "log-uniform", low = 4, high = 64, int = true }\n')
    for point, spec_point in zip(spec.points(), spec.expand(), strict=True):
        depth, width = len(point["model.hidden"]), point["model.hidden.*"]
        assert spec_point.model.hidden == (width,) * depth
    assert {len(p.model.hidden) for p in spec.expand()} == {1, 2, 3}


def test_grid_and_random_combine_with_the_same_draws_per_grid_point() -> None:
    spec = _sweep('[sweep.grid]\n"model.activation" = ["tanh", "relu"]\n'
                  '[sweep.random]\ncount = 3\n"train.eta" = { dist = "log-uniform", low = 1e-3, high = 1 }\n')
    points = spec.expand()
    assert len(points) == 6
    assert [p.train.eta for p in points[:3]] == [p.train.eta for p in points[3:]]
    assert [p.model.activation for p in points] == ["tanh"] * 3 + ["relu"] * 3


# -- errors ----------------------------------------------------------------------------------------

SWEEP_ERRORS = {
    "missing key": ('[sweep.grid]\n"train.etaa" = [1]\n', ["sweep.toml: ", "'train.etaa'", "'eta'"]),
    "missing table": ('[sweep.grid]\n"optim.eta" = [1]\n', ["'optim.eta'", "'train'"]),
    "seeds axis": ("[sweep.grid]\nseeds = [[1], [2]]\n", ["'seeds'", "cannot be a sweep axis"]),
    "name axis": ('[sweep.grid]\nname = ["a"]\n', ["'name'", "cannot be a sweep axis"]),
    "below a value": ('[sweep.grid]\n"train.eta.x" = [1]\n', ["'train.eta.x'", "not a table"]),
    "bad index": ('[sweep.grid]\n"model.hidden.2" = [1]\n', ["'model.hidden.2'", "list of 1"]),
    "empty grid axis": ('[sweep.grid]\n"train.eta" = []\n', ["sweep.grid", "'train.eta'", "zero points"]),
    "zero count": ('[sweep.random]\ncount = 0\n"train.eta" = { dist = "uniform", low = 0.1, high = 1 }\n',
                   ["sweep.random.count", ">= 1"]),
    "no axes": ("[sweep]\nseed = 1\n", ["sweep has no axes", "[sweep.grid]"]),
    "low >= high": ('[sweep.random]\ncount = 2\n"train.eta" = { dist = "uniform", low = 1, high = 0.5 }\n',
                    ['sweep.random."train.eta"', "low < high", "low = 1", "high = 0.5"]),
    "log low <= 0": ('[sweep.random]\ncount = 2\n"train.eta" = { dist = "log-uniform", low = 0, high = 1 }\n',
                     ['sweep.random."train.eta"', "log-uniform", "low > 0"]),
    "unknown dist": ('[sweep.random]\ncount = 2\n"train.eta" = { dist = "normal", low = 0, high = 1 }\n',
                     ['"train.eta".dist', "'normal'", "'log-uniform'", "'choice'"]),
    "no dist": ('[sweep.random]\ncount = 2\n"train.eta" = { low = 0, high = 1 }\n', ["'uniform'", "dist"]),
    "non-integer int axis": ('[sweep.random]\ncount = 2\n"model.hidden.*" = { dist = "uniform", low = 1.5, '
                             'high = 4, int = true }\n', ["int = true", "integer low and high"]),
    "empty choice": ('[sweep.random]\ncount = 2\n"model.activation" = { dist = "choice", values = [] }\n',
                     ["values", "at least 1"]),
    "unknown sweep key": ("[sweep]\ngird = {}\n", ["'sweep.gird'", "grid", "random", "seed"]),
    "grid and random": ('[sweep.grid]\n"train.eta" = [1.0]\n[sweep.random]\ncount = 1\n'
                        '"train.eta" = { dist = "uniform", low = 0.1, high = 1 }\n', ["'train.eta'", "both"]),
    "bad point": ('[sweep.grid]\n"train.eta" = [0.1, -1]\n',
                  ["sweep point 1", "train.eta must be > 0, got -1"]),
    "bad task param at a point": ('[sweep.grid]\n"task.params.nois" = [0.1]\n', ["task.params", "'nois'"]),
    "index beyond a chosen depth": ('[sweep.grid]\n"model.hidden" = [[4, 4], [4]]\n"model.hidden.1" = [8]\n',
                                    ["sweep point 1", "'model.hidden.1'", "out of range"]),
}


@pytest.mark.parametrize("case", SWEEP_ERRORS, ids=list(SWEEP_ERRORS))
def test_sweep_errors_are_one_line_and_found_at_load(case: str) -> None:
    text, fragments = SWEEP_ERRORS[case]
    with pytest.raises(SpecError) as info:
        loads_spec(BASE + text, source="sweep.toml")
    message = str(info.value)
    assert message.startswith("sweep.toml") and "\n" not in message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


# -- the dict helpers ------------------------------------------------------------------------------


def test_set_path_and_apply_point_on_plain_dicts() -> None:
    data: dict[str, Any] = {"model": {"hidden": [1, 2, 3]}, "task": {"params": {}}}
    out = sweeps.apply_point(data, {"model.hidden.*": 9, "task.params.noise": 0.1})
    assert out == {"model": {"hidden": [9, 9, 9]}, "task": {"params": {"noise": 0.1}}}
    assert data["model"]["hidden"] == [1, 2, 3]  # the base is not touched
    # written in the "wrong" order, the parent still applies first
    out = sweeps.apply_point(data, {"model.hidden.0": 5, "model.hidden": [1, 1]})
    assert out["model"]["hidden"] == [5, 1]


def test_check_axis_accepts_free_tables_and_indices() -> None:
    data = {"task": {"params": {}}, "model": {"hidden": [4, 4]}}
    sweeps.check_axis(data, "task.params.anything", free=("task.params",))
    sweeps.check_axis(data, "model.hidden.1")
    sweeps.check_axis(data, "model.hidden.*")
    with pytest.raises(ValueError, match="not a key"):
        sweeps.check_axis(data, "task.params.anything")


def test_expanded_points_are_plain_experiments() -> None:
    points = _sweep('[sweep.grid]\n"model.n_neurons" = [1, 2]\n').expand()
    assert all(type(p) is ExperimentSpec for p in points)
    assert [loads_spec(dump_spec(p)) for p in points] == points


def test_a_loaded_sweep_is_expanded_once_and_a_changed_copy_again() -> None:
    """The loader's expansion is what ``expand`` returns (the same frozen specs, not a second
    validation of every point); a copy with other axes expands anew; equality ignores the cache."""
    text = 'name = "s"\n[task]\nname = "sin"\n[sweep.grid]\n"train.eta" = [0.1, 0.2]\n'
    spec, wider = loads_spec(text), loads_spec(text.replace("0.2]", "0.3, 0.4]"))
    assert isinstance(spec, SweepSpec) and isinstance(wider, SweepSpec)
    first = spec.expand()
    assert [e.train.eta for e in first] == [0.1, 0.2]
    assert all(a is b for a, b in zip(spec.expand(), first, strict=True))
    assert spec == loads_spec(text) and dump_spec(spec) == dump_spec(loads_spec(text))
    other = spec.model_copy(update={"sweep": wider.sweep})
    assert [e.train.eta for e in other.expand()] == [0.1, 0.3, 0.4]
