"""Issue 14, the class side in a real browser: the playground lists the student's class tasks, names a
task-kind mismatch, shows the submission's own (Ladder) result and the quota left; the Scoreboard link
leads to the class once joined; the run pages load without a 404, compare shows differing epochs, the
runs filter matches part of a task name.  Screenshots at 1280×800 and 390×844 go to test-artifacts/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browsing import ready

pytestmark = pytest.mark.slow


def test_class_task_picker_mismatch_own_result_and_quota(page: Any, lab_url: str, lab_db: str,
                                                         artifacts: Path) -> None:
    pytest.importorskip("neuronlab.web.routes.scoreboard")
    from neuronlab.classroom.service import Classroom

    room = Classroom(lab_db)
    info, instructor = room.create_class(name="feedback 101")
    moons = room.add_task(class_id=info.id, instructor_token=instructor, task="moons", name="moons board")
    sin = room.add_task(class_id=info.id, instructor_token=instructor, task="sin", name="sine board")
    code = room.issue_join_codes(class_id=info.id, instructor_token=instructor, n=1)[0]
    _, token = room.join(code=code, name="ada")

    ready(page, f"{lab_url}/playground?task=moons&eta=0.5")
    assert page.get_attribute("#nav-scoreboard", "href") != f"/class/{info.id}"  # not joined in this browser yet
    page.evaluate(f"localStorage.setItem('neuronlab-student-token', {token!r})")
    ready(page, f"{lab_url}/playground?task=moons&eta=0.5")
    page.wait_for_function("document.querySelectorAll('#class-task option[value]:not([value=\"\"])').length === 2")
    options = page.eval_on_selector_all("#class-task option", "os => os.map(o => [o.value, o.textContent])")
    assert options == [[str(moons.id), "moons board (binary, 2 inputs)"],
                       [str(sin.id), "sine board (regression, 1 input)"]]
    assert page.input_value("#class-task") == str(moons.id)  # the playground's own task is picked
    page.wait_for_function(f"document.querySelector('#nav-scoreboard').getAttribute('href') === '/class/{info.id}'")

    # A binary model sent to a regression task: the mismatch is named, nothing is submitted.
    page.select_option("#class-task", str(sin.id))
    page.click("#submit")
    page.wait_for_function("document.querySelector('#error').textContent.includes('task mismatch')")
    assert "regression" in page.text_content("#error") and "binary" in page.text_content("#error")
    assert room.submissions(task_id=sin.id, token=token) == ()

    page.fill("#epf", "50")
    page.click("#step")
    page.wait_for_function("lab.frame.epoch === 50")
    page.select_option("#class-task", str(moons.id))
    page.click("#submit")
    page.wait_for_selector("#submitted b", timeout=20_000)
    text = page.text_content("#submitted")
    mine = room.submissions(task_id=moons.id, token=token)
    assert len(mine) == 1 and mine[0].new_best
    step = room.task_info(task_id=moons.id).ladder_step
    digits = len(str(step).split(".")[1])
    assert page.text_content("#submitted b") == f"{mine[0].published:.{digits}f}"  # its own value, the step's decimals
    assert "new best" in text and "4 left today" in text, text
    page.screenshot(path=str(artifacts / "playground_class_feedback.png"), full_page=True)

    # A second, no better: the board keeps the value and says so; one fewer left.
    page.click("#submit")
    page.wait_for_function("document.querySelector('#submitted').textContent.includes('3 left today')", timeout=20_000)
    assert "did not beat" in page.text_content("#submitted")

    page.goto(f"{lab_url}/class/tasks/{moons.id}")
    page.wait_for_selector("#board td")
    board = page.eval_on_selector_all("#board tr td", "tds => tds.map(td => td.textContent)")
    assert f"{mine[0].published:.{digits}f}" in board
    for name, viewport in (("desktop", {"width": 1280, "height": 800}), ("phone", {"width": 390, "height": 844})):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(artifacts / f"class_board_{name}.png"), full_page=True)


def test_run_pages_no_404_epochs_compared_and_substring_filter(page: Any, lab_url: str, lab_db: str,
                                                               artifacts: Path) -> None:
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    ids = []
    for epf in ("5", "20"):
        ready(page, f"{lab_url}/playground?task=moons&epf={epf}")
        page.click("#step")
        page.wait_for_function(f"lab.frame.epoch === {epf}")
        page.click("#save")
        page.wait_for_selector("#saved a")
        ids.append(page.get_attribute("#saved a", "href").rsplit("/", 1)[1])
    ready(page, f"{lab_url}/runs/{ids[0]}")
    page.wait_for_load_state("networkidle")
    assert missing == [], missing  # learning_curves.png is not asked for when there is none to draw
    for name, viewport in (("desktop", {"width": 1280, "height": 800}), ("phone", {"width": 390, "height": 844})):
        page.set_viewport_size(viewport)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(path=str(artifacts / f"run_page_{name}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})

    ready(page, f"{lab_url}/runs/compare?ids={ids[0]},{ids[1]}")
    rows = page.eval_on_selector_all("#differing tr", "rs => rs.map(r => r.innerText)")
    assert any(r.startswith("epochs") and "5" in r and "20" in r for r in rows), rows
    page.screenshot(path=str(artifacts / "compare_epochs.png"), full_page=True)

    ready(page, f"{lab_url}/runs")
    page.fill("#f-task", "moo")
    page.click("#f-apply")
    page.wait_for_function("document.querySelectorAll('#runs .pick').length >= 2")
    tasks = page.eval_on_selector_all("#runs tr td:nth-child(4)", "tds => tds.map(td => td.textContent)")
    assert tasks and set(tasks) == {"moons"}
