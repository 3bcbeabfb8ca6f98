"""The run page's figures: a run recorded without them gets them drawn on its first view, then stored."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from neuronlab.experiments.runner import run_experiment
from neuronlab.experiments.spec import ExperimentSpec, loads_spec
from neuronlab.store import RunStore
from neuronlab.web import create_app

SPEC = """
name = "mlp on xor"

[task]
name = "xor"
params = { n_samples = 120 }

[model]
kind = "mlp"
hidden = [6]

[train]
eta = 0.05
max_epochs = 25
"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, RunStore, dict[str, int]]]:
    """A store with a 2-D run and a 4-feature run, both recorded without figures, and the app over it."""
    db = tmp_path_factory.mktemp("figs") / "lab.db"
    store = RunStore(db)
    ids = {}
    for name, text in (("xor", SPEC), ("iris", SPEC.replace('name = "xor"\nparams = { n_samples = 120 }',
                                                            'name = "iris"'))):
        spec = loads_spec(text)
        assert isinstance(spec, ExperimentSpec)
        outcome = run_experiment(spec, seed=0, store=store, figures=False)
        assert outcome.status == "done" and outcome.run_id is not None
        ids[name] = outcome.run_id
    app = create_app(db)
    with TestClient(app) as client:
        yield client, store, ids
    app.state.store.close()


def test_a_missing_figure_is_drawn_on_the_first_view_then_served_from_the_store(
        lab: tuple[TestClient, RunStore, dict[str, int]]) -> None:
    client, store, ids = lab
    run_id = ids["xor"]
    assert store.get(run_id).artifacts == ()
    for name in ("fit.png", "learning_curves.png"):
        first = client.get(f"/api/runs/{run_id}/artifacts/{name}")
        assert first.status_code == 200, first.text
        assert first.headers["content-type"] == "image/png" and first.content.startswith(b"\x89PNG\r\n\x1a\n")
        assert store.artifact(run_id, name) == first.content  # kept
        assert client.get(f"/api/runs/{run_id}/artifacts/{name}").content == first.content
    assert client.get(f"/api/runs/{run_id}").json()["artifacts"] == ["fit.png", "learning_curves.png"]


def test_the_run_page_shows_both_figures_stored_or_not(lab: tuple[TestClient, RunStore, dict[str, int]]) -> None:
    client, _, ids = lab
    page = client.get(f"/runs/{ids['iris']}").text
    for name in ("fit.png", "learning_curves.png"):
        assert f'src="/api/runs/{ids["iris"]}/artifacts/{name}"' in page
    # iris has four features: no fit to draw, a 404 that says why (the page's image removes itself)
    missing = client.get(f"/api/runs/{ids['iris']}/artifacts/fit.png")
    assert missing.status_code == 404 and "no natural picture" in missing.json()["detail"]
    assert client.get(f"/api/runs/{ids['iris']}/artifacts/learning_curves.png").status_code == 200


@pytest.mark.parametrize(("url", "says"), [
    ("/api/runs/{id}/artifacts/table.csv", "no artifact 'table.csv'"),  # not a figure: never drawn
    ("/api/runs/999/artifacts/fit.png", "no run 999"),
])
def test_what_cannot_be_drawn_is_a_404_with_one_line(lab: tuple[TestClient, RunStore, dict[str, int]], url: str,
                                                     says: str) -> None:
    client, _, ids = lab
    response = client.get(url.format(id=ids["xor"]))
    assert response.status_code == 404 and says in response.json()["detail"]
