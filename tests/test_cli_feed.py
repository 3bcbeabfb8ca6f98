"""The class feed from a terminal: ``run --class``, ``class share``, ``runs list --class``, ``runs export --class``.

Errors are one line and exit status 2: no token, another class's token, a student exporting, a run shared twice.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from neuronlab.classroom import Classroom
from neuronlab.cli import app

runner = CliRunner()
SPEC = 'name = "and by hand"\nseeds = [0]\n[task]\nname = "and"\n[model]\nkind = "neuron"\n[train]\nmax_epochs = 20\n'


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"NEURONLAB_CLASS_TOKEN": "", "NEURONLAB_STUDENT_TOKEN": "",
                                                 **(env or {})})
    return result.exit_code, result.output


@dataclass
class Class:
    db: str
    class_id: int
    instructor: str
    ada: str
    eve: str  # another class's student


@pytest.fixture
def klass(tmp_path: Path) -> Class:
    db = str(tmp_path / "class.db")
    room = Classroom(db)
    cls, instructor = room.create_class(name="NN")
    other, other_instructor = room.create_class(name="other")
    ada = room.join(code=room.issue_join_codes(class_id=cls.id, instructor_token=instructor)[0], name="Ada")[1]
    eve = room.join(code=room.issue_join_codes(class_id=other.id, instructor_token=other_instructor)[0], name="Eve")[1]
    room.close()
    return Class(db, cls.id, instructor, ada, eve)


def _one_error(code: int, out: str, words: str) -> None:
    assert code == 2, out
    assert words in out and out.count("error:") == 1 and "Traceback" not in out, out


def test_run_with_class_shares_the_new_run_and_the_class_lists_it(klass: Class, tmp_path: Path) -> None:
    spec = tmp_path / "and.toml"
    spec.write_text(SPEC)
    code, out = run("run", str(spec), "--db", klass.db, "--class", str(klass.class_id), "--note", "AND is separable",
                    env={"NEURONLAB_STUDENT_TOKEN": klass.ada})
    assert code == 0, out
    assert f"on the feed of class {klass.class_id}" in out and "by Ada" in out
    code, out = run("runs", "list", "--db", klass.db, "--class", str(klass.class_id), "--token", klass.ada, "--json")
    assert code == 0, out
    (entry,) = json.loads(out)
    assert (entry["author"], entry["task"], entry["metric"]) == ("Ada", "and", "accuracy")
    assert entry["note"].endswith("AND is separable") and entry["ceiling"] > 0.99
    code, out = run("runs", "list", "--db", klass.db, "--class", str(klass.class_id), "--token", klass.ada)
    assert code == 0 and "Ada" in out and "1 run(s) of class" in out, out
    # The same spec again records nothing new, so nothing is shared twice: one clear line.
    code, out = run("run", str(spec), "--db", klass.db, "--class", str(klass.class_id), "--token", klass.ada)
    _one_error(code, out, "no new run was recorded")
    code, out = run("run", str(spec), "--db", klass.db, "--class", str(klass.class_id))
    _one_error(code, out, "needs your student token")


def test_share_then_list_and_export_refuse_other_classes_and_students(klass: Class, tmp_path: Path) -> None:
    code, out = run("train", "and", "--db", klass.db, "--epochs", "5", "--json")
    assert code == 0, out
    run_id = str(json.loads(out)["run_id"])
    code, out = run("class", "share", run_id, "--note", "=1+1 from a notebook", "--db", klass.db, "--token", klass.ada)
    assert code == 0 and "by Ada" in out, out
    code, out = run("class", "share", run_id, "--db", klass.db, "--token", klass.eve)
    _one_error(code, out, "already saved in a class")
    code, out = run("class", "share", "9999", "--db", klass.db, "--token", klass.ada)
    _one_error(code, out, "no run 9999")

    code, out = run("runs", "list", "--db", klass.db, "--class", str(klass.class_id), "--token", klass.eve)
    _one_error(code, out, f"not in class {klass.class_id}")
    code, out = run("runs", "list", "--db", klass.db, "--class", str(klass.class_id))
    _one_error(code, out, "token")

    code, out = run("runs", "export", "--db", klass.db, "--class", str(klass.class_id),
                    env={"NEURONLAB_CLASS_TOKEN": klass.instructor})
    assert code == 0, out
    (row,) = csv.DictReader(io.StringIO(out))
    assert row["author"] == "Ada" and row["id"] == run_id and row["notes"].endswith("=1+1 from a notebook")
    code, out = run("runs", "export", "--db", klass.db, "--class", str(klass.class_id), "--token", klass.ada)
    _one_error(code, out, "only the instructor")
    code, out = run("runs", "export", "--db", klass.db, "--format", "json")
    assert code == 0 and json.loads(out)[0]["author"] == "Ada", out  # the store's owner sees everything
