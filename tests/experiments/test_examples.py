"""Every example in examples/ loads, expands, round-trips, and is the experiment its name promises."""

from __future__ import annotations

from pathlib import Path

import pytest

from neuronlab.experiments.spec import ExperimentSpec, SweepSpec, dump_spec, load_spec, loads_spec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FILES = sorted(EXAMPLES.glob("*.toml"))

# The seed practicals' exercises, one file each (§3.2, §3.3, FAU week 5).
EXPECTED = {
    "neuron_and", "neuron_eta_alpha_sweep", "neuron_vs_linear_gaussians", "neuron_activation_sweep",
    "neuron_bias", "neuron_batch_size", "neuron_regression_sin", "side_by_side_sin", "gp_sin", "mlp_moons",
    "mlp_xor", "mlp_random_sweep_moons", "mlp_regression_functions", "hall_petch_mlp",
    "hall_petch_linear_inv_sqrt",
}


def _expand(spec: ExperimentSpec | SweepSpec) -> list[ExperimentSpec]:
    return spec.expand() if isinstance(spec, SweepSpec) else [spec]


def test_every_exercise_has_an_example() -> None:
    assert {f.stem for f in FILES} >= EXPECTED


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_example_loads_expands_and_round_trips(path: Path) -> None:
    spec = load_spec(path)
    points = _expand(spec)
    assert points and all(isinstance(p, ExperimentSpec) for p in points)
    assert len({p.spec_hash() for p in points}) == len(points)  # no two points are the same experiment
    base = spec.base if isinstance(spec, SweepSpec) else spec
    assert len(base.notes.split()) >= 15, "notes should tell the student what to look for"
    assert loads_spec(dump_spec(spec), base_dir=EXAMPLES) == spec


def _load(stem: str) -> ExperimentSpec | SweepSpec:
    return load_spec(EXAMPLES / f"{stem}.toml")


def test_sweeps_vary_what_their_names_say() -> None:
    def varied(stem: str) -> set[str]:
        points = [p.flat_params() for p in _expand(_load(stem))]
        return {k for k in points[0] if len({repr(p[k]) for p in points}) > 1}

    assert varied("neuron_eta_alpha_sweep") == {"train.eta", "train.alpha"}
    assert varied("neuron_vs_linear_gaussians") == {"model.kind"}
    assert varied("neuron_activation_sweep") == {"model.activation"}
    assert varied("neuron_bias") == {"model.bias"}
    assert varied("neuron_batch_size") == {"train.batch_size"}
    assert varied("side_by_side_sin") == {"model.n_neurons"}
    assert varied("mlp_regression_functions") == {"task.name"}
    random_axes = {"model.hidden", "model.activation", "train.eta", "train.alpha"}
    assert varied("mlp_random_sweep_moons") == random_axes


def test_architectures_of_the_practicals() -> None:
    moons = _load("mlp_moons")
    xor = _load("mlp_xor")
    assert isinstance(moons, ExperimentSpec) and isinstance(xor, ExperimentSpec)
    assert (moons.model.kind, moons.model.hidden, moons.model.activation) == ("mlp", (40,), "relu")
    assert len(xor.model.hidden) == 2
    side = [p.model.n_neurons for p in _expand(_load("side_by_side_sin"))]
    assert side == [1, 2, 4, 8]
    functions = [p.task.name for p in _expand(_load("mlp_regression_functions"))]
    assert functions == ["sin", "identity", "square", "sinh"]
    random = _load("mlp_random_sweep_moons")
    assert isinstance(random, SweepSpec)
    depths = {len(p.model.hidden) for p in random.expand()}
    assert len(depths) > 1 and all(len(set(p.model.hidden)) == 1 for p in random.expand())


def test_hall_petch_examples_validate_by_specimen() -> None:
    mlp, linear = _load("hall_petch_mlp"), _load("hall_petch_linear_inv_sqrt")
    assert isinstance(mlp, ExperimentSpec) and isinstance(linear, ExperimentSpec)
    for spec in (mlp, linear):
        assert (spec.task.name, spec.evaluate.method, spec.evaluate.cv) == ("hall_petch", "cv", "group")
    assert mlp.train.early_stopping and mlp.train.n_iter_no_change == 30 and mlp.model.scale
    assert linear.model.kind == "linear" and linear.model_params()["feature"] == "inv_sqrt"
