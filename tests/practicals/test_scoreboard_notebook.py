"""§3.3's scoreboard section end to end: the instructor notebook (the reference solution filled in) fetches the
class task's test inputs from a real lab on 127.0.0.1, submits, and the board shows the model's accuracy on the
withheld labels.  Before, the section predicted ``load_task("moons", seed=0).X_test`` (other points: ~0.45 on
the board) and named a submit command that did not exist.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest
from sqlalchemy import create_engine, select

from neuronlab.classroom import Classroom
from neuronlab.classroom.models import ClassAnswers
from neuronlab.practicals import check_notebook
from neuronlab.practicals.source import read_notebook
from web.lab_process import serving

SECTION_3_3 = Path(__file__).resolve().parents[2] / "notebooks" / "imperial_3_3_pytorch_mlp.py"
# Cells of sections 3-8 that the scoreboard section does not need (runs, sweeps, plots): left out to save time.
NOT_NEEDED = ("check(", "record_runs(", "xor = nl.load_task", "layer = next(")


def withheld(db: str, task_id: int) -> tuple[np.ndarray, np.ndarray]:
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        row = conn.execute(select(ClassAnswers.y_test, ClassAnswers.public_rows)
                           .where(ClassAnswers.task_id == task_id)).one()
    engine.dispose()
    return np.asarray(row.y_test), np.asarray(row.public_rows)


@pytest.mark.slow
def test_the_notebook_submits_to_a_real_lab_and_the_board_shows_its_accuracy(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from neuronlab.web import create_app

    db = str(tmp_path / "lab.db")
    room = Classroom(db)
    cls, instructor = room.create_class(name="NN 2026")
    task = room.add_task(class_id=cls.id, instructor_token=instructor, task="moons", params={"seed": 11},
                         ladder_step=0.001)
    (code,) = room.issue_join_codes(class_id=cls.id, instructor_token=instructor, n=1)
    _, token = room.join(code=code, name="Ada")

    nb = read_notebook(SECTION_3_3)
    nb.cells = [c for c in nb.cells if c.cell_type != "code" or not any(s in c.source for s in NOT_NEEDED)]
    path = tmp_path / "filled.ipynb"
    nbformat.write(nb, path)
    with serving(create_app(db)) as url:
        for key, value in {"NEURONLAB_LAB_URL": url, "NEURONLAB_STUDENT_TOKEN": token, "NEURONLAB_CLASS_TASK": "moons",
                           "NEURONLAB_DB": str(tmp_path / "runs.db"), "OMP_NUM_THREADS": "1",
                           "MPLBACKEND": "Agg"}.items():
            monkeypatch.setenv(key, value)
        report = check_notebook(path, workdir=tmp_path)
    assert report.passed and report.cell_errors == [], (report.text(), report.cell_errors)

    predicted = np.loadtxt(tmp_path / "predictions.csv", delimiter=",", skiprows=1, dtype=int)
    y, public = withheld(db, task.id)
    assert predicted.shape == (task.n_test, 2) and (predicted[:, 0] == np.arange(task.n_test)).all()
    accuracy = float(np.mean(predicted[public, 1] == y[public]))
    board = room.public_board(task_id=task.id)
    room.close()
    (row,) = board.rows
    assert row.student == "Ada" and row.submissions == 1
    assert row.published == pytest.approx(accuracy, abs=0.0006)  # the Ladder rounds to its step, 0.001
    assert accuracy >= 0.9  # a trained MLP on the class's own inputs, not chance
