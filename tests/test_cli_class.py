"""``neuronlab class ...``: tokens printed once, tasks added, codes issued, the ranking and export; errors exit 2."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from neuronlab.classroom import Classroom
from neuronlab.cli_class import register
from neuronlab.tasks import load_task

app = typer.Typer()
register(app)
runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_instructor_runs_a_class_from_the_command_line(tmp_path: Path) -> None:
    db = str(tmp_path / "class.db")
    code, out = run("class", "create", "NN 2026", "--db", db, "--json")
    assert code == 0, out
    made = json.loads(out)
    token, class_id = made["instructor_token"], str(made["class_id"])
    code, out = run("class", "add-task", class_id, "--token", token, "--task", "moons", "--param", "seed=4",
                    "--quota-total", "3", "--db", db, "--json")
    assert code == 0, out
    task = json.loads(out)
    assert task["n_test"] == 300 and task["n_public"] == 150 and task["warning"] is None  # moons grown: 150 public
    code, out = run("class", "codes", class_id, "-n", "2", "--db", db, env={"NEURONLAB_CLASS_TOKEN": token})
    assert code == 0, out
    codes = out.split()
    assert len(codes) == 2 and all(c.startswith("join-") for c in codes)

    room = Classroom(db)  # a student joins and submits through the library (the web does the same)
    _me, student = room.join(code=codes[0], name="Ada")
    built = load_task("moons", seed=4, **room.task_info(task_id=task["task_id"]).source["params"])
    room.submit(task_id=task["task_id"], student_token=student, predictions=built.y_test.tolist())
    room.close()
    code, out = run("class", "close", str(task["task_id"]), "--token", token, "--db", db, "--json")
    assert code == 0, out
    assert [(r["student"], r["private_score"]) for r in json.loads(out)] == [("Ada", 1.0)]
    code, out = run("class", "export", str(task["task_id"]), "--token", token, "--db", db)
    assert code == 0, out
    assert [r["student"] for r in csv.DictReader(io.StringIO(out))] == ["Ada"]


def test_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    db = str(tmp_path / "class.db")
    code, out = run("class", "create", "c", "--db", db, "--json")
    token = json.loads(out)["instructor_token"]
    for args, message in [(("class", "codes", "1", "--token", "not-a-token"), "unknown token"),
                          (("class", "codes", "7", "--token", token), "no class 7"),
                          (("class", "add-task", "1", "--token", token, "--task", "nope"), "unknown task"),
                          (("class", "add-task", "1", "--token", token, "--csv", str(tmp_path / "x.csv"),
                            "--target", "y"), "cannot read"),
                          (("class", "close", "3", "--token", token), "no task 3")]:
        code, out = run(*args, "--db", db)
        assert code == 2, out
        assert message in out and "Traceback" not in out


def test_add_task_derives_its_rules_and_prints_them(tmp_path: Path) -> None:
    db = str(tmp_path / "class.db")
    token = json.loads(run("class", "create", "c", "--db", db, "--json")[1])["instructor_token"]
    code, out = run("class", "add-task", "1", "--token", token, "--task", "moons", "--db", db)
    assert code == 0, out
    assert "ladder step 0.05 (derived from the public rows)" in out and "5 a day, no limit in all" in out
    assert "300 test rows (150 public)" in out and "warning" not in out
    code, out = run("class", "add-task", "1", "--token", token, "--task", "moons", "--name", "open",
                    "--ladder-step", "0.01", "--quota-per-day", "0", "--quota-total", "30", "--db", db, "--json")
    assert code == 0, out
    made = json.loads(out)
    assert (made["ladder_step"], made["quota_per_day"], made["quota_total"]) == (0.01, None, 30)
    for args, message in [(("--ladder-step", "steep"), "--ladder-step must be a number or 'derived'"),
                          (("--ladder-step", "0"), "ladder_step must be a number in (0, 1.0]"),
                          (("--quota-per-day", "-1"), "--quota-per-day must be 'default', 0 (no limit)"),
                          (("--quota-total", "lots"), "--quota-total must be 'default'")]:
        code, out = run("class", "add-task", "1", "--token", token, "--task", "moons", "--name", "x", *args,
                        "--db", db)
        assert code == 2 and message in out and "Traceback" not in out, out


def test_add_task_warns_in_one_line_when_the_public_part_is_too_small_to_hide(tmp_path: Path) -> None:
    # A bundled set keeps its size (breast_cancer: 114 test rows, 57 public), and so does a generated task
    # the instructor sized (moons' own 80 test rows): simulated attacks read too much of either board.
    db = str(tmp_path / "class.db")
    token = json.loads(run("class", "create", "c", "--db", db, "--json")[1])["instructor_token"]
    for args, rows in [(("--task", "breast_cancer"), 57), (("--task", "moons", "--param", "n_samples=400"), 40)]:
        code, out = run("class", "add-task", "1", "--token", token, *args, "--db", db)
        assert code == 0, out
        warnings = [line for line in out.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 1 and len(out.splitlines()) == 3, out  # the task, its rules, one warning line
        assert f"the public part has {rows} rows: a probing student may get up to" in warnings[0]
        assert "use more test rows (150 public hold at the default rules)" in warnings[0]
    code, out = run("class", "add-task", "1", "--token", token, "--task", "breast_cancer", "--name", "b2", "--db", db,
                    "--json")
    assert code == 0 and json.loads(out)["warning"].startswith("the public part has 57 rows"), out
