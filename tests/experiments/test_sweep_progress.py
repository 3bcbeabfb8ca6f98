"""What a sweep tells while it runs: the number of runs before the first one (the spec expanded once),
then one plain line per run — one line however long the point's name, so a script or a log reads a run
per line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from neuronlab.cli import app
from neuronlab.experiments.runner import RunOutcome, run_sweep
from neuronlab.experiments.spec import loads_spec
from neuronlab.store import RunStore

# every point's name carries five swept values: ~170 characters, more than a 120-column console
LONG = """
name = "a sweep whose points have long names, longer than a console line"
seeds = [0]
[task]
name = "and"
[model]
kind = "neuron"
[train]
max_epochs = 3
[sweep.grid]
"train.eta" = [0.1, 0.5]
"train.alpha" = [0.0001]
"train.max_epochs" = [3]
"model.bias" = [true]
"model.activation" = ["sigmoid", "tanh"]
"""


def test_each_run_is_one_progress_line_however_long_its_name(tmp_path: Path) -> None:
    spec = tmp_path / "long.toml"
    spec.write_text(LONG)
    result = CliRunner().invoke(app, ["sweep", str(spec), "--db", str(tmp_path / "runs.db")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("4 run(s) from ")
    runs = [line for line in lines if line.startswith("[")]
    assert [line.split("]")[0] for line in runs] == ["[1/4", "[2/4", "[3/4", "[4/4"], result.output
    for line in runs:  # the name with its swept values, the seed and the score on the run's own line
        assert len(line) > 120 and line.startswith("[") and "model.activation=" in line
        assert " seed=0 score=" in line, result.output
    assert "4 done, 0 diverged, 0 failed, 0 skipped" in result.output


def test_run_sweep_says_how_many_runs_before_the_first_outcome(tmp_path: Path) -> None:
    events: list[object] = []

    def on_result(outcome: RunOutcome) -> None:
        events.append(outcome.status)

    store = RunStore(tmp_path / "runs.db")
    run_sweep(loads_spec(LONG), store=store, on_start=events.append, on_result=on_result)
    assert events == [4, "done", "done", "done", "done"]
    # again: every run is recorded, and the count still comes first
    events.clear()
    run_sweep(loads_spec(LONG), store=store, on_start=events.append, on_result=on_result)
    assert events == [4, "skipped", "skipped", "skipped", "skipped"]
