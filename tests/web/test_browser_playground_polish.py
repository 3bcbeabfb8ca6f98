"""Issue 14 in a real browser (Debian's chromium via Playwright): the playground scales to the largest
network it allows, re-checks x2 on a 2-D task, reaches every weight by keyboard, reflows at 390 px, and
its parity extras (discretize, stop condition, legend) work.  Screenshots at 1280×800 and 390×844 go to
test-artifacts/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browsing import new_page, ready

pytestmark = pytest.mark.slow

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def test_a_2d_task_after_a_1d_one_gets_x2_back(page: Any, lab_url: str) -> None:
    ready(page, f"{lab_url}/playground?task=moons")
    for task in ("sin", "moons"):  # the path: moons, a 1-D task, back to moons
        old = page.evaluate("lab.session")
        page.select_option("#task", task)
        page.wait_for_function(f"lab.session !== {old!r} && lab.info.task === {task!r} && !lab.busy")
        if task == "sin":
            assert page.evaluate("lab.info.features") == ["x1"] and page.is_disabled("#f-x2")
    assert page.is_checked("#f-x1") and page.is_checked("#f-x2") and not page.is_disabled("#f-x2")
    assert page.evaluate("lab.info.features") == ["x1", "x2"]  # the model sees both inputs
    # A 1-D task opened from its URL (the default features name x2) starts on x1 alone, no error.
    ready(page, f"{lab_url}/playground?task=sin")
    assert page.evaluate("lab.info.features") == ["x1"] and page.text_content("#error") == ""


def test_the_largest_network_draws_on_two_canvases_and_keeps_answering(browser: Any, lab_url: str,
                                                                        artifacts: Path) -> None:
    """64×6 with six features: 390 neuron maps and 21,000 links were 390 canvases and a 400 ms task per
    frame; now they are two canvases (maps; links drawn by a worker) under focusable neuron buttons."""
    context, page, errors = new_page(browser, DESKTOP)
    try:
        hidden = ",".join(["64"] * 6)
        ready(page, f"{lab_url}/playground?task=spirals&hidden={hidden}&features=x1,x2,x1%5E2,x2%5E2,x1*x2,sin(x1)")
        assert page.evaluate("document.querySelectorAll('#network canvas').length") == 2
        assert page.evaluate("document.querySelectorAll('#network .neuron[role=button]').length") == 64 * 6 + 1
        assert page.evaluate("lab.frame.weights") is None  # too many to send exactly …
        assert page.evaluate("lab.frame.links.layers.length") == 7  # … but every link is drawn
        page.click("#play")
        page.wait_for_function("lab.frame.epoch >= 10", timeout=60_000)
        page.click("#play")
        assert page.text_content("#play") == "Play"  # the button answers on the click itself
        page.wait_for_function("lab.source === null", timeout=30_000)
        epoch = page.evaluate("lab.frame.epoch")
        page.click("#step")
        page.wait_for_function(f"lab.frame.epoch === {epoch} + 5", timeout=30_000)
        page.screenshot(path=str(artifacts / "playground_64x6.png"), full_page=True)
    finally:
        context.close()
    assert not errors, errors


def test_every_weight_and_bias_is_reachable_by_keyboard(page: Any, lab_url: str) -> None:
    ready(page, f"{lab_url}/playground?task=xor&hidden=3")
    # Tab from the page's start reaches the first hidden neuron (a button, not a mouse-only canvas).
    page.focus("#show-test")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('neuron')"):
            break
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label.startswith("neuron 0 of layer 1"), label
    page.keyboard.press("Enter")  # the editor opens on its bias, with a field per incoming weight
    page.wait_for_selector("#neuron-editor:not([hidden])")
    assert page.evaluate("document.activeElement.dataset.col") == "b"
    fields = page.evaluate("[...document.querySelectorAll('#ne-fields input')].map(i => i.dataset.col)")
    assert fields == ["b", "0", "1"]
    page.keyboard.type("0.75")
    page.keyboard.press("Tab")  # leaving the field sets it
    page.wait_for_function("lab.state.edits.length === 1")
    page.keyboard.press("Tab")  # to the weight from x2
    assert page.evaluate("document.activeElement.dataset.col") == "1"
    page.keyboard.press("Control+A")
    page.keyboard.type("-2")
    page.keyboard.press("Tab")
    page.wait_for_function("lab.state.edits.length === 2")
    edits = page.evaluate("lab.state.edits.map(e => [e.layer, e.row, e.col, e.value])")
    assert edits == [[0, 0, None, 0.75], [0, 0, 1, -2]]
    assert page.evaluate("lab.frame.weights[0].b[0]") == 0.75 and page.evaluate("lab.frame.weights[0].W[0][1]") == -2
    # The output neuron is a button too; every control has a name; every canvas is labelled.
    assert page.evaluate("[...document.querySelectorAll('#network .neuron[role=button]')].every(n => n.tabIndex === 0)")
    unnamed = page.evaluate("""[...document.querySelectorAll('input, select, button')].filter(el =>
        el.offsetParent !== null && el.tabIndex >= 0 && !(el.labels && el.labels.length)
        && !el.getAttribute('aria-label')
        && !el.textContent.trim()).map(el => el.id || el.outerHTML.slice(0, 60))""")
    assert unnamed == []
    assert page.evaluate("[...document.querySelectorAll('canvas')]"
                         ".filter(c => c.getAttribute('aria-hidden') !== 'true')"
                         ".every(c => c.getAttribute('aria-label'))")


def test_the_pages_reflow_at_390_px(browser: Any, lab_url: str, artifacts: Path) -> None:
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context, page, errors = new_page(browser, viewport)
        try:
            ready(page, f"{lab_url}/playground?task=spirals&hidden=8,8")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{name}: the page is {width} px wide"
            for sel in ("#boundary", "#stats", "#loss-chart", "#play", "#task"):
                box = page.locator(sel).bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 0.5, (name, sel, box)
            # No clipped label: the task picker shows its whole option text.
            assert page.evaluate("(() => { const s = document.querySelector('#task');"
                                 " return s.scrollWidth <= s.clientWidth + 1 })()")
            page.screenshot(path=str(artifacts / f"playground_{name}.png"), full_page=True)
            ready(page, f"{lab_url}/runs")
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            page.screenshot(path=str(artifacts / f"runs_{name}.png"), full_page=True)
        finally:
            context.close()
        assert not errors, errors


def test_discretize_and_the_stop_condition(page: Any, lab_url: str) -> None:
    ready(page, f"{lab_url}/playground?task=gaussians&hidden=2&eta=0.5")
    colours = """(() => {
        const d = document.querySelector('#boundary').getContext('2d').getImageData(0, 0, 420, 420).data;
        const s = new Set(); for (let i = 0; i < d.length; i += 4 * 97) s.add(d[i] + ',' + d[i + 1] + ',' + d[i + 2]);
        return s.size; })()"""
    smooth = page.evaluate(colours)
    page.check("#discretize")
    assert page.evaluate(colours) < smooth  # two class colours (and the points) instead of a gradient
    assert "discretize=1" in page.url
    page.select_option("#stop", "score")
    page.fill("#stop_at", "0.8")
    page.locator("#stop_at").blur()
    page.click("#play")
    page.wait_for_function("lab.source === null && lab.frame.epoch > 0", timeout=60_000)
    assert page.evaluate("lab.frame.metrics.test.accuracy") >= 0.8
    assert "reached at epoch" in page.text_content("#stopped-at")
    assert "stop=score" in page.url and "stop_at=0.8" in page.url
    assert page.text_content("#legend-0") == page.evaluate("lab.info.class_names[0]")


def test_early_stopping_on_the_test_split_pauses_and_says_so(page: Any, lab_url: str) -> None:
    """"test loss stalls for N epochs": with η so small the loss cannot improve by 1e-4, Play pauses N epochs
    after the first frame, and the page names it early stopping on the test split (the score is biased)."""
    ready(page, f"{lab_url}/playground?task=gaussians&hidden=2&eta=0.000001&epf=5&stop=stall&stop_at=30")
    assert page.input_value("#stop") == "stall"  # restored from the URL
    page.click("#play")
    page.wait_for_function("lab.source === null && lab.frame.epoch > 0", timeout=60_000)
    epoch = page.evaluate("lab.frame.epoch")
    assert 30 <= epoch <= 40, epoch  # patience 30 from the first frame's best (epoch 5), one frame of slack
    said = page.text_content("#stopped-at")
    assert "test loss stalled" in said and "early stopping on the test split" in said and f"epoch {epoch}" in said
    page.select_option("#stop", "stall")  # a fresh run of it after Reset counts from the reset
    page.click("#reset")
    page.wait_for_function("lab.frame.epoch === 0", timeout=30_000)
    page.click("#play")
    page.wait_for_function("lab.source === null && lab.frame.epoch > 0", timeout=60_000)
    assert 30 <= page.evaluate("lab.frame.epoch") <= 40
