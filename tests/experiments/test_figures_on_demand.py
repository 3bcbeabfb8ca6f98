"""Figures on demand: sweeps record none, ``run_figure`` draws them when asked and keeps them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from neuronlab.cli import app
from neuronlab.errors import ConfigError
from neuronlab.experiments import executors
from neuronlab.experiments import fit as fit_module
from neuronlab.experiments import runner as runner_module
from neuronlab.experiments.figures_on_demand import CURVES, FIT, run_figure, stored_history
from neuronlab.experiments.runner import run_experiment, run_sweep
from neuronlab.experiments.spec import ExperimentSpec, loads_spec
from neuronlab.store import RunStore, StoreError

PNG = b"\x89PNG\r\n\x1a\n"
SPEC = """
name = "mlp on moons"
seeds = [0, 1]

[task]
name = "moons"
params = { n_samples = 120 }

[model]
kind = "mlp"
hidden = [6]

[train]
eta = 0.03
max_epochs = 30
early_stopping = true
n_iter_no_change = 10
"""
NEURON = SPEC.replace('kind = "mlp"\nhidden = [6]', 'kind = "neuron"')


def _experiment(text: str) -> ExperimentSpec:
    spec = loads_spec(text)
    assert isinstance(spec, ExperimentSpec)
    return spec


def _no_training(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("trained a model")


@pytest.fixture(scope="module")
def sweep_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[int]]:
    """A figure-less sweep (local executor, the default): its store URL and run ids, done first."""
    db = tmp_path_factory.mktemp("figs") / "runs.db"
    outcomes = run_sweep(loads_spec(SPEC), store=RunStore(db))
    assert [o.status for o in outcomes] == ["done", "done"]
    return f"sqlite:///{db}", [o.run_id for o in outcomes if o.run_id is not None]


def test_a_sweep_records_no_pngs_unless_asked(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.db")
    bare = run_sweep(loads_spec(NEURON), store=store)
    assert [o.status for o in bare] == ["done", "done"]
    for outcome in bare:
        record = store.get(outcome.run_id)  # type: ignore[arg-type]
        assert record.artifacts == () and record.history is not None  # the history is still there
    drawn = RunStore(tmp_path / "drawn.db")
    for outcome in run_sweep(loads_spec(NEURON), store=drawn, figures=True):
        assert drawn.get(outcome.run_id).artifacts == (FIT, CURVES)  # type: ignore[arg-type]


@pytest.mark.parametrize("executor", ["ensemble", "dask"])
def test_the_batched_executors_are_told_to_draw_nothing_by_default(tmp_path: Path, executor: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[bool] = []

    def record_flag(pending: Any, **kwargs: Any) -> Any:
        asked.append(kwargs["figures"])
        return iter(())

    monkeypatch.setattr(executors, f"run_{executor}", record_flag)
    store = RunStore(tmp_path / "runs.db")
    run_sweep(loads_spec(SPEC), store=store, executor=executor)
    run_sweep(loads_spec(SPEC), store=store, executor=executor, figures=True)
    assert asked == [False, True]


def test_learning_curves_come_from_the_history_without_training(sweep_store: tuple[str, list[int]],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    store, run_id = RunStore(sweep_store[0]), sweep_store[1][0]
    monkeypatch.setattr(fit_module, "fit_and_score", _no_training)
    assert store.get(run_id).artifacts == ()
    data = run_figure(store, run_id, CURVES)
    assert data.startswith(PNG) and len(data) > 5000
    assert store.get(run_id).artifacts == (CURVES,)  # kept, and no fit.png drawn on the way
    assert store.artifact(run_id, CURVES) == data


def test_stored_history_rebuilds_epochs_metric_and_the_kept_epoch(sweep_store: tuple[str, list[int]]) -> None:
    record = RunStore(sweep_store[0]).get(sweep_store[1][1])
    history = stored_history(record)
    assert history is not None and record.history is not None
    n = len(record.history["train_loss"])
    assert history["epoch"] == list(range(1, n + 1)) and history["metric_name"] == "accuracy"
    # early stopping kept the first epoch with the best validation accuracy
    val = record.history["val_metric"]
    assert history["best_epoch"] == val.index(max(val)) + 1


def test_fit_is_trained_again_drawn_once_and_then_read_back(sweep_store: tuple[str, list[int]], tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    store, run_id = RunStore(sweep_store[0]), sweep_store[1][1]
    record = store.get(run_id)
    assert FIT not in record.artifacts
    first = run_figure(store, run_id, FIT)
    assert first.startswith(PNG) and FIT in store.get(run_id).artifacts
    # The same spec and seed recorded with figures at run time: the retrained model is the recorded one.
    spec = _experiment(SPEC)
    recorded = run_experiment(spec, seed=record.seed, store=RunStore(tmp_path / "with.db"), figures=True)
    assert RunStore(tmp_path / "with.db").artifact(recorded.run_id, FIT) == first  # type: ignore[arg-type]
    monkeypatch.setattr(fit_module, "fit_and_score", _no_training)
    assert run_figure(store, run_id, FIT) == first  # the second time: the stored bytes, no training


def test_bad_requests_are_one_clear_line(tmp_path: Path, sweep_store: tuple[str, list[int]],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    store = RunStore(tmp_path / "bad.db")
    iris = run_experiment(_experiment(SPEC.replace('name = "moons"\nparams = { n_samples = 120 }', 'name = "iris"')),
                          seed=0, store=store, figures=False)
    linear = run_experiment(_experiment(SPEC.replace('kind = "mlp"\nhidden = [6]', 'kind = "linear"')),
                            seed=0, store=store, figures=False)
    with pytest.raises(ConfigError, match=r"no figure 'boundary.png'.*'fit.png', 'learning_curves.png'"):
        run_figure(RunStore(sweep_store[0]), sweep_store[1][0], "boundary.png")
    with pytest.raises(StoreError, match="no run 999"):
        run_figure(store, 999, CURVES)
    with pytest.raises(ConfigError, match="keeps no per-epoch history"):
        run_figure(store, linear.run_id, CURVES)  # type: ignore[arg-type]
    monkeypatch.setattr(fit_module, "fit_and_score", _no_training)  # iris: refused before any training
    with pytest.raises(ConfigError, match=r"4 features.*no natural picture"):
        run_figure(store, iris.run_id, FIT)  # type: ignore[arg-type]
    for run_id in (iris.run_id, linear.run_id):
        assert store.get(run_id).artifacts == ()  # type: ignore[arg-type]


def test_a_failed_or_foreign_run_says_why(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "odd.db")
    common: dict[str, Any] = dict(spec={"experiment": "x"}, spec_hash="0" * 64, seed=0, experiment="x", task="xor",
                                  model="mlp", params={})
    failed = store.record(**common, status="failed", metrics={}, error="DataError: no column 'y'\n  trace")
    diverged = store.record(**common, status="diverged", metrics={}, diverged_epoch=7, error="loss is inf")
    foreign = store.record(**common, status="done", metrics={"test": {"accuracy": 0.9}})
    with pytest.raises(ConfigError, match=r"failed \(DataError: no column 'y'\), so it has no fit.png"):
        run_figure(store, failed, FIT)
    with pytest.raises(ConfigError, match=r"diverged at epoch 7, so it has no learning_curves\.png; lower eta"):
        run_figure(store, diverged, CURVES)
    with pytest.raises(ConfigError, match="cannot be trained again: its stored spec is not an experiment spec"):
        run_figure(store, foreign, FIT)


def test_cli_sweep_without_figures_then_runs_figure_draws_one(tmp_path: Path) -> None:
    runner = CliRunner()
    spec_path = tmp_path / "exp.toml"
    spec_path.write_text(SPEC.replace("seeds = [0, 1]", "seeds = [0]"))
    db = str(tmp_path / "cli.db")
    result = runner.invoke(app, ["sweep", str(spec_path), "--db", db, "--executor", "local"])
    assert result.exit_code == 0, result.output
    (run,) = RunStore(db).list_runs()
    shown = runner.invoke(app, ["runs", "show", str(run.id), "--db", db])
    assert "figures not drawn yet: fit.png, learning_curves.png" in shown.output
    out = tmp_path / "curves.png"
    drawn = runner.invoke(app, ["runs", "figure", str(run.id), CURVES, "--db", db, "--out", str(out)])
    assert drawn.exit_code == 0, drawn.output
    assert out.read_bytes() == RunStore(db).artifact(run.id, CURVES)
    bad = runner.invoke(app, ["runs", "figure", str(run.id), "nope.png", "--db", db])
    assert bad.exit_code == 2 and "no figure 'nope.png'" in bad.output
    drawn_db = str(tmp_path / "drawn.db")
    drawn = runner.invoke(app, ["sweep", str(spec_path), "--db", drawn_db, "--figures", "--executor", "local"])
    assert drawn.exit_code == 0, drawn.output
    assert RunStore(drawn_db).get(RunStore(drawn_db).list_runs()[0].id).artifacts == (FIT, CURVES)


def test_cli_run_draws_at_record_time_and_sweep_does_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`neuronlab run` is one experiment: its figures cost little, so it still records them."""
    asked: list[bool] = []
    monkeypatch.setattr(runner_module, "run_sweep", lambda *args, **kwargs: asked.append(kwargs["figures"]))
    spec_path = tmp_path / "exp.toml"
    spec_path.write_text(SPEC)
    for command in ("run", "sweep"):
        result = CliRunner().invoke(app, [command, str(spec_path), "--db", str(tmp_path / "x.db")])
        assert result.exit_code == 0, result.output
    assert asked == [True, False]
