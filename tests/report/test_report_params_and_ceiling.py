"""The lab notebook shows only the parameters a run's model has, and the ceiling with the range the
best possible model scores on the run's test split (recorded by real runs of `neuronlab train --db`)."""

from __future__ import annotations

import html
import re
from pathlib import Path

from typer.testing import CliRunner

from neuronlab.cli import app
from neuronlab.report import build_report
from neuronlab.store import RunStore


def _train(db: str, *args: str) -> None:
    result = CliRunner().invoke(app, ["train", *args, "--db", db])
    assert result.exit_code == 0, result.output


def test_neuron_runs_are_shown_without_an_mlp_s_hidden_widths_and_with_the_ceiling_range(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    _train(db, "gaussians", "--model", "neuron", "--eta", "0.05")
    _train(db, "gaussians", "--model", "neuron", "--eta", "0.01")
    _train(db, "gaussians", "--model", "linear")
    build_report(RunStore(db), tmp_path / "report", figures_per_task=0)
    page = html.unescape((tmp_path / "report" / "task-gaussians.html").read_text())
    # the spec's defaults for an MLP (model.hidden = [40]) and for training (a linear model has no η)
    # are no parameters of these runs: only model.kind, eta, … that each model really has
    assert "model.hidden" not in page and "model.backend" in page
    rows = {m.group(1): m.group(0) for m in re.finditer(r'<tr id="run-(\d+)".*?</tr>', page, re.S)}
    linear_row = rows["3"]
    assert "linear" in linear_row and "0.05" not in linear_row and "0.01" not in linear_row
    # the ceiling is given with the range of the best possible model on the 80 test points
    assert "0.825–0.963 on 80 test points" in page
    assert "the best any model" not in page
    index = html.unescape((tmp_path / "report" / "index.html").read_text())
    assert "the best any model" not in index and "sometimes above" in index
