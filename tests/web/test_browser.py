"""The lab in a real browser (Debian's chromium via Playwright): train, share the URL, step the neuron.

The lab, the browser and the page come from conftest.py (a free 127.0.0.1 port, a fresh store, Debian's
chromium); screenshots are kept under test-artifacts/ (gitignored).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from browsing import ready

from neuronlab.nn.neuron import Neuron
from neuronlab.playground import NeuronConfig
from neuronlab.playground.neuron import neuron_inputs

pytestmark = pytest.mark.slow


def boundary(page: Any) -> str:
    return str(page.evaluate("document.querySelector('#boundary').toDataURL()"))


def test_activation_training_and_the_url_restore_the_same_state(page: Any, browser: Any, lab_url: str,
                                                                  artifacts: Path) -> None:
    ready(page, f"{lab_url}/playground", timeout=20_000)
    tanh = boundary(page)
    old = page.evaluate("lab.session")
    page.select_option("#activation", "relu")
    page.wait_for_function(f"lab.session && lab.session !== {old!r} && lab.frame.epoch === 0")
    relu = boundary(page)
    assert relu != tanh, "changing the activation must change the initial boundary"
    assert "activation=relu" in page.url

    page.click("#play")
    page.wait_for_function("lab.frame.epoch >= 40", timeout=30_000)
    page.click("#play")  # pause
    page.wait_for_function("lab.source === null")
    trained = boundary(page)
    assert trained != relu, "training must move the boundary"
    page.fill("#sw-layer", "1")
    page.fill("#sw-row", "0")
    page.fill("#sw-col", "1")
    page.fill("#sw-value", "2.5")
    page.click("#set-weight button")
    page.wait_for_function("lab.state.edits.length === 1")
    edited = boundary(page)
    epoch = page.evaluate("lab.frame.epoch")
    assert re.search(rf"epoch={epoch}\b", page.url) and "edits=" in page.url
    page.screenshot(path=str(artifacts / "playground_trained.png"), full_page=True)

    # The URL alone rebuilds the state: same controls, same epoch, same weights, same picture.
    other = browser.new_page(viewport={"width": 1300, "height": 950})
    try:
        ready(other, page.url, timeout=20_000)
        assert other.input_value("#activation") == "relu"
        assert other.evaluate("lab.frame.epoch") == epoch
        assert other.evaluate("JSON.stringify(lab.frame.weights)") == page.evaluate("JSON.stringify(lab.frame.weights)")
        assert boundary(other) == edited
        other.screenshot(path=str(artifacts / "playground_from_url.png"), full_page=True)
    finally:
        other.close()


def test_bad_input_shows_a_clear_error_and_save_as_run(page: Any, lab_url: str, artifacts: Path) -> None:
    ready(page, f"{lab_url}/playground?task=xor", timeout=20_000)
    page.fill("#eta", "-1")
    page.locator("#eta").blur()  # a changed input fires "change" when it loses focus
    page.wait_for_function("document.querySelector('#error').textContent.length > 0")
    assert "config.eta" in page.text_content("#error")
    page.fill("#eta", "0.5")
    page.locator("#eta").blur()
    page.wait_for_function("document.querySelector('#error').textContent === '' && !lab.busy")
    page.click("#step")
    page.wait_for_function("lab.frame.epoch === 5")
    page.click("#save")
    page.wait_for_selector("#saved a")
    page.click("#saved a")
    page.wait_for_url("**/runs/*")
    page.wait_for_selector("body[data-ready='1']")
    assert "playground on xor" in page.text_content("h1")
    page.fill("#note", "relu on xor after five epochs")
    page.click("#note-form button")
    page.wait_for_function("document.querySelector('#notes').textContent.includes('five epochs')")
    page.screenshot(path=str(artifacts / "run_page.png"), full_page=True)
    page.click("#reopen")  # the saved spec is the playground's state: back to the same epoch
    page.wait_for_url("**/playground?**")
    page.wait_for_selector("body[data-ready='1']")
    assert page.evaluate("lab.frame.epoch") == 5 and page.input_value("#task") == "xor"


def _numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text)]


def test_single_neuron_step_through_shows_neuron_step(page: Any, lab_url: str, artifacts: Path) -> None:
    ready(page, f"{lab_url}/neuron?task=and&eta=0.05&seed=0", timeout=20_000)
    config = NeuronConfig(task="and", eta=0.05, seed=0)
    X, t, _ = neuron_inputs(config)
    oracle = Neuron(2, "sigmoid", seed=0)
    for step in (1, 2):
        trace = oracle.step(X, t, config.eta)
        page.click("#step")
        page.wait_for_function(f"document.querySelector('#step-count').textContent === '{step}'")
        np.testing.assert_allclose(_numbers(page.text_content("#dw")), trace.dw, rtol=1e-5)
        assert _numbers(page.text_content("#db"))[0] == pytest.approx(trace.db, rel=1e-5)
        np.testing.assert_allclose(_numbers(page.text_content("#w-new")), oracle.w, rtol=1e-5)
        cells = page.eval_on_selector_all("#rows tr:nth-child(2) td", "tds => tds.map(td => td.textContent)")
        first_row = [x for cell in cells for x in _numbers(cell)]
        assert first_row[0] == 1  # the row number, then x1, x2, t, a, y, e, δ, g1, g2
        np.testing.assert_allclose(first_row[4:10], [trace.a[0], trace.y[0], trace.e[0], trace.delta[0],
                                                      *trace.g[0]], rtol=1e-5, atol=1e-9)
    page.screenshot(path=str(artifacts / "neuron_step.png"), full_page=True)


def test_submit_from_the_playground_to_the_scoreboard(page: Any, lab_url: str, lab_db: str,
                                                       artifacts: Path) -> None:
    pytest.importorskip("neuronlab.web.routes.scoreboard")
    from neuronlab.classroom.service import Classroom

    room = Classroom(lab_db)
    info, instructor = room.create_class(name="bench 101")
    task = room.add_task(class_id=info.id, instructor_token=instructor, task="moons", name="moons")
    code = room.issue_join_codes(class_id=info.id, instructor_token=instructor, n=1)[0]
    _, token = room.join(code=code, name="ada")

    ready(page, f"{lab_url}/playground?task=moons&eta=0.5", timeout=20_000)
    page.evaluate(f"localStorage.setItem('neuronlab-student-token', {token!r})")
    # the class-task picker lists the joined class's tasks
    ready(page, f"{lab_url}/playground?task=moons&eta=0.5", timeout=20_000)
    page.wait_for_selector(f"#class-task option[value='{task.id}']", state="attached")
    page.fill("#epf", "50")
    page.click("#step")
    page.wait_for_function("lab.frame.epoch === 50")
    page.select_option("#class-task", str(task.id))
    page.click("#submit")
    page.wait_for_selector("#submitted b", timeout=20_000)
    assert "this submission" in page.text_content("#submitted")
    assert float(page.text_content("#submitted b")) > 0.7  # moons, 50 epochs: well above chance
    page.screenshot(path=str(artifacts / "playground_submitted.png"), full_page=True)
    # without a token: a clear error, nothing sent
    page.evaluate("localStorage.removeItem('neuronlab-student-token')")
    page.click("#submit")
    page.wait_for_function("document.querySelector('#error').textContent.includes('join a class first')")
