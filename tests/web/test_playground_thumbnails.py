"""The playground's data picker: the thumbnails endpoint on a real server, and the thumbnails in Debian's
chromium (one per drawable task, named, switching the task by mouse and keyboard, wrapping on a phone).
Screenshots at 1280×800 and 390×844 go to test-artifacts/.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import browsing
import numpy as np
import pytest

from neuronlab.tasks import list_tasks, load_task
from neuronlab.web.routes.playground_thumbs import CURVE_BINS, MAX_POINTS

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
DRAWABLE = sorted(t.name for t in list_tasks() if t.n_features in (1, 2))


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.status, response.read()


@pytest.fixture(scope="module")
def thumbs(lab_url: str) -> tuple[bytes, list[dict[str, Any]]]:
    status, body = get(f"{lab_url}/api/tasks/thumbnails")
    assert status == 200
    return body, json.loads(body)


def test_every_drawable_task_has_a_thumbnail_and_no_other(thumbs: tuple[bytes, list[dict[str, Any]]]) -> None:
    _, rows = thumbs
    names = [t["name"] for t in rows]
    assert sorted(names) == DRAWABLE and len(set(names)) == len(names)
    assert {"moons", "spirals", "blobs", "sin", "hall_petch", "plane", "gauss_bumps"} <= set(names)
    assert not {"iris", "wine", "digits", "diabetes", "breast_cancer"} & set(names)  # more than 2 inputs


def test_each_thumbnail_is_a_small_rounded_sample_of_the_task_s_own_data(
        thumbs: tuple[bytes, list[dict[str, Any]]]) -> None:
    body, rows = thumbs
    assert len(body) < 120_000  # the whole picker, 16 tasks: small enough for a phone on a school network
    for t in rows:
        task = load_task(t["name"])
        assert t["kind"] == task.kind and t["n_inputs"] == task.n_features
        X, y = np.asarray(t["x"], dtype=float), np.asarray(t["y"], dtype=float)
        assert X.shape == (min(MAX_POINTS, task.n_samples), task.n_features) and len(y) == len(X)
        assert np.array_equal(np.round(X, 3), X) and np.array_equal(np.round(y, 3), y)  # rounded
        # every dot is one of the task's rows (train, validation or test), inputs and target together
        data = np.column_stack([np.concatenate([task.X_train, task.X_val, task.X_test]),
                                np.concatenate([task.y_train, task.y_val, task.y_test])])
        dots = np.column_stack([X, y])
        assert np.abs(data[None, :, :] - dots[:, None, :]).max(axis=2).min(axis=1).max() <= 5e-4, t["name"]
        if task.kind != "regression":
            assert set(y) <= set(range(task.n_classes or 0)) and len(set(y)) == task.n_classes
        if task.n_features == 1:  # the data's own curve: bin means, left to right
            cx = np.asarray(t["curve_x"])
            assert 10 <= len(cx) <= CURVE_BINS and np.all(np.diff(cx) > 0) and len(t["curve_y"]) == len(cx)
        else:
            assert t["curve_x"] == [] and t["curve_y"] == []


def test_the_sample_is_the_same_on_every_call(lab_url: str, thumbs: tuple[bytes, list[dict[str, Any]]]) -> None:
    assert get(f"{lab_url}/api/tasks/thumbnails")[1] == thumbs[0]


# -- in the browser ------------------------------------------------------------------------------------


def ready(page: Any, url: str) -> None:
    """The page ready, and its thumbnails drawn (they load after the first frame)."""
    browsing.ready(page, url)
    page.wait_for_selector("#thumbs button.thumb", timeout=30_000)


def pressed(page: Any) -> list[str]:
    return page.evaluate("[...document.querySelectorAll('#thumbs [aria-pressed=true]')].map(b => b.dataset.task)")


def boundary_pixels(page: Any) -> str:
    return page.evaluate("""(() => { const c = document.querySelector('#boundary');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let h = 0;
        for (let i = 0; i < d.length; i += 4 * 53) h = (h * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) % 1000000007;
        return String(h); })()""")


@pytest.mark.slow
def test_a_named_thumbnail_per_task_and_a_click_switches_the_task(page: Any, lab_url: str) -> None:
    ready(page, f"{lab_url}/playground?task=moons")
    buttons = page.evaluate("""[...document.querySelectorAll('#thumbs button.thumb')].map(b => ({
        task: b.dataset.task, name: b.getAttribute('aria-label'), title: b.title, type: b.type,
        canvas: b.querySelector('canvas').getAttribute('aria-hidden'), tab: b.tabIndex }))""")
    options = page.evaluate("[...document.querySelectorAll('#task option')].map(o => o.value)")
    assert [b["task"] for b in buttons] == options == [o for o in options if o in DRAWABLE]
    for b in buttons:  # each a real button named by its task (the canvas itself is hidden from readers)
        assert b["name"] == b["task"] and b["title"].startswith(b["task"]) and b["type"] == "button"
        assert b["canvas"] == "true" and b["tab"] == 0
    assert page.get_by_role("group", name="datasets").get_by_role("button", name="spirals", exact=True).count() == 1
    assert pressed(page) == ["moons"]
    # Something is drawn: a thumbnail of two classes holds both the page's orange and its blue.
    colours = page.evaluate("""(() => { const c = document.querySelector('#thumbs [data-task=moons] canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let o = 0, b = 0;
        for (let i = 0; i < d.length; i += 4) {
          if (d[i] > 200 && d[i + 2] < 90) o++;
          if (d[i + 2] > 150 && d[i] < 60) b++;
        }
        return [o, b]; })()""")
    assert min(colours) > 20, colours
    before, old = boundary_pixels(page), page.evaluate("lab.session")
    page.click("#thumbs [data-task=plane]")
    page.wait_for_function(f"lab.session !== {old!r} && lab.info.task === 'plane' && !lab.busy", timeout=30_000)
    assert page.input_value("#task") == "plane" and "task=plane" in page.url
    assert page.evaluate("lab.frame.boundary.kind") == "value" and boundary_pixels(page) != before  # redrawn
    assert pressed(page) == ["plane"]
    # The select still drives it, and the thumbnails follow.
    page.select_option("#task", "xor")
    page.wait_for_function("lab.info.task === 'xor' && !lab.busy", timeout=30_000)
    assert pressed(page) == ["xor"]
    # An uploaded table has no thumbnail: none stays pressed once the page trains on it.
    page.click("text=your own CSV")
    rows = "".join(f"{i % 7},{i % 5},{(i % 7) * 0.5 - (i % 5)}\n" for i in range(40))
    page.set_input_files("#csv-file", files=[{"name": "t.csv", "mimeType": "text/csv",
                                              "buffer": f"a,b,y\n{rows}".encode()}])
    page.fill("#csv-target", "y")
    page.click("#csv-upload")
    page.wait_for_function("document.querySelector('#task').value.startsWith('csv:') && lab.info.task !== 'xor'"
                           " && !lab.busy", timeout=30_000)
    assert pressed(page) == []


@pytest.mark.slow
def test_tab_and_enter_or_space_pick_a_task_by_keyboard(page: Any, lab_url: str) -> None:
    ready(page, f"{lab_url}/playground?task=moons")
    page.focus("#task")
    page.keyboard.press("Tab")  # the first thumbnail follows the select
    first = page.evaluate("document.querySelector('#thumbs button.thumb').dataset.task")
    assert page.evaluate("document.activeElement.dataset.task") == first
    while page.evaluate("document.activeElement.dataset.task") != "circles":
        page.keyboard.press("Tab")
    old = page.evaluate("lab.session")
    page.keyboard.press("Enter")
    page.wait_for_function(f"lab.session !== {old!r} && lab.info.task === 'circles' && !lab.busy", timeout=30_000)
    assert page.input_value("#task") == "circles" and "task=circles" in page.url and pressed(page) == ["circles"]
    page.keyboard.press("Shift+Tab")  # back one thumbnail, then Space
    target = page.evaluate("document.activeElement.dataset.task")
    page.keyboard.press(" ")
    page.wait_for_function(f"lab.info.task === {target!r} && !lab.busy", timeout=30_000)
    assert page.input_value("#task") == target and pressed(page) == [target]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_the_thumbnails_wrap_inside_the_screen(browser: Any, lab_url: str, artifacts: Path, name: str,
                                               viewport: dict[str, int]) -> None:
    context, page, errors = browsing.new_page(browser, viewport)
    try:
        ready(page, f"{lab_url}/playground?task=gauss_bumps")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        boxes = [page.locator(f"#thumbs [data-task='{t}']").bounding_box() for t in DRAWABLE]
        assert all(b and b["x"] >= 0 and b["x"] + b["width"] <= viewport["width"] for b in boxes), boxes
        assert len({round(b["y"]) for b in boxes if b}) > 1  # more than one row: they wrap
        page.screenshot(path=str(artifacts / f"playground_thumbnails_{name}.png"), full_page=True)
        page.locator("#thumbs").screenshot(path=str(artifacts / f"playground_thumbnails_{name}_picker.png"))
    finally:
        context.close()
    assert not errors, errors
