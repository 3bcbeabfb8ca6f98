"""Issue 14's lecture mode in a real browser (Debian's chromium via Playwright): controls hidden by the URL
are gone for the mouse and the keyboard, stay hidden across a reload and every URL the page writes, the
rest keeps working, the panel's checkboxes write the URL, an unknown name is one message on the page, and
``&lecture=1`` enlarges the boundary.  Screenshots at 1280×800 and 390×844 go to test-artifacts/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from browsing import new_page, ready

pytestmark = pytest.mark.slow

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# hide=training,features,set-weight,class,presets: every control these take away, by id …
GONE = ["eta", "regularization", "alpha", "batch_size", "optimizer", "loss", "f-x1", "f-x2", "f-x1*x2",
        "sw-layer", "sw-row", "sw-col", "sw-value", "class-task", "submit", "class-note", "share", "preset",
        "preset-apply"]
KEPT = ["task", "seed", "hidden", "activation", "bias", "play", "step", "reset", "show-test"]  # … and some kept


def query(page: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def tab_stops(page: Any, presses: int = 150) -> set[str]:
    """The id (or tag) of every element Tab reaches from the top of the page, once round."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    seen: list[str] = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        who = page.evaluate("(() => { const a = document.activeElement; if (a === document.body) return '';"
                            " return a.id || a.tagName + ':' + (a.textContent || '').trim() })()")
        if who and seen and who == seen[0]:
            break
        seen.append(who)
    return set(seen) - {""}


def test_hidden_controls_are_gone_for_mouse_and_keyboard_and_stay_hidden(browser: Any, lab_url: str,
                                                                         artifacts: Path) -> None:
    for name, viewport in VIEWPORTS.items():
        context, page, errors = new_page(browser, viewport)
        try:
            ready(page, f"{lab_url}/playground?task=xor&hidden=2&hide=training,features,set-weight,class,presets")
            for control in GONE:
                assert page.locator(f"[id='{control}']").is_hidden(), (name, control)
            for control in KEPT:
                assert page.locator(f"#{control}").is_visible(), (name, control)
            reached = tab_stops(page)
            assert not reached & set(GONE), (name, reached & set(GONE))
            assert set(KEPT) <= reached, (name, set(KEPT) - reached)
            # What is shown keeps working; the page's own URL writes keep `hide`, and a reload replays the
            # state with the same controls hidden.
            page.click("#step")
            page.wait_for_function("lab.frame.epoch === 5 && !lab.source")
            page.fill("#hidden", "3")
            page.locator("#hidden").blur()
            page.wait_for_function("lab.info.widths.join() === '2,3,1'")
            page.click("#step")
            page.wait_for_function("lab.frame.epoch === 5 && lab.info.widths[1] === 3")
            q = query(page)
            assert (q["hide"], q["hidden"], q["epoch"]) == ("training,features,set-weight,class,presets", "3", "5")
            page.reload()
            page.wait_for_selector("body[data-ready='1']", timeout=30_000)
            assert page.evaluate("lab.state.epoch") == 5 and page.evaluate("lab.info.widths") == [2, 3, 1]
            assert all(page.locator(f"[id='{c}']").is_hidden() for c in GONE)
            assert page.locator("#hide-note").is_hidden()  # every name was known
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], name
            page.screenshot(path=str(artifacts / f"playground_lecture_{name}.png"), full_page=True)
        finally:
            context.close()
        assert not errors, errors


def test_the_panel_writes_the_url_and_lecture_1_enlarges(page: Any, lab_url: str, artifacts: Path) -> None:
    ready(page, f"{lab_url}/playground?task=moons")
    normal = page.locator("#boundary").bounding_box()["width"]
    page.click("#lecture-panel summary")
    page.check("#lecture-choices input[data-hide='alpha']")
    page.check("#lecture-choices input[data-hide='data']")
    assert page.locator("#alpha").is_hidden() and page.locator("#task").is_hidden()
    assert page.locator("#eta").is_visible()
    assert query(page)["hide"] == "data,alpha"  # the table's order: groups first
    page.uncheck("#lecture-choices input[data-hide='data']")
    assert page.locator("#task").is_visible() and query(page)["hide"] == "alpha"
    page.check("#lecture-big")
    assert query(page)["lecture"] == "1" and page.evaluate("document.body.classList.contains('lecture')")
    assert page.locator("#boundary").bounding_box()["width"] > 1.3 * normal
    page.click("#step")  # the page's next URL write keeps both
    page.wait_for_function("lab.frame.epoch === 5")
    page.wait_for_function("location.search.includes('epoch=5')")
    assert (query(page)["hide"], query(page)["lecture"]) == ("alpha", "1")
    ready(page, page.url)
    assert page.locator("#alpha").is_hidden() and page.is_checked("#lecture-choices input[data-hide='alpha']")
    assert page.is_checked("#lecture-big") and page.locator("#boundary").bounding_box()["width"] > 1.3 * normal
    page.screenshot(path=str(artifacts / "playground_lecture_big.png"), full_page=True)


def test_an_unknown_name_is_one_message_and_the_rest_still_hides(page: Any, lab_url: str) -> None:
    ready(page, f"{lab_url}/playground?task=moons&hide=eta,bogus,Training")
    note = page.text_content("#hide-note")
    assert page.locator("#hide-note").is_visible()
    assert note.startswith('hide: unknown names "bogus", "Training" (ignored); known names: data, features')
    assert "\n" not in note
    assert page.locator("#eta").is_hidden() and page.locator("#alpha").is_visible()
    assert page.text_content("#error") == ""  # the page itself started normally
