"""The single-neuron page's Bayesian mode: its numbers are the Bayesian neuron's own (an oracle fitted here),
the moderated output is never more confident than the most probable neuron and keeps its 0.5 line, and a
task it cannot draw is one clear 400."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuronlab.estimators.bayes_neuron import BayesianNeuronClassifier
from neuronlab.playground import NeuronConfig
from neuronlab.playground.config import load_data
from neuronlab.web import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = create_app(tmp_path_factory.mktemp("bayes") / "lab.db")
    with TestClient(app) as c:
        yield c
    app.state.store.close()


def _view(client: TestClient, config: dict[str, Any], query: str = "") -> Any:
    nid = client.post("/api/neuron", json={"config": config}).json()["id"]
    return client.get(f"/api/neuron/{nid}/bayes{query}")


@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_the_view_is_the_bayesian_neurons_own_laplace_prediction(client: TestClient, alpha: float) -> None:
    config = {"task": "gaussians", "alpha": alpha, "seed": 3}
    answer = _view(client, config)
    assert answer.status_code == 200, answer.text
    out = answer.json()
    assert out["posterior"] == "laplace" and out["levels"] == [0.1, 0.5, 0.9]
    assert out["alpha"] == (alpha or 0.01)  # a prior needs a precision: MacKay's 0.01 when the page's α is 0
    n = out["shape"][0]
    mod, mp = (np.asarray(out[k]).reshape(n, n) for k in ("moderated", "most_probable"))

    # The oracle: the same classifier fitted here, asked at the same points (row 0 is the top, y max).
    task = load_data(NeuronConfig(**config))
    oracle = make_pipeline(StandardScaler(), BayesianNeuronClassifier(alpha=out["alpha"], posterior="laplace",
                                                                      random_state=3)).fit(task.X_train, task.y_train)
    e = out["extent"]
    xx, yy = np.meshgrid(np.linspace(e["x_min"], e["x_max"], n), np.linspace(e["y_max"], e["y_min"], n))
    points = np.column_stack([xx.ravel(), yy.ravel()])
    np.testing.assert_allclose(mod.ravel(), oracle.predict_proba(points)[:, 1], atol=1e-4)
    np.testing.assert_allclose(mp.ravel(), oracle[-1].most_probable_proba(oracle[0].transform(points))[:, 1],
                               atol=1e-4)

    # MacKay's moderation: the same side of 0.5 everywhere, never more confident, and visibly less far out.
    assert np.all((mod - 0.5) * (mp - 0.5) >= 0)
    assert np.all(np.abs(mod - 0.5) <= np.abs(mp - 0.5) + 1e-6)
    assert np.abs(mod - 0.5).min() < np.abs(mp - 0.5).max()
    assert (np.abs(mp - 0.5) - np.abs(mod - 0.5)).max() > 0.05


def test_tasks_it_cannot_draw_are_one_line_400s(client: TestClient) -> None:
    for config in ({"task": "sin"}, {"task": "square"}):
        answer = _view(client, config)
        assert answer.status_code == 400 and "\n" not in answer.json()["detail"], answer.text
        assert "two-class" in answer.json()["detail"]
    assert _view(client, {"task": "and"}, "?posterior=magic").status_code == 422
    assert client.get("/api/neuron/nosuch/bayes").status_code == 404


@pytest.mark.slow
def test_the_page_draws_both_boundaries_in_bayesian_mode(page: Any, lab_url: str, artifacts: Path) -> None:
    page.goto(f"{lab_url}/neuron?task=gaussians&bayes=true")
    page.wait_for_selector("body[data-ready='1']", timeout=60_000)
    page.wait_for_function("nb.bayes !== null && nb.bayes !== undefined", timeout=60_000)
    assert page.is_visible("#bayes-view") and "laplace" in page.text_content("#bayes-what")
    blank = page.evaluate("(() => { const c = document.createElement('canvas'); c.width = c.height = 320;"
                          " return c.toDataURL(); })()")
    assert page.evaluate("document.querySelector('#bayes-canvas').toDataURL()") != blank
    page.screenshot(path=str(artifacts / "neuron_bayesian.png"), full_page=True)
    page.uncheck("#bayes")  # by keyboard-reachable checkbox; the view goes, the neuron stays where it was
    assert not page.is_visible("#bayes-view") and "bayes" not in page.url
