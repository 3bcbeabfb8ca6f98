"""The 2-D regression surfaces from the command line: listed with their ceilings, trained, and a bad noise
refused in one line with exit status 2 (in a real process, as a student runs it)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from neuronlab.cli import app
from neuronlab.tasks import load_task

runner = CliRunner()


def test_tasks_lists_both_surfaces_with_their_ceiling_ranges() -> None:
    result = runner.invoke(app, ["tasks", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    for name in ("plane", "gauss_bumps"):
        row, task = rows[name], load_task(name)
        assert (row["kind"], row["n_features"], row["n_samples"]) == ("regression", 2, 400)
        assert row["ceiling"] == task.ceiling and row["ceiling_low"] < row["ceiling"] < row["ceiling_high"]
        assert row["n_test"] == len(task.y_test) == 80


@pytest.mark.parametrize(("name", "args", "least"), [
    ("plane", ["--epochs", "150"], 0.9),
    ("gauss_bumps", ["--hidden", "16,16", "--epochs", "300"], 0.7),
])
def test_train_fits_each_surface_and_reports_its_ceiling(name: str, args: list[str], least: float) -> None:
    result = runner.invoke(app, ["train", name, *args, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["kind"] == "regression" and report["ceiling"] == load_task(name).ceiling
    assert least <= report["metrics"]["test"]["r2"] <= report["metrics"]["ceiling_range"]["high"] + 0.02
    plain = runner.invoke(app, ["train", name, *args])  # the table a student reads: the range under it
    assert plain.exit_code == 0 and "on 80 test points the best possible model scores" in plain.output


@pytest.mark.parametrize("noise", ["-0.5", "nan", "lots"])
def test_a_bad_noise_is_one_line_and_exit_2_in_a_real_process(noise: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "neuronlab", "train", "plane", "-p", f"noise={noise}",
                           "--epochs", "1"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "noise" in lines[0] and "plane" in lines[0], lines
