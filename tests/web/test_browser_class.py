"""A student in a real browser: join a class, submit a good predictions CSV, then a malformed one.

The instructor's side goes through the library (as the CLI would); everything the student does goes
through the pages (/class/join, the class page, the task's board).  The lab, chromium and the page
come from conftest.py; screenshots are kept under test-artifacts/.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sklearn.svm import SVC

pytestmark = pytest.mark.slow


def _csv(page: Any, url: str) -> pd.DataFrame:
    """A CSV from the lab's public API, fetched with the page's own request context."""
    response = page.request.get(url)
    assert response.ok, f"{url}: {response.status} {response.text()}"
    return pd.read_csv(io.StringIO(response.text()), dtype={"target": str})


def _submit(page: Any, path: Path) -> str:
    """Pick the CSV in the board's form, submit it and return the one-line result the page shows."""
    page.evaluate("document.getElementById('result').textContent = ''")
    page.set_input_files("#submit input[name=file]", str(path))
    page.click("#submit button[type=submit]")
    page.wait_for_function("document.getElementById('result').textContent.length > 0", timeout=20_000)
    return str(page.text_content("#result"))


def test_student_joins_submits_a_good_and_a_malformed_csv(page: Any, lab_url: str, lab_db: str,
                                                          artifacts: Path, tmp_path: Path) -> None:
    from neuronlab.classroom.service import Classroom

    room = Classroom(lab_db)
    info, instructor = room.create_class(name="perceptrons 101")
    task = room.add_task(class_id=info.id, instructor_token=instructor, task="moons", name="moons challenge")
    code = room.issue_join_codes(class_id=info.id, instructor_token=instructor, n=1)[0]
    console_errors: list[Any] = []
    page.on("console", lambda msg: console_errors.append(msg) if msg.type == "error" else None)

    # Join in the browser: the token is shown once and kept in localStorage.
    page.goto(f"{lab_url}/class/join")
    page.fill("#join input[name=code]", code)
    page.fill("#join input[name=name]", "grace")
    page.click("#join button[type=submit]")
    page.wait_for_selector("#result.ok code.token", timeout=20_000)
    assert "Welcome, grace" in page.text_content("#result")
    token = page.evaluate("localStorage.getItem('neuronlab-student-token')")
    assert token and token == page.text_content("#result code.token")
    me = page.request.get(f"{lab_url}/api/class/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["role"], me["name"], me["class_id"]) == ("student", "grace", info.id)
    page.screenshot(path=str(artifacts / "class_joined.png"), full_page=True)

    # From the welcome line to the class, then to the task's board; the form already holds the token.
    page.click("#result a")
    page.wait_for_url(f"**/class/{info.id}")
    page.click("text=moons challenge")
    page.wait_for_url(f"**/class/tasks/{task.id}")
    assert "moons challenge" in page.text_content("h1")
    assert page.input_value("#submit input[name=token]") == token

    # An honest model: learn the training rows the page links to, predict the test inputs.
    train = _csv(page, f"{lab_url}/api/class/tasks/{task.id}/train?format=csv")
    inputs = _csv(page, f"{lab_url}/api/class/tasks/{task.id}/inputs?format=csv")
    features = [c for c in train.columns if c != "target"]
    assert "target" not in inputs.columns and list(inputs.columns) == ["id", *features]
    model = SVC(random_state=0).fit(train[features].to_numpy(), train["target"].to_numpy())
    good = pd.DataFrame({"id": inputs["id"], "prediction": model.predict(inputs[features].to_numpy())})
    good.to_csv(tmp_path / "good.csv", index=False)

    text = _submit(page, tmp_path / "good.csv")
    assert page.get_attribute("#result", "class") == "ok", text
    assert text.startswith("Scored. Your public board value: ") and "(new best)" in text
    shown = float(re.findall(r"value: (-?\d+(?:\.\d+)?)", text)[0])
    assert shown > 0.8  # moons with an RBF SVM: far above the 0.5 of guessing
    mine = page.request.get(f"{lab_url}/api/class/tasks/{task.id}/submissions",
                            headers={"Authorization": f"Bearer {token}"}).json()
    assert [(s["status"], s["published"]) for s in mine] == [("scored", shown)]
    page.screenshot(path=str(artifacts / "class_submitted.png"), full_page=True)

    # Malformed: a row short, then a prediction that is no class.  One clear line each, nothing scored.
    short = tmp_path / "short.csv"
    good.iloc[:-1].to_csv(short, index=False)
    n = len(good)
    text = _submit(page, short)
    assert page.get_attribute("#result", "class") == "error"
    assert "\n" not in text and f"expected {n} predictions" in text and f"got {n - 1}" in text, text
    page.screenshot(path=str(artifacts / "class_bad_csv.png"), full_page=True)

    wrong = tmp_path / "wrong.csv"
    good.assign(prediction=good["prediction"].astype(str).where(good["id"] != 3, "banana")).to_csv(wrong, index=False)
    text = _submit(page, wrong)
    assert page.get_attribute("#result", "class") == "error"
    assert "\n" not in text and "'banana'" in text and "id 3" in text and "not a class" in text, text

    mine = page.request.get(f"{lab_url}/api/class/tasks/{task.id}/submissions",
                            headers={"Authorization": f"Bearer {token}"}).json()
    assert [s["status"] for s in mine] == ["scored", "rejected", "rejected"]  # failed ones count too

    # The board updates in place after each submission, and the same after a reload: the student's
    # published value and all three submissions.
    page.wait_for_function("document.querySelector('#board').innerText.includes('grace')")
    for reload in (False, True):
        if reload:
            page.reload()
        row = page.eval_on_selector_all("#board tr", "rows => rows.slice(1).map(r => r.innerText)")
        assert len(row) == 1 and "grace" in row[0]
        assert _numbers_in(row[0])[-2:] == [shown, 3]

    # The console saw only the two refused uploads (HTTP 400), no script error (the page fixture checks those).
    unexpected = [m.text for m in console_errors if "status of 400" not in m.text]
    assert unexpected == [] and len(console_errors) == 2, [m.text for m in console_errors]


def _numbers_in(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", text)]
