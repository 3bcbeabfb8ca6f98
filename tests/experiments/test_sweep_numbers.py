"""A sweep records every run with the numbers of its spec trained alone.

The batched executors score a chunk's runs after training with shortcuts of their own (one forward pass
per run for every split and the trap checks, the scaled rows shared by the runs on one task, the
ceiling's range worked out once per task); ``evaluate_spec`` trains and scores one run the plain way
(``predict`` per model, the trap checks' own forward pass).  Every stored metric, warning and history
value must be the same to the last bit (compared as JSON text: floats by their shortest repr, NaN too).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neuronlab.errors import DivergedError
from neuronlab.experiments.evaluation import evaluate_spec
from neuronlab.experiments.runner import expand, run_sweep
from neuronlab.experiments.spec import loads_spec
from neuronlab.store import RunStore

# binary, multiclass and regression; every activation; η from "stuck at chance" to "dead units"
TRAPS = """
name = "traps"
seeds = [0]
[task]
name = "moons"
[model]
kind = "mlp"
hidden = [6, 6]
[train]
max_epochs = 40
early_stopping = true
n_iter_no_change = 5
[sweep.grid]
"task.name" = ["moons", "iris", "sin"]
"model.activation" = ["relu", "sigmoid", "tanh", "leaky_relu"]
"train.eta" = [1e-4, 0.03, 3.0]
"""

# a hand-made feature map in front of the scaler, no scaler at all, and a single neuron beside the MLPs
FRONTS = """
name = "fronts"
seeds = [0, 1]
[task]
name = "hall_petch"
[model]
kind = "mlp"
hidden = [5]
activation = "relu"
[train]
eta = 0.05
max_epochs = 30
[sweep.grid]
"model.feature" = ["none", "inv_sqrt"]
"model.scale" = [true, false]
"model.kind" = ["mlp", "neuron"]
"""


# cross-validated runs (a batched sweep trains every run × fold of a task as one ensemble): grouped folds on
# Hall–Petch (a feature map, a run that diverges, a neuron that is cross-validated alone) and shuffled ones
# on moons (mini-batches, full batch)
CROSS_VALIDATED = """
name = "cv"
seeds = [0, 1]
[task]
name = "hall_petch"
[model]
kind = "mlp"
hidden = [6]
[train]
eta = 0.02
max_epochs = 25
[evaluate]
method = "cv"
n_splits = 3
[sweep.grid]
"model.feature" = ["none", "inv_sqrt"]
"model.kind" = ["mlp", "neuron"]
"train.eta" = [0.02, 1e5]
"""

CV_MOONS = """
name = "cv moons"
seeds = [0]
[task]
name = "moons"
[model]
kind = "mlp"
hidden = [8]
[train]
max_epochs = 30
[evaluate]
method = "cv"
cv = "kfold"
n_splits = 4
[sweep.grid]
"model.activation" = ["relu", "tanh"]
"train.batch_size" = [16, 1000]
"""


def as_json(value: object) -> str:
    return json.dumps(value, sort_keys=True)


@pytest.mark.parametrize("executor", ["ensemble", "local"])
@pytest.mark.parametrize("text", [TRAPS, FRONTS, CROSS_VALIDATED, CV_MOONS], ids=["traps", "fronts", "cv", "cv-moons"])
def test_every_recorded_run_has_the_numbers_of_its_spec_trained_alone(tmp_path: Path, text: str,
                                                                       executor: str) -> None:
    spec = loads_spec(text)
    store = RunStore(tmp_path / "runs.db")
    outcomes = run_sweep(spec, store=store, executor=executor, chunk_size=7)
    assert len(outcomes) == len(expand(spec))
    warned = []
    for outcome in outcomes:
        assert outcome.run_id is not None
        run = store.get(outcome.run_id)
        try:
            metrics, history, _ = evaluate_spec(outcome.spec, seed=outcome.seed, figures=False)
        except DivergedError as exc:
            assert (run.status, run.error) == ("diverged", str(exc))
            continue
        assert run.status == "done", run.error
        assert as_json(run.metrics) == as_json(metrics), outcome.spec.name
        assert as_json(outcome.metrics) == as_json(metrics), outcome.spec.name
        assert as_json(run.history) == as_json(history), outcome.spec.name
        warned += metrics.get("warnings", [])
    if text == TRAPS:  # the traps the shortcuts feed are all there to compare
        assert any("ReLU units of hidden layer 2 are dead" in line for line in warned)
        assert any("every prediction is class" in line for line in warned)
        assert any("train R²" in line for line in warned) and any("train accuracy" in line for line in warned)
