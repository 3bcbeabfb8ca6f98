"""Grading runs the notebook in a kernel and finds each exercise by name, however the cells were rearranged."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode

from neuronlab.errors import ConfigError, DataError
from neuronlab.practicals import check_notebook
from neuronlab.practicals.build import build
from neuronlab.practicals.source import exercise_of, read_notebook

SECTION_3_2 = Path(__file__).resolve().parents[2] / "notebooks" / "imperial_3_2_numpy_neuron.py"


@pytest.fixture(autouse=True)
def _kernel_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kernels inherit this: one thread, and a store in tmp."""
    monkeypatch.setenv("NEURONLAB_DB", str(tmp_path / "runs.db"))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")


def exercises_of_3_2() -> NotebookNode:
    """§3.2's instructor notebook up to the training loop's check: the three exercises, none of the runs
    (and lighter imports than the notebook's set-up cell, which also loads torch and the plots)."""
    nb = read_notebook(SECTION_3_2)
    end = next(i for i, c in enumerate(nb.cells) if c.source.startswith('check("training_loop"'))
    nb.cells = nb.cells[:end + 1]
    setup = next(c for c in nb.cells if "notebook_setup()" in c.source)
    setup.source = "import numpy as np\n\nfrom neuronlab.practicals import check"
    return nb


def write(nb: NotebookNode, path: Path) -> Path:
    nbformat.write(nb, path)
    return path


def test_moved_cells_still_pass_and_a_wrong_sign_fails(tmp_path: Path) -> None:
    nb = exercises_of_3_2()
    exercise_cells = [c for c in nb.cells if exercise_of(c)]
    nb.cells = [c for c in nb.cells if not exercise_of(c)] + exercise_cells[::-1]  # defined last, in reverse
    loop = exercise_cells[-1]
    assert exercise_of(loop) == "training_loop" and "e = t - y" in loop.source
    loop.source = loop.source.replace("e = t - y", "e = y - t")  # the slide's sign slip
    report = check_notebook(write(nb, tmp_path / "moved.ipynb"), workdir=tmp_path)
    assert {r.exercise: r.status for r in report.exercises} == {
        "sigmoid": "passed", "neuron": "passed", "training_loop": "failed"}
    assert "uphill" in next(r.message for r in report.exercises if r.exercise == "training_loop")
    assert any("NameError" in e for e in report.cell_errors)  # the check cells ran before the definitions
    assert not report.passed and report.n_passed == 2


def test_deleted_and_broken_cells_are_reported_not_fatal(tmp_path: Path) -> None:
    nb = exercises_of_3_2()
    nb.cells = [c for c in nb.cells if exercise_of(c) != "neuron"]
    sigmoid = next(c for c in nb.cells if exercise_of(c) == "sigmoid")
    sigmoid.source = sigmoid.source.replace("return np.where(", "return np.where((")  # a SyntaxError
    nb.metadata["neuronlab"] = {"exercises": ["sigmoid", "neuron", "training_loop"]}
    report = check_notebook(write(nb, tmp_path / "deleted.ipynb"), workdir=tmp_path)
    statuses = {r.exercise: r for r in report.exercises}
    assert statuses["sigmoid"].status == "error" and "SyntaxError" in statuses["sigmoid"].message
    assert statuses["neuron"].status == "missing" and "# exercise: neuron" in statuses["neuron"].message
    assert statuses["training_loop"].status == "failed"
    assert "NameError" in statuses["training_loop"].message and "neuron" in statuses["training_loop"].message


SLOW_SOURCE = '''# %%
import numpy as np

# %%
import time
time.sleep(60)

# %%
after_the_timeout = True

# %%
# exercise: sigmoid
def sigmoid(a):
    ### BEGIN SOLUTION
    return np.exp(-np.logaddexp(0.0, -a))
    ### END SOLUTION
'''


def test_a_student_copy_reports_todo_and_survives_a_cell_timeout(tmp_path: Path) -> None:
    (tmp_path / "slow.py").write_text(SLOW_SOURCE, encoding="utf-8")
    (built,) = build(tmp_path / "slow.py", tmp_path / "student")
    before = built.path.read_bytes()
    report = check_notebook(built.path, timeout_per_cell=2, workdir=tmp_path)
    assert built.path.read_bytes() == before  # the executed notebook is not written back
    (sigmoid,) = report.exercises
    assert sigmoid.status == "todo" and "still raises NotImplementedError" in sigmoid.message
    assert report.cells_run == 4  # the run went on after the interrupted cell
    assert report.cell_errors == ["cell 2: CellTimeoutError: the cell ran longer than the per-cell time-out and "
                                  "was stopped"]
    assert json.loads(json.dumps(report.to_dict()))["exercises"][0]["status"] == "todo"
    assert report.text().splitlines()[-1].startswith("0/1 exercises passed; 4 cells ran")


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="timeout_per_cell"):
        check_notebook(SECTION_3_2, timeout_per_cell=0)
    with pytest.raises(DataError, match="no such file"):
        check_notebook(tmp_path / "nope.ipynb")
