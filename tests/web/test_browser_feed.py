"""A class that shares its progress, in a real browser (Debian's chromium via Playwright).

Ada saves a playground state to her class with a note; Bob finds it on the class feed, opens it (by
keyboard) in his own playground and gets the same state; the instructor hides it from the feed; Eve,
of another class, sees nothing of it, neither on the feed nor in the open run browser.  The feed works
on a phone-sized screen without sideways scrolling.  Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from browsing import ready

from neuronlab.classroom import Classroom

pytestmark = pytest.mark.slow
STATE = "task=xor&activation=relu&hidden=3&eta=0.2&seed=4&epoch=12&edits=2:0:1:b:-0.75"


@contextmanager
def student(browser: Any, lab_url: str, token: str, **options: Any) -> Iterator[Any]:
    """A browser of its own (own localStorage) that kept ``token`` when its student joined."""
    context = browser.new_context(**({"viewport": {"width": 1300, "height": 950}} | options))
    context.add_init_script(f"localStorage.setItem('neuronlab-student-token', {token!r})")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, errors


def state_of(page: Any) -> Any:
    return page.evaluate("({session: lab.session, epoch: lab.frame.epoch, weights: lab.frame.weights, "
                         "edits: lab.state.edits, loss: lab.frame.train_loss, "
                         "boundary: document.querySelector('#boundary').toDataURL()})")


def test_two_students_share_a_run_and_a_stranger_sees_nothing(browser: Any, lab_url: str, lab_db: str,
                                                              artifacts: Path) -> None:
    room = Classroom(lab_db)
    cls, instructor = room.create_class(name="shared progress")
    ada, bob = (room.join(code=c, name=n)[1] for c, n in
                zip(room.issue_join_codes(class_id=cls.id, instructor_token=instructor, n=2), ("Ada", "Bob"),
                    strict=True))
    other, other_instructor = room.create_class(name="another class")
    eve = room.join(code=room.issue_join_codes(class_id=other.id, instructor_token=other_instructor)[0], name="Eve")[1]
    room.close()
    feed_url = f"{lab_url}/class/{cls.id}/feed"

    # Ada: a trained state with a bias set by hand, saved to her class with a note.
    with student(browser, lab_url, ada) as page:
        ready(page, f"{lab_url}/playground?{STATE}", timeout=90_000)
        page.wait_for_function("lab.frame && lab.frame.epoch === 12", timeout=90_000)
        saved = state_of(page)
        page.fill("#class-note", "relu on xor: one neuron's bias set to -0.75 at epoch 2")
        page.click("#share")
        page.wait_for_selector("#shared a", timeout=90_000)
        assert "saved in your class as run" in page.text_content("#shared")

    # Bob: the feed lists it; Tab to its link, Enter: his own playground, the same state.
    with student(browser, lab_url, bob) as page:
        ready(page, feed_url, timeout=90_000)
        page.wait_for_selector("#entries li")
        entry = page.text_content("#entries li")
        assert "Ada" in entry and "bias set to -0.75" in entry and "test accuracy" in entry and "ceiling" in entry
        page.screenshot(path=str(artifacts / "class_feed.png"), full_page=True)
        page.focus("#feed-form button")
        for _ in range(10):  # keyboard only, from the form to the entry's link
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.className") == "open":
                break
        assert page.evaluate("document.activeElement.textContent") == "Open in my playground"
        page.keyboard.press("Enter")
        page.wait_for_url("**/playground?**")
        page.wait_for_selector("body[data-ready='1']", timeout=90_000)
        page.wait_for_function("lab.frame && lab.frame.epoch === 12", timeout=90_000)
        mine = state_of(page)
        assert mine["session"] != saved["session"]
        for key in ("epoch", "weights", "edits", "loss", "boundary"):
            assert mine[key] == saved[key], key

    # The instructor hides it; Bob's feed no longer shows it (the instructor's still does, marked).
    with student(browser, lab_url, instructor) as page:
        ready(page, feed_url, timeout=90_000)
        page.wait_for_selector("#entries li button.hide")
        page.click("#entries li button.hide")
        page.wait_for_selector("#entries li.hidden-entry")
        assert "hidden by the instructor" in page.text_content("#entries li")
    with student(browser, lab_url, bob) as page:
        ready(page, feed_url, timeout=90_000)
        assert page.locator("#entries li").count() == 0 and "No runs saved yet" in page.text_content("#result")

    # Eve, of another class, on a phone: refused in one line, and the open run browser lists nothing of it.
    with student(browser, lab_url, eve, viewport={"width": 375, "height": 740}, is_mobile=True,
                 has_touch=True) as page:
        ready(page, feed_url, timeout=90_000)
        assert page.get_attribute("#result", "class") == "error"
        assert f"not in class {cls.id}" in page.text_content("#result")
        assert page.locator("#entries li").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(artifacts / "class_feed_stranger_phone.png"), full_page=True)
        assert page.request.get(f"{lab_url}/api/runs").json() == []  # this module's lab holds Ada's run only
        assert page.request.get(f"{lab_url}/runs/1").status == 404
        ready(page, f"{lab_url}/class/{other.id}/feed", timeout=90_000)
        assert "No runs saved yet" in page.text_content("#result")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
