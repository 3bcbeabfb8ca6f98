"""The CLI is a thin face: its numbers are the library's, its errors one line and exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from neuronlab.cli import app
from neuronlab.tasks import load_task

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize("command", [[], ["tasks"], ["train"], ["demo"], ["study"], ["study", "hall-petch"]])
def test_every_command_has_help(command: list[str]) -> None:
    code, out = run(*command, "--help")
    assert code == 0, out
    assert "Usage" in out


def test_tasks_lists_names_kinds_and_ceilings() -> None:
    code, out = run("tasks", "--json")
    assert code == 0, out
    rows = {row["name"]: row for row in json.loads(out)}
    assert {"and", "xor", "moons", "gaussians", "sin", "hall_petch", "iris"} <= set(rows)
    assert rows["moons"]["kind"] == "binary" and rows["sin"]["kind"] == "regression"
    assert 0.5 < rows["gaussians"]["ceiling"] < 1.0
    # every ceiling comes with the range the best possible model scores on the default test split
    g = rows["gaussians"]
    assert g["ceiling_low"] < g["ceiling"] < g["ceiling_high"] and g["n_test"] == len(load_task("gaussians").y_test)
    assert rows["iris"]["ceiling_low"] is None  # no known generator, no range


def test_train_json_matches_library_call() -> None:
    from neuronlab import load_task
    from neuronlab.experiments import fit_and_score

    code, out = run("train", "moons", "--model", "mlp", "--epochs", "60", "--seed", "3", "--json")
    assert code == 0, out
    report = json.loads(out)
    direct = fit_and_score(load_task("moons", seed=3), "mlp", seed=3, hidden=(40,), eta=0.01, alpha=1e-4,
                           max_epochs=60, batch_size=None, bias=True, early_stopping=False,
                           engine="numpy")  # the CLI's engine (config: the cli surface's default)
    assert report["metrics"]["test"]["accuracy"] == pytest.approx(direct.score("test"), abs=0)
    assert report["ceiling"] == direct.task.ceiling


def test_train_writes_a_boundary_plot(tmp_path: Path) -> None:
    png = tmp_path / "xor.png"
    code, out = run("train", "xor", "--hidden", "8,8", "--epochs", "50", "--plot", str(png))
    assert code == 0, out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "ceiling" in out


def test_train_regression_neuron_uses_identity(tmp_path: Path) -> None:
    code, out = run("train", "identity", "--model", "neuron", "--epochs", "200", "--json")
    assert code == 0, out
    assert json.loads(out)["metrics"]["test"]["r2"] > 0.9


def test_train_csv(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2))
    lines = ["a,b,label"] + [f"{a},{b},{'yes' if a + b > 0 else 'no'}" for a, b in X]
    csv = tmp_path / "data.csv"
    csv.write_text("\n".join(lines) + "\n")
    code, out = run("train", str(csv), "--target", "label", "--model", "linear", "--json")
    assert code == 0, out
    assert json.loads(out)["metrics"]["test"]["accuracy"] > 0.9


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["train", "mooons"], "moons"),                                   # unknown task lists valid names
        (["train", "moons", "--activation", "banana"], "relu"),           # unknown activation lists valid ones
        (["train", "moons", "--model", "forest"], "mlp"),                 # unknown model
        (["train", "moons", "--hidden", "40,0"], "--hidden"),             # width 0
        (["train", "moons", "-p", "colour=red"], "colour"),               # unknown task parameter
        (["train", "missing.csv", "--target", "y"], "missing.csv"),      # file not there
        (["train", "moons", "--eta", "-1"], "eta"),                       # eta <= 0
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], needle: str) -> None:
    code, out = run(*args)
    assert code == 2, out
    assert "Traceback" not in out
    assert needle in out
    assert len(out.strip().splitlines()) <= 2  # one message (Rich may wrap a long line once)


def test_csv_without_target_is_a_clear_error(tmp_path: Path) -> None:
    csv = tmp_path / "d.csv"
    csv.write_text("a,b\n1,2\n")
    code, out = run("train", str(csv))
    assert code == 2 and "--target" in out


def test_divergence_is_reported_with_its_epoch() -> None:
    code, out = run("train", "sinh", "--model", "mlp", "--hidden", "64,64", "--eta", "1e6", "--epochs", "50",
                    "--no-scale", "-p", "x_max=6")
    assert code == 2, out
    assert "epoch" in out and "smaller eta" in out


def test_console_script_exits_2_without_traceback() -> None:
    """The installed entry point, in a real process."""
    proc = subprocess.run([sys.executable, "-m", "neuronlab", "train", "no_such_task"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "no_such_task" in proc.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["train", "moons", "--store", "x.db"], "--store"),     # an option the command does not have
        (["train", "moons", "--epochs", "abc"], "--epochs"),    # a value of the wrong type
        (["train"], "task"),                                    # a missing argument
        (["trian", "moons"], "trian"),                          # a command that does not exist
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: list[str], needle: str) -> None:
    """Typer's own errors (before any command runs) read like ours: one line on stderr, exit 2, no panel."""
    proc = subprocess.run([sys.executable, "-m", "neuronlab", *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "" and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith("error:") and needle in proc.stderr and "--help" in proc.stderr
    assert "╭" not in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_demo_prints_table_and_writes_boundaries(tmp_path: Path) -> None:
    code, out = run("demo", "--out", str(tmp_path))
    assert code == 0, out
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert len(pngs) == 5, pngs
    assert "xor" in out and "moons" in out and "ceiling" in out
    from neuronlab.demo import run_demo

    gaussians = next(r for r in run_demo(tmp_path / "again") if r.task == "gaussians")
    assert gaussians.ceiling_range is not None and gaussians.ceiling_range.contains(gaussians.test_accuracy)
    assert "best possible" in out and f"{gaussians.ceiling_range.low:.3f}" in out


def test_train_with_db_records_a_one_off_run(tmp_path: Path) -> None:
    from neuronlab.store import RunStore

    db = str(tmp_path / "runs.db")
    code, out = run("train", "hall_petch", "--model", "linear", "--feature", "inv_sqrt", "--db", db, "--json")
    assert code == 0, out
    report = json.loads(out)
    record = RunStore(db).get(report["run_id"])
    assert record.status == "done" and record.model == "linear" and record.task == "hall_petch"
    assert record.metrics["test"]["r2"] == pytest.approx(report["metrics"]["test"]["r2"])
    assert record.params["model.feature"] == "inv_sqrt"
    assert "engine" not in record.versions  # a linear model has no engine
    code, out = run("train", "moons", "--epochs", "5", "--db", db, "--json")
    assert RunStore(db).get(json.loads(out)["run_id"]).versions["engine"] == "numpy"  # how the MLP was trained
    code, out = run("train", "moons", "--epochs", "5", "--engine", "fused", "--db", db, "--json")
    assert RunStore(db).get(json.loads(out)["run_id"]).versions["engine"] == "fused"
    # the same command again is a second one-off run, not skipped
    code, out = run("train", "hall_petch", "--model", "linear", "--feature", "inv_sqrt", "--db", db, "--json")
    assert json.loads(out)["run_id"] != report["run_id"]
    # a diverging run is recorded as diverged with its epoch, and the command still exits 2
    code, out = run("train", "sinh", "--hidden", "64,64", "--eta", "1e6", "--epochs", "50", "--no-scale",
                    "-p", "x_max=6", "--db", db)
    assert code == 2, out
    diverged = RunStore(db).list_runs(status="diverged")
    assert len(diverged) == 1 and diverged[0].diverged_epoch is not None


# -- limits and small holes (issue 11) --------------------------------------------------------------

GRID_TOML = "\n".join(['name = "g"', "[task]", 'name = "and"', "[model]", 'kind = "neuron"', "[sweep.grid]",
                       *(f'"train.{key}" = [{", ".join(str(v) for v in range(1, 101))}]'
                         for key in ("max_epochs", "n_iter_no_change", "batch_size")),
                       f'"train.eta" = [{", ".join(str(v / 1000) for v in range(1, 101))}]']) + "\n"
RANDOM_TOML = ('name = "r"\n[task]\nname = "and"\n[model]\nkind = "neuron"\n[sweep.random]\ncount = 1000000000\n'
               '"train.eta" = { dist = "log-uniform", low = 0.001, high = 1.0 }\n')
CLI_ATTACKS = {
    "hidden 10^9": (["train", "moons", "--hidden", "1000000000"], "NEURONLAB_MAX_WIDTH"),
    "n_samples 2e9": (["train", "moons", "-p", "n_samples=2000000000"], "NEURONLAB_MAX_SAMPLES"),
    "grid of 10^8": (["sweep", "{dir}/grid.toml"], "NEURONLAB_MAX_RUNS"),
    "random count 10^9": (["sweep", "{dir}/random.toml"], "NEURONLAB_MAX_RUNS"),
}


def _cap_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))


@pytest.mark.parametrize("attack", list(CLI_ATTACKS))
def test_the_hostile_sizes_exit_2_with_one_line_under_a_memory_cap(attack: str, tmp_path: Path) -> None:
    """Each grew past 3 GB with no message.  Run as a real process with 2 GB of address space: without
    the limit it would die of MemoryError (exit 1, traceback), not print one line and exit 2."""
    (tmp_path / "grid.toml").write_text(GRID_TOML)
    (tmp_path / "random.toml").write_text(RANDOM_TOML)
    args, env_var = CLI_ATTACKS[attack]
    cmd = [sys.executable, "-m", "neuronlab", *(a.format(dir=tmp_path) for a in args), "--db", str(tmp_path / "r.db")]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, preexec_fn=_cap_memory, cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "over the limit of" in lines[0] and env_var in lines[0] and "Traceback" not in done.stderr
    assert not (tmp_path / "r.db").exists()  # refused before the store was even opened


@pytest.mark.parametrize(("args", "words"), [
    (["study", "hall-petch", "--folds", "1000000"], "--folds 1,000,000, over the limit of 100 folds"),
    (["train", "moons", "--epochs", "1000000000"], "train.max_epochs = 1,000,000,000"),
    (["train", "moons", "--batch-size", "1000000000"], "train.batch_size = 1,000,000,000"),
    (["train", "moons", "--hidden", "4096,4096,4096"], "33,579,009 weights"),
    (["train", "moons", "-p", "noise=1e308"], "noise must be between"),
    (["sweep", "{spec}", "--jobs", "1000000"], "--jobs 1,000,000, over the limit of"),
    (["sweep", "{spec}", "--executor", "dask", "--workers", "1000000"], "--workers 1,000,000, over the limit of"),
])
def test_other_sizes_from_the_command_line_exit_2_with_the_limit(args: list[str], words: str, tmp_path: Path) -> None:
    spec = tmp_path / "s.toml"
    spec.write_text('name = "s"\n[task]\nname = "and"\n[model]\nkind = "neuron"\n')
    result = CliRunner().invoke(app, [a.format(spec=spec) for a in args])
    assert result.exit_code == 2, result.output
    assert words in result.output and "Traceback" not in result.output, result.output
    assert result.output.count("error:") == 1


def test_a_csv_that_overflows_exits_2_with_one_line(tmp_path: Path) -> None:
    """Values near 1e308 made the scaler's variance overflow: a scikit-learn traceback, exit 1."""
    rng = np.random.default_rng(0)
    csv = tmp_path / "big.csv"
    csv.write_text("x1,x2,y\n" + "".join(f"{rng.random() * 1e308},{rng.random()},{i % 2}\n" for i in range(60)))
    result = CliRunner().invoke(app, ["train", str(csv), "--target", "y", "--epochs", "5"])
    assert result.exit_code == 2, result.output
    assert "column 'x1' has a value too large" in result.output and "Traceback" not in result.output


def test_a_one_class_csv_names_the_class_plainly(tmp_path: Path) -> None:
    csv = tmp_path / "one.csv"
    csv.write_text("x1,x2,y\n" + "".join(f"{i},{i % 3},1\n" for i in range(30)))
    result = CliRunner().invoke(app, ["train", str(csv), "--target", "y"])
    assert result.exit_code == 2, result.output
    assert "single class (1)" in " ".join(result.output.split()) and "np.int64" not in result.output


@pytest.mark.parametrize("db", ["::::", "runs", "no-such-folder/runs.db"])
def test_db_text_that_is_not_a_store_exits_2_and_creates_nothing(db: str, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """`--db '::::'` used to create a new empty store in the current folder and exit 0."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["runs", "list", "--db", db])
    assert result.exit_code == 2, result.output
    assert f"cannot use the store {db!r}" in result.output and result.output.count("error:") == 1
    assert list(tmp_path.iterdir()) == []
    created = CliRunner().invoke(app, ["runs", "list", "--db", "runs.db"])  # the documented form still works
    assert created.exit_code == 0, created.output
    assert (tmp_path / "runs.db").is_file()
