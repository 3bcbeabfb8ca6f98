"""The playground shows the ceiling with the range of the best possible model on its test split, and
its refusal of a task it cannot draw names the command that trains it (served by a real uvicorn)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lab_process import NEURONLAB, serving

from neuronlab.tasks import load_task
from neuronlab.web import create_app

STATIC = Path(__file__).parents[2] / "src" / "neuronlab" / "web" / "static"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(create_app(tmp_path_factory.mktemp("lab") / "lab.db")) as url:
        yield url


def test_the_ceiling_comes_with_the_range_of_its_test_split(lab: str) -> None:
    r = httpx.post(f"{lab}/api/playground", json={"config": {"task": "gaussians", "train_ratio": 0.5}}, timeout=30)
    assert r.status_code == 201, r.text
    info = r.json()["info"]
    n_test = len(info["test"]["y"])
    expected = load_task("gaussians", val_fraction=0.0, test_fraction=0.5).ceiling_range()
    assert expected is not None and n_test == expected.n == 200
    assert info["ceiling_range"] == expected.to_dict()
    assert info["ceiling_text"] == expected.sentence()
    assert f"on {n_test} test points the best possible model scores" in info["ceiling_text"]
    # the page shows that text, not the bare expectation
    assert "out.info.ceiling_text" in (STATIC / "js" / "playground.js").read_text()
    page = httpx.get(f"{lab}/playground", timeout=30).text
    assert "best any model" not in page and "best possible test score" not in page


def test_a_bundled_task_is_refused_with_the_train_command_that_works(lab: str, tmp_path: Path) -> None:
    r = httpx.post(f"{lab}/api/playground", json={"config": {"task": "iris"}}, timeout=30)
    assert r.status_code == 400
    detail = r.json()["detail"]
    assert "`neuronlab train iris`" in detail and "neuronlab run`" not in detail
    # and the command named really trains it
    done = subprocess.run([str(NEURONLAB), "train", "iris", "--model", "linear"], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
