"""``neuronlab class share --url``: a run of the student's own store goes to the class on a real lab (uvicorn
on 127.0.0.1), its record only; the lab signs it with the token's member, and refuses a stranger in one line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from lab_process import serving
from typer.testing import CliRunner

from neuronlab.classroom import Classroom
from neuronlab.cli import app
from neuronlab.store import RunStore

runner = CliRunner()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    from neuronlab.web import create_app

    db = tmp_path_factory.mktemp("lab") / "lab.db"
    with serving(create_app(db)) as url:
        yield url, str(db)


def test_share_over_http_uploads_the_record_and_the_feed_shows_it(lab: tuple[str, str], tmp_path: Path) -> None:
    url, lab_db = lab
    room = Classroom(lab_db)
    cls, instructor = room.create_class(name="remote")
    ada = room.join(code=room.issue_join_codes(class_id=cls.id, instructor_token=instructor)[0], name="Ada")[1]
    room.close()
    mine = str(tmp_path / "mine.db")  # the student's own store, on their laptop
    result = runner.invoke(app, ["train", "and", "--db", mine, "--epochs", "5", "--json"])
    assert result.exit_code == 0, result.output
    local_id = json.loads(result.output)["run_id"]
    env = {"NEURONLAB_STUDENT_TOKEN": ada, "NEURONLAB_LAB_URL": url}
    result = runner.invoke(app, ["class", "share", str(local_id), "--runs-db", mine, "--note", "AND at home",
                                 "--json"], env=env)
    assert result.exit_code == 0, result.output
    shared = json.loads(result.output)
    assert (shared["class_id"], shared["author"]) == (cls.id, "Ada") and shared["note"].endswith("AND at home")
    on_lab = RunStore(lab_db).get(shared["run_id"])
    original = RunStore(mine).get(local_id)
    assert (on_lab.author, on_lab.class_id, on_lab.spec, on_lab.metrics) == ("Ada", cls.id, original.spec,
                                                                            original.metrics)
    assert on_lab.artifacts == ()  # its record only: no figures, no predictions

    result = runner.invoke(app, ["class", "share", str(local_id), "--runs-db", mine],
                           env={**env, "NEURONLAB_STUDENT_TOKEN": "nls_not-a-real-token"})
    assert result.exit_code == 2 and result.output.count("error:") == 1 and "unknown student token" in result.output
    result = runner.invoke(app, ["class", "share", str(local_id), "--runs-db", mine, "--db", lab_db], env=env)
    assert result.exit_code == 2 and "not both" in result.output, result.output
