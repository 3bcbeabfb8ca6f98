"""Experiment specs: TOML round trips, identity by canonical hash, model kwargs, one-line errors."""

from __future__ import annotations

import hashlib
import json
import typing
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from neuronlab.errors import NeuronlabError
from neuronlab.experiments.fit import build_model, final_estimator
from neuronlab.experiments.spec import (
    ExperimentSpec,
    Feature,
    ModelKind,
    ModelSpec,
    Optimizer,
    SpecError,
    SweepSpec,
    TaskSpec,
    TrainSpec,
    dump_spec,
    load_spec,
    loads_spec,
)

BASE = 'name = "x"\n[task]\nname = "sin"\n'

FULL = """
name = "every key set"
notes = '''two lines
of notes'''
seeds = [3, 1, 2]

[task]
name = "sin"
params = { n_samples = 120, noise = 0.25, x_min = -2.0 }

[model]
kind = "neuron"
hidden = [7, 5]
activation = "tanh"
bias = false
n_neurons = 4
backend = "torch"
scale = false
feature = "square"

[train]
eta = 0.003
alpha = 0.5
optimizer = "momentum"
batch_size = 16
max_epochs = 77
early_stopping = true
n_iter_no_change = 9
validation_fraction = 0.25

[evaluate]
method = "cv"
cv = "kfold"
n_splits = 3
"""


def _experiment(text: str) -> ExperimentSpec:
    spec = loads_spec(text)
    assert isinstance(spec, ExperimentSpec)
    return spec


# -- round trip ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [BASE, FULL], ids=["defaults", "every-key"])
def test_dump_then_load_is_equal(text: str) -> None:
    spec = _experiment(text)
    again = loads_spec(dump_spec(spec))
    assert again == spec
    assert dump_spec(again) == dump_spec(spec)


def test_dump_writes_every_default_so_the_file_is_a_full_record() -> None:
    text = dump_spec(_experiment(BASE))
    for key in ("eta = 0.01", "alpha = 0.0001", 'optimizer = "adam"', "max_epochs = 500",
                'method = "holdout"', "n_splits = 5", "scale = true"):
        assert key in text
    assert "activation" not in text  # None means "the model's default" and TOML has no null


def test_values_and_defaults_are_read() -> None:
    spec = _experiment(FULL)
    assert spec.seeds == (3, 1, 2)
    assert spec.model.hidden == (7, 5)
    assert spec.train.batch_size == 16
    assert spec.notes == "two lines\nof notes"
    plain = _experiment(BASE)
    assert plain.seeds == (0,)
    assert (plain.model.kind, plain.model.hidden, plain.train.eta) == ("mlp", (40,), 0.01)


def test_python_construction_equals_toml() -> None:
    built = ExperimentSpec(name="x", task=TaskSpec(name="sin"), train=TrainSpec(eta=0.01))
    assert built == _experiment(BASE)


def test_spec_is_frozen() -> None:
    spec = _experiment(BASE)
    with pytest.raises(ValidationError):
        spec.name = "y"


# -- identity --------------------------------------------------------------------------------------

REORDERED = """
seeds = [1, 2, 3]
notes = "something else entirely"
name = "a different name"

[train]
validation_fraction = 0.25
n_iter_no_change = 9
early_stopping = true
max_epochs = 77
batch_size = 16
optimizer = "momentum"
alpha = 0.5
eta = 3e-3

[evaluate]
n_splits = 3
cv = "kfold"
method = "cv"

[model]
feature = "square"
scale = false
backend = "torch"
n_neurons = 4
bias = false
activation = "tanh"
hidden = [7, 5]
kind = "neuron"

[task]
params = { x_min = -2.0, noise = 0.25, n_samples = 120 }
name = "sin"
"""


def test_hash_ignores_key_order_name_notes_and_seeds() -> None:
    assert _experiment(REORDERED).spec_hash() == _experiment(FULL).spec_hash()


def test_hash_changes_with_a_parameter() -> None:
    a = _experiment(BASE)
    b = _experiment(BASE + "[train]\neta = 0.02\n")
    c = _experiment(BASE.replace('"sin"', '"sin"\nparams = { noise = 0.2 }'))
    assert len({a.spec_hash(), b.spec_hash(), c.spec_hash()}) == 3


def test_hash_does_not_depend_on_how_a_number_is_written() -> None:
    one = _experiment(BASE + "[train]\neta = 1\nalpha = 1e-2\n")
    other = _experiment(BASE + "[train]\neta = 1.0\nalpha = 0.01\n")
    assert one.spec_hash() == other.spec_hash()


def test_hash_defaults_written_out_or_left_out_are_the_same() -> None:
    explicit = _experiment(BASE + '[model]\nkind = "mlp"\nhidden = [40]\n[evaluate]\nn_splits = 5\n')
    assert explicit.spec_hash() == _experiment(BASE).spec_hash()


def test_canonical_is_sorted_json_without_identity_free_keys() -> None:
    canon = _experiment(FULL).canonical()
    assert set(canon) == {"evaluate", "model", "task", "train"}
    assert list(canon) == sorted(canon)
    assert list(canon["train"]) == sorted(canon["train"])
    assert canon["train"]["eta"] == 0.003 and canon["model"]["hidden"] == [7, 5]
    text = json.dumps(canon, sort_keys=True, separators=(",", ":"))
    assert _experiment(FULL).spec_hash() == hashlib.sha256(text.encode()).hexdigest()


def test_flat_params_show_only_the_parameters_that_differ() -> None:
    a = _experiment(BASE).flat_params()
    b = _experiment(BASE + '[train]\neta = 0.5\n[model]\nhidden = [8, 8]\n').flat_params()
    assert set(a) == set(b)
    assert {k for k in a if a[k] != b[k]} == {"train.eta", "model.hidden"}
    assert b["model.hidden"] == (8, 8)
    assert "name" not in a and "seeds" not in a


# -- model_params ----------------------------------------------------------------------------------


def test_model_params_for_an_mlp() -> None:
    spec = _experiment(BASE + '[model]\nhidden = [8, 4]\nactivation = "tanh"\n[train]\nbatch_size = 0\n')
    params = spec.model_params()
    assert params["hidden"] == (8, 4) and params["activation"] == "tanh"
    assert params["batch_size"] is None  # 0 means full batch
    assert params["optimizer"] == "adam"
    assert "n_neurons" not in params and "backend" not in params and "feature" not in params


def test_model_params_for_a_neuron() -> None:
    params = _experiment(FULL).model_params()
    assert params["n_neurons"] == 4 and params["backend"] == "torch" and params["batch_size"] == 16
    assert params["eta"] == 0.003 and params["scale"] is False and params["feature"] == "square"
    assert "hidden" not in params and "optimizer" not in params


@pytest.mark.parametrize("kind", ["linear", "gp"])
def test_model_params_for_models_without_training(kind: str) -> None:
    spec = _experiment(BASE + f'[model]\nkind = "{kind}"\nfeature = "log"\n')
    assert spec.model_params() == {"scale": True, "feature": "log"}


def test_model_params_omit_activation_when_unset() -> None:
    assert "activation" not in _experiment(BASE + '[model]\nkind = "neuron"\n').model_params()


@pytest.mark.parametrize("kind", ["neuron", "mlp", "linear", "gp"])
def test_model_params_build_a_model(kind: str) -> None:
    spec = _experiment(BASE + f'[model]\nkind = "{kind}"\nactivation = "tanh"\n[train]\nbatch_size = 8\n')
    estimator = build_model(kind, spec.load_task(0), seed=0, **spec.model_params())
    final = final_estimator(estimator)
    if kind in ("neuron", "mlp"):
        assert final.get_params()["eta"] == spec.train.eta
        assert final.get_params()["batch_size"] == 8


def test_the_literal_choices_match_the_library() -> None:
    from neuronlab.config import OPTIMIZERS
    from neuronlab.estimators.registry import MODELS
    from neuronlab.nn.baselines import HandFeature

    assert set(typing.get_args(ModelKind)) == set(MODELS)
    assert set(typing.get_args(Optimizer)) == set(OPTIMIZERS)
    X = np.array([[1.0], [4.0]])
    for name in typing.get_args(Feature):
        if name != "none":
            assert HandFeature(name).fit_transform(X).shape == (2, 1)


def test_load_task_uses_the_seed_and_csv_paths_relative_to_the_file(tmp_path: Path) -> None:
    spec = _experiment(BASE)
    assert not np.array_equal(spec.load_task(0).y_train, spec.load_task(1).y_train)
    rng = np.random.default_rng(0)
    rows = "\n".join(f"{x:.4f},{2 * x + 1:.4f},{i // 5}" for i, x in enumerate(rng.uniform(0, 1, 60)))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "line.csv").write_text("x,y,specimen\n" + rows + "\n")
    path = tmp_path / "exp.toml"
    path.write_text('name = "csv"\n[task]\ncsv = "data/line.csv"\ntarget = "y"\ngroups = "specimen"\n'
                    '[evaluate]\nmethod = "cv"\ncv = "group"\n')
    loaded = load_spec(path)
    assert isinstance(loaded, ExperimentSpec)
    task = loaded.load_task(0, base_dir=tmp_path)
    assert task.kind == "regression" and task.groups_train is not None


# -- errors ----------------------------------------------------------------------------------------

ERROR_CASES = {
    "unknown key": (BASE + "[train]\netaa = 1\n", ["train.etaa", "[train]", "eta", "alpha", "max_epochs"]),
    "unknown top key": ('colour = "red"\n' + BASE, ["colour", "top level", "seeds", "notes", "sweep"]),
    "unknown table": (BASE + "[trian]\neta = 1\n", ["trian", "train", "evaluate"]),
    "eta <= 0": (BASE + "[train]\neta = -1\n", ["train.eta must be > 0, got -1"]),
    "alpha < 0": (BASE + "[train]\nalpha = -0.1\n", ["train.alpha", ">= 0", "-0.1"]),
    "eta type": (BASE + '[train]\neta = "0.1"\n', ["train.eta", "a number", "'0.1'"]),
    "bool type": (BASE + "[model]\nbias = 1\n", ["model.bias", "true or false"]),
    "nan": (BASE + "[train]\neta = nan\n", ["train.eta", "finite"]),
    "width 0": (BASE + "[model]\nhidden = [40, 0]\n", ["model.hidden[1]", ">= 1", "got 0"]),
    "no layers": (BASE + "[model]\nhidden = []\n", ["model.hidden", "at least 1"]),
    "batch size": (BASE + "[train]\nbatch_size = -2\n", ["train.batch_size", ">= 0"]),
    "validation fraction": (BASE + "[train]\nvalidation_fraction = 1.0\n",
                            ["train.validation_fraction", "< 1"]),
    "n_splits": (BASE + "[evaluate]\nn_splits = 1\n", ["evaluate.n_splits", ">= 2"]),
    "activation": (BASE + '[model]\nactivation = "swish"\n',
                   ["model.activation", "'swish'", "'relu'", "'leaky_relu'", "'step'", "'identity'"]),
    "model kind": (BASE + '[model]\nkind = "cnn"\n', ["model.kind", "'cnn'", "'neuron'", "'mlp'", "'gp'"]),
    "optimizer": (BASE + '[train]\noptimizer = "rmsprop"\n', ["train.optimizer", "'sgd'", "'momentum'"]),
    "backend": (BASE + '[model]\nbackend = "jax"\n', ["model.backend", "'numpy'", "'torch'"]),
    "feature": (BASE + '[model]\nfeature = "exp"\n', ["model.feature", "'inv_sqrt'", "'none'"]),
    "evaluate method": (BASE + '[evaluate]\nmethod = "bootstrap"\n',
                        ["evaluate.method", "'holdout'", "'cv'"]),
    "task name": (BASE.replace("sin", "moonz"), ["task.name", "'moonz'", "'moons'", "'hall_petch'"]),
    "task param": ('name = "x"\n[task]\nname = "sin"\nparams = { nois = 0.1 }\n',
                   ["task.params", "'nois'", "'noise'", "'n_samples'"]),
    "task param value": (BASE + "params = { noise = -1.0 }\n", ["task.params", "noise"]),
    "task seed param": (BASE + "params = { seed = 3 }\n", ["task.params", "seeds"]),
    "no task": ('name = "x"\n', ["task is required"]),
    "no name": ('[task]\nname = "sin"\n', ["name is required"]),
    "name and csv": (BASE + 'csv = "a.csv"\n', ["task", "exactly one of name", "csv"]),
    "csv without target": ('name = "x"\n[task]\ncsv = "a.csv"\n', ["task", "target"]),
    "group cv without groups": (BASE + '[evaluate]\nmethod = "cv"\ncv = "group"\n',
                                ["evaluate.cv", "'group'", "groups", "'sin'", "'kfold'"]),
    "neuron on multiclass": ('name = "x"\n[task]\nname = "iris"\n[model]\nkind = "neuron"\n',
                             ["model.kind", "'iris'", "multiclass", "'mlp'"]),
    "duplicate seeds": ('name = "x"\nseeds = [1, 1]\n[task]\nname = "sin"\n', ["seeds", "distinct"]),
    "negative seed": ('name = "x"\nseeds = [-1]\n[task]\nname = "sin"\n', ["seeds[0]", ">= 0"]),
    "malformed toml": ('name = "x"\n[task\nname = "sin"\n', ["invalid TOML", "line 2"]),
    "several errors": (BASE + "[train]\neta = -1\nalpha = -1\n", ["train.eta", "(+1 more)"]),
}


@pytest.mark.parametrize("case", ERROR_CASES, ids=list(ERROR_CASES))
def test_errors_are_one_line_naming_the_file_and_key(case: str, tmp_path: Path) -> None:
    text, fragments = ERROR_CASES[case]
    path = tmp_path / "my_experiment.toml"
    path.write_text(text)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_spec_error_is_a_user_facing_value_error() -> None:
    assert issubclass(SpecError, NeuronlabError) and issubclass(SpecError, ValueError)


def test_missing_file_and_csv_errors(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no such file"):
        load_spec(tmp_path / "nope.toml")
    (tmp_path / "t.csv").write_text("a,b\n" + "\n".join(f"{i},{i % 2}" for i in range(30)) + "\n")
    (tmp_path / "e.toml").write_text('name = "x"\n[task]\ncsv = "t.csv"\ntarget = "missing"\n')
    with pytest.raises(SpecError, match=r"task\.csv: .*'missing'"):
        load_spec(tmp_path / "e.toml")
    (tmp_path / "e.toml").write_text('name = "x"\n[task]\ncsv = "t.csv"\ntarget = "b"\nparams = { n = 1 }\n')
    with pytest.raises(SpecError, match=r"task has params key 'n'.*'val_fraction'"):
        load_spec(tmp_path / "e.toml")


def test_group_cv_is_accepted_for_a_task_with_groups() -> None:
    spec = _experiment('name = "hp"\n[task]\nname = "hall_petch"\n[evaluate]\nmethod = "cv"\ncv = "group"\n')
    assert spec.evaluate.cv == "group"


def test_loads_spec_without_sweep_is_an_experiment_and_with_sweep_a_sweep() -> None:
    assert isinstance(loads_spec(BASE), ExperimentSpec)
    assert isinstance(loads_spec(BASE + '[sweep.grid]\n"train.eta" = [0.1]\n'), SweepSpec)


def test_model_spec_defaults_match_the_practicals() -> None:
    m = ModelSpec()
    assert (m.kind, m.hidden, m.bias, m.scale, m.feature) == ("mlp", (40,), True, True, "none")


def test_stored_specs_can_be_read_without_their_data() -> None:
    data = {"name": "old run", "task": {"csv": "/gone/data.csv", "target": "y"}}
    with pytest.raises(ValidationError, match=r"task\.csv"):
        ExperimentSpec.model_validate(data)
    spec = ExperimentSpec.model_validate(data, context={"check_task": False})
    assert spec.task.csv == "/gone/data.csv"


# -- limits (issue 11): every size in a spec is bounded before anything is expanded or built --------

LIMIT_ATTACKS = {
    "width": ('[model]\nhidden = [1000000000]\n', "model.hidden has a layer of 1,000,000,000 units",
              "NEURONLAB_MAX_WIDTH"),
    "depth": ('[model]\nhidden = [' + ", ".join(["2"] * 33) + ']\n', "model.hidden has 33 layers",
              "NEURONLAB_MAX_DEPTH"),
    "weights": ('[model]\nhidden = [4096, 4096, 4096]\n', "has 33,579,009 weights", "NEURONLAB_MAX_PARAMETERS"),
    "neurons": ('[model]\nkind = "neuron"\nn_neurons = 1000000000\n', "model.n_neurons = 1,000,000,000",
                "NEURONLAB_MAX_WIDTH"),
    "epochs": ('[train]\nmax_epochs = 1000000000\n', "train.max_epochs = 1,000,000,000", "NEURONLAB_MAX_EPOCHS"),
    "batch": ('[train]\nbatch_size = 1000000000\n', "train.batch_size = 1,000,000,000", "NEURONLAB_MAX_SAMPLES"),
    "folds": ('[evaluate]\nmethod = "cv"\nn_splits = 1000000\n', "evaluate.n_splits = 1,000,000",
              "NEURONLAB_MAX_FOLDS"),
    "samples": ('', "n_samples = 2,000,000,000", "NEURONLAB_MAX_SAMPLES"),
    "seeds": ('', "seeds has 100,001 seeds", "NEURONLAB_MAX_RUNS"),
    "random count": ('[sweep.random]\ncount = 1000000000\n"train.eta" = { dist = "uniform", low = 0.1, high = 1.0 }\n',
                     "sweep.random.count = 1,000,000,000", "NEURONLAB_MAX_RUNS"),
    "grid": ('[sweep.grid]\n' + "".join(f'"train.{k}" = [{", ".join(map(str, range(1, 101)))}]\n'
                                          for k in ("max_epochs", "n_iter_no_change", "batch_size")),
             "the sweep has 1,000,000 runs", "NEURONLAB_MAX_RUNS"),
    "grid x seeds": ('[sweep.grid]\n"train.max_epochs" = [' + ", ".join(map(str, range(1, 1001))) + ']\n',
                     "the sweep has 101,000 runs", "NEURONLAB_MAX_RUNS"),
}


@pytest.mark.parametrize("attack", list(LIMIT_ATTACKS))
def test_each_size_in_a_spec_is_refused_with_its_limit(attack: str) -> None:
    body, words, env = LIMIT_ATTACKS[attack]
    task = 'name = "moons"' + ("\nparams = { n_samples = 2000000000 }" if attack == "samples" else "")
    seeds = {"seeds": "seeds = [" + ", ".join(map(str, range(100_001))) + "]\n",
             "grid x seeds": "seeds = [" + ", ".join(map(str, range(101))) + "]\n"}.get(attack, "")
    text = f'name = "x"\n{seeds}[task]\n{task}\n{body}'
    with pytest.raises(SpecError) as info:
        loads_spec(text, source="attack.toml")
    message = str(info.value)
    assert "\n" not in message and message.startswith("attack.toml: ")
    assert words in message and env in message and "over the limit of" in message, message


def test_a_model_too_big_for_its_task_is_refused_by_the_task_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Weights and a batch's activations depend on the task's features, classes and rows: the dry-run
    task supplies them.  A Gaussian process's n × n kernel has a limit of its own."""
    spec = 'name = "x"\n[task]\nname = "digits"\n[model]\nhidden = [2000]\n'
    assert loads_spec(spec)  # 1,437 rows × (64 + 2,000 + 10) units: within the limit
    monkeypatch.setenv("NEURONLAB_MAX_ACTIVATIONS", "1000000")
    with pytest.raises(SpecError, match="a batch of the model on task 'digits' holds 2,980,338 values"):
        loads_spec(spec)
    assert loads_spec(spec + "[train]\nbatch_size = 400\n")  # mini-batches fit
    monkeypatch.setenv("NEURONLAB_MAX_GP_SAMPLES", "1000")
    with pytest.raises(SpecError, match=r"model\.kind = 'gp' on 1,437 rows of task 'digits'"):
        loads_spec('name = "x"\n[task]\nname = "digits"\n[model]\nkind = "gp"\n')
