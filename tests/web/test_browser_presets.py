"""Issue 14's presets per task in a real browser (Debian's chromium via Playwright): for moons the picker lists
the curated configurations and the runs saved from the playground (recorded here through the library), the
better run first with its score and epoch; applying one changes the page's config and URL (a saved run
replays to its epoch and score), and lecture mode's hidden controls stay hidden.  Screenshots at 1280×800
and 390×844 go to test-artifacts/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from browsing import new_page, ready

from neuronlab.playground import PlaygroundConfig, Session
from neuronlab.store import RunStore

pytestmark = pytest.mark.slow

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def saved_run(db: str, config: PlaygroundConfig, epochs: int) -> tuple[int, float]:
    """Save a playground session trained ``epochs`` epochs, as "Save as run" does: (run id, test accuracy)."""
    session = Session(config)
    session.train(epochs)
    store = RunStore(db)
    try:
        run_id = store.record(**session.run_record())
        return run_id, store.get(run_id).metrics["test"]["accuracy"]
    finally:
        store.close()


def options(page: Any) -> list[tuple[str, str]]:
    return page.evaluate("[...document.querySelectorAll('#preset option')].map(o => [o.value, o.textContent])")


def test_presets_for_moons_list_saved_runs_best_first_and_apply(browser: Any, lab_url: str, lab_db: str,
                                                              artifacts: Path) -> None:
    weak, weak_score = saved_run(lab_db, PlaygroundConfig(task="moons", hidden=(2,)), 10)
    best, best_score = saved_run(lab_db, PlaygroundConfig(task="moons", hidden=(6,), optimizer="adam", eta=0.03), 150)
    assert best_score > weak_score
    for name, viewport in VIEWPORTS.items():
        context, page, errors = new_page(browser, viewport)
        try:
            ready(page, f"{lab_url}/playground?task=moons&hide=eta")
            page.wait_for_function("document.querySelectorAll('#preset option[value^=s]').length === 2")
            listed = options(page)
            curated = [text for value, text in listed if value.startswith("b")]
            assert curated and curated[0].startswith("x1, x2 → 8 tanh (Adam) — test accuracy ≥ 0.96 by epoch 300")
            saved = [text for value, text in listed if value.startswith("s")]
            assert saved == [f"run {best}: test accuracy {best_score:.3f} at epoch 150",
                             f"run {weak}: test accuracy {weak_score:.3f} at epoch 10"]
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], name
            page.screenshot(path=str(artifacts / f"playground_presets_{name}.png"), full_page=True)

            # The best saved run: the page replays it to its epoch, and shows the score the store recorded.
            page.select_option("#preset", "s0")
            assert page.text_content("#preset-why").startswith(f"replays run {best} ")
            page.click("#preset-apply")
            page.wait_for_url("**epoch=150**")
            page.wait_for_selector("body[data-ready='1']", timeout=30_000)
            assert page.evaluate("lab.state.epoch") == 150 and page.input_value("#hidden") == "6"
            assert page.input_value("#optimizer") == "adam"
            assert page.evaluate("lab.frame.metrics.test.accuracy") == pytest.approx(best_score, abs=1e-9)
            q = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
            assert (q["hide"], q["hidden"], q["epoch"]) == ("eta", "6", "150")
            assert page.locator("#eta").is_hidden()  # the lecture's choice survives the preset

            # A curated preset: its config at epoch 0.
            page.wait_for_function("document.querySelectorAll('#preset option[value^=b]').length > 0")
            page.select_option("#preset", "b0")
            page.click("#preset-apply")
            page.wait_for_url("**hidden=8**")
            page.wait_for_selector("body[data-ready='1']", timeout=30_000)
            assert page.evaluate("lab.state.epoch") == 0 and page.evaluate("lab.info.widths") == [2, 8, 1]
            assert page.input_value("#optimizer") == "adam" and "hide=eta" in page.url
        finally:
            context.close()
        assert not errors, errors
