"""The 2-D regression surfaces in the playground: listed, trained (test R² rises, a linear net reaches the
plane's ceiling range), and drawn in Debian's chromium as a value heatmap with a low/middle/high legend."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neuronlab.playground import PlaygroundConfig, Session
from neuronlab.tasks import load_task

SURFACES = ("plane", "gauss_bumps")


def test_the_playground_lists_both_surfaces_as_two_input_regression_tasks(lab_url: str) -> None:
    with urllib.request.urlopen(f"{lab_url}/api/tasks", timeout=60) as response:
        rows = {t["name"]: t for t in json.load(response)}
    for name in SURFACES:
        assert rows[name]["kind"] == "regression" and rows[name]["n_features"] == 2
        assert rows[name]["params"] == {"noise": load_task(name).params["noise"], "n_samples": 400}
        assert rows[name]["ceiling"] == load_task(name).ceiling


@pytest.mark.parametrize(("name", "config", "epochs", "reach"), [
    ("plane", {}, 600, 0.85),
    ("gauss_bumps", {"hidden": (8, 8), "optimizer": "adam", "eta": 0.03}, 600, 0.8),
])
def test_a_session_on_each_surface_trains(name: str, config: dict[str, Any], epochs: int, reach: float) -> None:
    session = Session(PlaygroundConfig(task=name, **config))
    first = session.frame(session.snapshot())
    assert first["boundary"]["kind"] == "value"  # drawn as a value heatmap over the input plane
    y = session.task.y_train
    assert (first["boundary"]["lo"], first["boundary"]["hi"]) == (y.min(), y.max())
    r2 = [first["metrics"]["test"]["r2"]]
    for _ in range(3):
        session.train(epochs // 3)
        r2.append(session.frame(session.snapshot())["metrics"]["test"]["r2"])
    assert r2[0] < 0.2 and r2[1] > r2[0] + 0.3 and r2[-1] >= reach, r2  # rises, and stays up
    info = session.info()
    spread = info["ceiling_range"]
    assert info["ceiling"] == session.task.ceiling and spread["n"] == len(session.task.y_test) == 200
    assert spread["low"] < info["ceiling"] < spread["high"] and "200 test points" in info["ceiling_text"]


def test_a_linear_net_on_the_plane_lands_in_its_ceiling_range() -> None:
    """No hidden layer, identity activation: the net is the plane's own family (a·x1 + b·x2 + c), so once
    trained it scores what the best possible model scores: inside the printed range."""
    session = Session(PlaygroundConfig(task="plane", hidden=(), activation="identity", eta=0.1))
    session.train(300)
    score = session.frame(session.snapshot())["metrics"]["test"]["r2"]
    spread = session.task.ceiling_range()
    assert spread is not None and spread.contains(score), (score, spread)
    # and the net found the generator: predictions equal (x1 + x2)/10 up to the noise's estimation error
    grid = np.array([[-6.0, -6.0], [0.0, 0.0], [6.0, 6.0], [3.0, -1.0]])
    np.testing.assert_allclose(session.predict(grid), (grid[:, 0] + grid[:, 1]) / 10, atol=0.03)


@pytest.mark.slow
def test_picking_plane_shows_the_value_heatmap_and_its_legend(page: Any, lab_url: str, artifacts: Path) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{lab_url}/playground?task=moons&hidden=&activation=identity&epf=100")
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    assert page.text_content("#legend-mid") == "unsure"  # a classifier's middle is its doubt
    page.select_option("#task", "plane")
    page.wait_for_function("lab.info.task === 'plane' && !lab.busy", timeout=30_000)
    for _ in range(3):
        epoch = page.evaluate("lab.frame.epoch")
        page.click("#step")
        page.wait_for_function(f"lab.frame.epoch > {epoch}", timeout=30_000)
    assert page.evaluate("lab.frame.boundary.kind") == "value"
    assert page.evaluate("lab.frame.metrics.test.r2") > 0.9
    lo, hi = page.evaluate("[lab.frame.boundary.lo, lab.frame.boundary.hi]")
    assert page.text_content("#legend-0") == f"low {lo:.2f}" and page.text_content("#legend-1") == f"high {hi:.2f}"
    assert page.text_content("#legend-mid") == f"middle {(lo + hi) / 2:.2f}"
    # y = (x1 + x2)/10: low (orange) at the bottom left, high (blue) at the top right, pale along x1 = −x2
    corner = """(([x, y]) => { const d = document.querySelector('#boundary').getContext('2d')
        .getImageData(x, y, 24, 24).data; let r = 0, b = 0;
        for (let i = 0; i < d.length; i += 4) { r += d[i]; b += d[i + 2]; }
        return [r / (d.length / 4), b / (d.length / 4)]; })"""
    r, b = page.evaluate(corner, [2, 394])
    assert r - b > 80, (r, b)  # orange: much more red than blue
    r, b = page.evaluate(corner, [394, 2])
    assert b - r > 80, (r, b)  # blue
    # the data points carry their values in the same colours (they were grey): the lowest orange, the highest blue
    point = """((which) => { const t = lab.info.train, e = lab.info.extent, c = lab.points.layer;
        const i = t.y.indexOf(which === 'low' ? Math.min(...t.y) : Math.max(...t.y));
        const x = (t.x[i][0] - e.x_min) / (e.x_max - e.x_min) * c.width;
        const y = c.height - (t.x[i][1] - e.y_min) / (e.y_max - e.y_min) * c.height;
        const d = c.getContext('2d').getImageData(Math.round(x), Math.round(y), 1, 1).data;
        return [d[0], d[2]]; })"""
    r, b = page.evaluate(point, "low")
    assert r - b > 120, (r, b)
    r, b = page.evaluate(point, "high")
    assert b - r > 120, (r, b)
    page.screenshot(path=str(artifacts / "playground_plane.png"), full_page=True)
