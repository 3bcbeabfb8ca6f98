"""Export in a real browser (Debian's chromium via Playwright): the toolbar's "Export Python" downloads a
script that runs and predicts what the playground predicts; "Export JSON", reached by keyboard, loads
back into our estimator; a diverged network's export is one line in the page's error slot, no download.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from browsing import ready

from neuronlab.playground.export import load_network

pytestmark = pytest.mark.slow


def test_export_python_downloads_a_script_that_runs_and_json_loads_back(page: Any, lab_url: str, tmp_path: Path,
                                                                         artifacts: Path) -> None:
    ready(page, f"{lab_url}/playground?task=moons&hidden=3&epoch=20")
    assert page.get_attribute("#export-py", "title") and page.text_content("#export-py") == "Export Python"
    with page.expect_download() as info:
        page.click("#export-py")
    script = info.value
    assert script.suggested_filename == "neuronlab-moons-epoch20.py"
    path = tmp_path / script.suggested_filename
    script.save_as(path)
    run = subprocess.run([sys.executable, path.name], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    rows = [line.rsplit(" ", 2) for line in run.stdout.splitlines() if line.startswith("[")]
    assert len(rows) == 5 and all(ours == theirs for _, ours, theirs in rows), run.stdout

    page.focus("#export-json")  # a button: reached by Tab, pressed with Enter
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    document = info.value
    assert document.suggested_filename == "neuronlab-moons-epoch20.json"
    X = np.random.default_rng(0).uniform(-2, 3, size=(30, 2))
    sid = page.evaluate("lab.session")
    served = httpx.post(f"{lab_url}/api/playground/{sid}/predict", json={"X": X.tolist()}, timeout=30).json()["y"]
    assert np.array_equal(load_network(Path(document.path()).read_text()).predict(X), np.asarray(served, dtype=int))
    assert page.text_content("#error") == ""
    page.screenshot(path=str(artifacts / "playground_export.png"))
    page.set_viewport_size({"width": 390, "height": 844})  # the phone layout keeps both buttons on the page
    assert page.is_visible("#export-py") and page.is_visible("#export-json")
    page.screenshot(path=str(artifacts / "playground_export_390.png"), full_page=True)


def test_a_diverged_network_says_so_and_downloads_nothing(page: Any, lab_url: str) -> None:
    ready(page, f"{lab_url}/playground?task=sinh&features=x1&activation=identity&eta=10&hidden=8,8&epoch=50")
    downloads: list[Any] = []
    page.on("download", lambda download: downloads.append(download))
    page.click("#export-py")
    page.wait_for_function("document.querySelector('#error').textContent.startsWith('export:')", timeout=30_000)
    assert "diverged" in page.text_content("#error")
    assert downloads == [] and not page.is_disabled("#export-py")


ORANGE_PIXELS = """() => {
  const c = document.querySelector('#history'), d = c.getContext('2d').getImageData(0, 40, c.width, c.height - 40).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (Math.abs(d[i] - 245) < 40 && Math.abs(d[i + 1] - 147) < 40 && d[i + 2] < 90) n++;  // #f59322
  }
  return n;
}"""


def test_a_saved_runs_page_draws_the_test_loss_of_the_frames_played(page: Any, lab_url: str, artifacts: Path) -> None:
    """Step four frames of 5 epochs, save: the run page's chart draws the test loss (orange) through the four
    epochs it has, below the legend (the history has no test loss at the 16 epochs between frames)."""
    ready(page, f"{lab_url}/playground?task=moons&hidden=3")
    for epoch in (5, 10, 15, 20):
        page.click("#step")
        page.wait_for_function(f"lab.frame.epoch === {epoch}")
    page.click("#save")
    page.click("#saved a")
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    assert page.evaluate(ORANGE_PIXELS) > 50
    page.screenshot(path=str(artifacts / "run_test_loss.png"))
