"""``neuronlab class join/fetch/submit``: a student's side of the scoreboard, through the store and a real lab.

What is attacked: the fetched inputs must be the class task's own (drawn with the class's seed, not
``load_task(name, seed=0)``); a malformed file (wrong row count, a class the task lacks) is refused before
it is sent and costs no submission; a wrong token, an unknown task, another class's task and an
unreachable lab are each one line and exit 2.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import typer
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from neuronlab.classroom import Classroom
from neuronlab.classroom.models import ClassAnswers
from neuronlab.classroom.sizing import class_params
from neuronlab.cli_class import register
from neuronlab.tasks import load_task
from web.lab_process import free_port, serving

app = typer.Typer()
register(app)
runner = CliRunner()
SEED = 4  # the class task's seed, set by hand here so the test can rebuild its test set


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def class_task(db: str, *, task: str = "moons", name: str | None = None) -> tuple[str, int, int, list[str]]:
    """A class with one task (seed SEED) and three join codes: (instructor token, class id, task id, codes)."""
    room = Classroom(db)
    try:
        cls, instructor = room.create_class(name="NN 2026")
        info = room.add_task(class_id=cls.id, instructor_token=instructor, task=task, name=name,
                             params={"seed": SEED}, ladder_step=0.001)
        codes = room.issue_join_codes(class_id=cls.id, instructor_token=instructor, n=3)
    finally:
        room.close()
    return instructor, cls.id, info.id, codes


def withheld(db: str, task_id: int) -> tuple[np.ndarray, np.ndarray]:
    """The test labels and the public rows, read from the table the way only the service may."""
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        row = conn.execute(select(ClassAnswers.y_test, ClassAnswers.public_rows)
                           .where(ClassAnswers.task_id == task_id)).one()
    engine.dispose()
    return np.asarray(row.y_test), np.asarray(row.public_rows)


def join(where: list[str], code: str, name: str) -> str:
    status, out = run("class", "join", code, "--name", name, *where)
    assert status == 0, out
    return out.strip().splitlines()[-1]


def submissions(db: str, task_id: int, instructor: str) -> int:
    room = Classroom(db)
    try:
        return len(room.export_csv(task_id=task_id, instructor_token=instructor).strip().splitlines()) - 1
    finally:
        room.close()


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[tuple[str, str]]:
    from neuronlab.web import create_app

    db = str(tmp_path / "lab.db")
    with serving(create_app(db)) as url:
        yield url, db


def test_fetch_writes_the_class_tasks_own_inputs_and_submit_scores_them(tmp_path: Path) -> None:
    db = str(tmp_path / "class.db")
    instructor, _, task_id, codes = class_task(db)
    status, out = run("class", "fetch", "moons", "--db", db, "--code", codes[0], "--name", "Ada",
                      "--out", str(tmp_path / "inputs.csv"))
    assert status == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("joined class") and lines[1].startswith("nls_"), out  # printed once, alone
    token = lines[1].strip()
    fetched = np.loadtxt(tmp_path / "inputs.csv", delimiter=",", skiprows=1)
    built = load_task("moons", seed=SEED, **class_params("moons", {}, public_fraction=0.5))
    np.testing.assert_array_equal(fetched[:, 0], np.arange(len(built.y_test)))
    np.testing.assert_allclose(fetched[:, 1:], built.X_test)  # the class's test set …
    assert fetched.shape[0] != len(load_task("moons", seed=0).X_test) or \
        not np.allclose(fetched[:, 1:], load_task("moons", seed=0).X_test)  # … not seed 0's

    y, public = withheld(db, task_id)
    guess = np.where(fetched[:, 1] > 0.5, 0, 1)  # a crude rule: its board value must be its public accuracy
    (tmp_path / "guess.csv").write_text("id,prediction\n" + "".join(f"{i},{p}\n" for i, p in enumerate(guess)))
    status, out = run("class", "submit", str(task_id), str(tmp_path / "guess.csv"), "--db", db, "--token", token,
                      "--json")
    assert status == 0, out
    done = json.loads(out)
    assert done["status"] == "scored"
    assert done["published"] == pytest.approx(np.mean(guess[public] == y[public]), abs=0.0006)  # η = 0.001

    np.save(tmp_path / "truth.npy", y.astype(int))
    status, out = run("class", "submit", "moons", str(tmp_path / "truth.npy"), "--db", db, "--token", token)
    assert status == 0 and "your board value 1 (new best)" in out, out
    assert submissions(db, task_id, instructor) == 2


def test_bad_input_is_one_line_exit_2_and_costs_no_submission(tmp_path: Path) -> None:
    db = str(tmp_path / "class.db")
    instructor, _, task_id, codes = class_task(db)
    token = join(["--db", db], codes[0], "Ada")
    short = tmp_path / "short.csv"
    short.write_text("id,prediction\n" + "".join(f"{i},1\n" for i in range(10)))
    alien = tmp_path / "alien.csv"
    alien.write_text("id,prediction\n" + "".join(f"{i},cat\n" for i in range(300)))
    other_db = str(tmp_path / "other.db")
    *_, other_codes = class_task(other_db)
    cases = [
        (("class", "submit", "moons", str(short), "--db", db, "--token", token), "expected 300 predictions"),
        (("class", "submit", "moons", str(alien), "--db", db, "--token", token), "not a class of this task"),
        (("class", "submit", "moons", str(tmp_path / "none.csv"), "--db", db, "--token", token), "no such file"),
        (("class", "submit", "moons", str(short), "--db", db, "--token", "nls_student_wrong"), "unknown student token"),
        (("class", "fetch", "moons", "--db", db, "--token", "nls_student_wrong"), "unknown student token"),
        (("class", "fetch", "spirals", "--db", db, "--token", token), "has no task 'spirals'; its tasks: 'moons'"),
        (("class", "fetch", "99", "--db", db, "--token", token), "no task 99"),
        (("class", "fetch", "moons", "--db", db), "give the class (--class ID) or your token"),
        (("class", "fetch", str(task_id), "--db", db, "--token", instructor), "for students"),
        (("class", "submit", "moons", "--db", db, "--token", token), "exactly one"),
        (("class", "submit", "moons", str(short), "--run", "1", "--db", db, "--token", token), "exactly one"),
        (("class", "submit", "moons", "--run", "7", "--db", db, "--token", token), "no run 7"),
        (("class", "fetch", "moons", "--db", db, "--token", token, "--out", str(tmp_path / "x.txt")), ".csv or .npy"),
        (("class", "fetch", "moons", "--token", token), "exactly one"),
        (("class", "fetch", "moons", "--db", db, "--code", codes[1]), "needs --name"),
        (("class", "fetch", "moons", "--db", db, "--code", "join-nope", "--name", "Bo"), "unknown join code"),
    ]
    for args, message in cases:
        status, out = run(*args)
        assert status == 2, (args, out)
        assert message in out and "Traceback" not in out, (args, out)
        assert len(out.strip().splitlines()) == 1, out
    assert submissions(db, task_id, instructor) == 0  # nothing malformed reached the board

    other_token = join(["--db", other_db], other_codes[0], "Cy")
    status, out = run("class", "fetch", "1", "--db", db, "--token", other_token)  # a token of another store's class
    assert status == 2 and "unknown student token" in out, out


def test_through_a_real_lab_fetch_npy_and_submit_a_stored_run(lab: tuple[str, str], tmp_path: Path) -> None:
    url, db = lab
    instructor, _, task_id, codes = class_task(db)
    token = join(["--url", url], codes[0], "Ada")
    status, out = run("class", "fetch", "moons", "--url", url, "--token", token, "--out", str(tmp_path / "x.npy"))
    assert status == 0, out
    X = np.load(tmp_path / "x.npy")
    built = load_task("moons", seed=SEED, **class_params("moons", {}, public_fraction=0.5))
    np.testing.assert_allclose(X, built.X_test)

    from neuronlab.experiments.runner import run_experiment
    from neuronlab.experiments.spec import loads_spec
    from neuronlab.store import RunStore

    runs_db = str(tmp_path / "runs.db")
    spec = loads_spec('name = "moons mlp"\n[task]\nname = "moons"\n[model]\nkind = "mlp"\nhidden = [16]\n'
                      '[train]\nmax_epochs = 150\n', source="<test>")
    store = RunStore(runs_db)
    try:
        outcome = run_experiment(spec, seed=0, store=store, figures=False)  # type: ignore[arg-type]
        run_id = store.list_runs()[0].id
    finally:
        store.close()
    assert outcome.status == "done"
    status, out = run("class", "submit", "moons", "--run", str(run_id), "--runs-db", runs_db, "--url", url,
                      "--token", token, "--json")
    assert status == 0, out
    done = json.loads(out)
    assert done["status"] == "scored" and done["published"] >= 0.85  # a trained MLP on the right inputs

    status, out = run("class", "submit", "moons", "--run", str(run_id), "--runs-db", runs_db, "--url", url,
                      "--token", "nls_student_wrong")
    assert status == 2 and "unknown student token" in out, out
    dead = f"http://127.0.0.1:{free_port()}"
    status, out = run("class", "fetch", "moons", "--url", dead, "--token", token)
    assert status == 2 and f"cannot reach the lab at {dead}" in out and "Traceback" not in out, out
    status, out = run("class", "fetch", "moons", "--url", "ftp://example", "--token", token)
    assert status == 2 and "must start with http://" in out, out
    assert submissions(db, task_id, instructor) == 1
