"""What every browser test does to a page: open it and wait until the playground (or any page of the lab)
says it is ready, and open a page in a viewport of its own that records the scripts' errors."""

from __future__ import annotations

from typing import Any


def ready(page: Any, url: str, timeout: float = 30_000) -> None:
    """Open ``url`` and wait for the page's ``body[data-ready='1']`` (set once its first frame is drawn)."""
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=timeout)


def new_page(browser: Any, viewport: dict[str, int]) -> tuple[Any, Any, list[str]]:
    """(context, page, errors): a fresh context of ``viewport``; ``errors`` collects uncaught page errors."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors
