"""spec → task → model → train → evaluate → record, against real stores (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from neuronlab.cli import app
from neuronlab.experiments.runner import expand, run_experiment, run_sweep
from neuronlab.experiments.spec import loads_spec
from neuronlab.store import RunStore

SPEC = """
name = "neuron on xor and linear"
notes = "the neuron fails on xor"
seeds = [0, 1]

[task]
name = "linear"

[model]
kind = "neuron"

[train]
eta = 0.05
max_epochs = 40
"""

SWEEP = SPEC + """
[sweep.grid]
"train.eta" = [0.01, 0.1]
"task.name" = ["linear", "xor"]
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> RunStore:
    if request.param == "sqlite":
        return RunStore(tmp_path / "runs.db")
    return RunStore(request.getfixturevalue("postgres_db_url"))


def test_a_run_records_metrics_history_and_figure(store: RunStore) -> None:
    spec = loads_spec(SPEC)
    outcome = run_experiment(spec, seed=0, store=store)
    assert outcome.status == "done" and outcome.run_id is not None
    assert outcome.score is not None and outcome.score >= 0.95
    record = store.get(outcome.run_id)
    assert record.status == "done" and record.seed == 0 and record.task == "linear"
    assert record.metrics["test"]["accuracy"] == pytest.approx(outcome.score)
    assert record.metrics["ceiling"] == pytest.approx(1.0)
    assert record.history is not None and len(record.history["train_loss"]) == 40
    assert store.artifact(outcome.run_id, "fit.png")[:4] == b"\x89PNG"
    assert record.versions["torch"] and record.versions["scikit-learn"]
    # the same spec and seed give the same numbers (here: a second store)
    again = run_experiment(spec, seed=0, store=None)
    assert again.metrics["test"] == outcome.metrics["test"]


def test_sweep_skips_what_is_done_and_continues_after_divergence(store: RunStore) -> None:
    sweep = loads_spec(SWEEP + '\n')
    first = run_sweep(sweep, store=store)
    assert len(first) == 2 * 2 * 2 and {o.status for o in first} == {"done"}
    second = run_sweep(sweep, store=store)
    assert {o.status for o in second} == {"skipped"}
    assert len(store.list_runs()) == 8
    diverging = loads_spec(
        SPEC.replace('name = "linear"', 'name = "sinh"\nparams = { x_max = 8 }')
        .replace("eta = 0.05", "eta = 5.0")
        .replace('kind = "neuron"', 'kind = "neuron"\nscale = false')
    )
    outcomes = run_sweep(diverging, store=store)
    assert {o.status for o in outcomes} == {"diverged"}
    record = store.get(outcomes[0].run_id)  # type: ignore[arg-type]
    assert record.status == "diverged" and record.diverged_epoch is not None and record.diverged_epoch >= 1
    assert "eta" in (record.error or "")


def test_cross_validation_is_recorded(tmp_path: Path) -> None:
    spec = loads_spec(SPEC.replace("[train]", '[evaluate]\nmethod = "cv"\nn_splits = 3\n\n[train]'))
    outcome = run_experiment(spec, seed=0, store=RunStore(tmp_path / "cv.db"))
    cv = outcome.metrics["cv"]
    assert cv["splitter"] == "KFold" and len(cv["folds"]) == 3
    assert cv["mean"] == pytest.approx(sum(cv["folds"]) / 3)


def test_parallel_sweep_records_each_run_once(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "par.db")
    outcomes = run_sweep(loads_spec(SWEEP), store=store, jobs=2)
    assert sorted(o.status for o in outcomes) == ["done"] * 8
    runs = store.list_runs()
    assert len(runs) == 8 and len({(r.spec_hash, r.seed) for r in runs}) == 8


def _count(db: Path) -> dict[str, int]:
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT status, COUNT(*) FROM runs GROUP BY status")).all()
    except OperationalError:  # the sweep has not created its tables yet
        return {}
    finally:
        engine.dispose()
    return {status: n for status, n in rows}


@pytest.mark.slow
def test_sweep_killed_with_sigkill_resumes_with_every_run_once(tmp_path: Path) -> None:
    spec_path = tmp_path / "sweep.toml"
    spec_path.write_text(SWEEP.replace("max_epochs = 40", "max_epochs = 400"))
    db = tmp_path / "kill.db"
    total = len(expand(loads_spec(spec_path.read_text())))
    cmd = [sys.executable, "-m", "neuronlab", "sweep", str(spec_path), "--db", str(db)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # kill it once some but not all runs are done
        if db.exists() and 0 < _count(db).get("done", 0) < total:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = _count(db)
    assert 0 < before.get("done", 0) < total, before
    # started again: the dead process's claim is taken over, nothing done is repeated
    done = subprocess.run([*cmd, "--json"], capture_output=True, text=True, timeout=300, check=True)
    statuses = [row["status"] for row in json.loads(done.stdout)]
    assert statuses.count("skipped") == before["done"]
    after = _count(db)
    assert after == {"done": total}, after
    assert len({(r.spec_hash, r.seed) for r in RunStore(db).list_runs()}) == total


def test_cli_run_list_show_compare_note_export(tmp_path: Path) -> None:
    runner = CliRunner()
    spec_path = tmp_path / "exp.toml"
    spec_path.write_text(SWEEP)
    db = str(tmp_path / "cli.db")
    result = runner.invoke(app, ["sweep", str(spec_path), "--db", db])
    assert result.exit_code == 0, result.output
    assert "8 done" in result.output
    listed = json.loads(runner.invoke(app, ["runs", "list", "--db", db, "--json", "--task", "xor"]).output)
    assert len(listed) == 4 and {r["task"] for r in listed} == {"xor"}
    ids = [str(r["id"]) for r in listed[:2]]
    compared = json.loads(runner.invoke(app, ["runs", "compare", *ids, "--db", db, "--json"]).output)
    assert set(compared["differing"]) <= {"train.eta", "seed"}  # the runs differ in eta or seed only
    assert runner.invoke(app, ["runs", "note", ids[0], "boundary is a straight line", "--db", db]).exit_code == 0
    shown = runner.invoke(app, ["runs", "show", ids[0], "--db", db])
    assert "boundary is a straight line" in shown.output
    csv = runner.invoke(app, ["runs", "export", "--db", db, "--format", "csv"]).output
    assert len(csv.strip().splitlines()) == 9
    assert runner.invoke(app, ["db", "upgrade", "--db", db]).exit_code == 0


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("name = 'x'\n[task\n", "TOML"),
        (SPEC + "\ncolour = 'red'\n", "colour"),
        (SPEC.replace("eta = 0.05", "eta = -1"), "train.eta"),
        (SPEC.replace('kind = "neuron"', 'kind = "neuron"\nactivation = "banana"'), "relu"),
    ],
)
def test_bad_specs_exit_2_and_write_nothing(tmp_path: Path, content: str, needle: str) -> None:
    spec_path = tmp_path / "bad.toml"
    spec_path.write_text(content)
    db = tmp_path / "bad.db"
    result = CliRunner().invoke(app, ["run", str(spec_path), "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert needle in result.output and "bad.toml" in result.output
    assert "Traceback" not in result.output
    assert not db.exists()


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    spec_path = tmp_path / "ok.toml"
    spec_path.write_text(SPEC)
    result = CliRunner().invoke(app, ["run", str(spec_path), "--db", "postgresql+psycopg://nobody@127.0.0.1:1/x"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
