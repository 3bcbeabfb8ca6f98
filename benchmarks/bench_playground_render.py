"""How the playground page keeps up in a real browser: frames drawn a second, the longest task, and how
fast Pause and Step answer, from a small network to the largest the page allows.

    .venv/bin/python benchmarks/bench_playground_render.py [--seconds 5] [--sizes 4,4 8,8 16,16,8/6 64x6/6]

The lab runs in its own process (uvicorn, fresh SQLite store in a temp dir, as ``neuronlab lab`` runs it);
Debian's chromium (/usr/bin/chromium, headless, 1280×800) opens ``/playground?task=spirals&hidden=…`` for each
size, presses Play for ``--seconds`` and counts the frames the page drew (each new ``lab.frame`` seen by a
``requestAnimationFrame`` poller: a frame that arrives but is never painted does not count), while a
``PerformanceObserver('longtask')`` records every main-thread task over 50 ms.  Then it clicks Pause while
playing and Step while paused, as raw mouse events: the latency is from the click's own ``event.timeStamp``
(when the input arrived, even if the main thread was busy) to the button saying "Play" (Pause) or to the
next frame painted with the new epoch (Step: one round trip to the server, which trains the epochs).
Prints one Markdown table.  A size suffix ``/6`` means six input features (x1, x2, x1², x2², x1·x2, sin x1).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

CHROMIUM = Path("/usr/bin/chromium")
SERVER = """
import sys
from neuronlab.web import create_app
import uvicorn
uvicorn.run(create_app(sys.argv[1], exclusive=True), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""
SIX = "x1,x2,x1^2,x2^2,x1*x2,sin(x1)"

# Counts frames painted and long tasks; records the times of clicks and of the Play button's label.
PROBE = """
window.__bench = { frames: 0, long: [], clicks: [], labels: [], painted: [] };
new PerformanceObserver((list) => { for (const e of list.getEntries()) __bench.long.push([e.startTime, e.duration]); })
  .observe({ type: "longtask", buffered: true });
let __last = null;
function __poll(now) {
  const f = window.lab && window.lab.frame;
  if (f && f !== __last) { __last = f; __bench.frames += 1; __bench.painted.push([now, f.epoch]); }
  requestAnimationFrame(__poll);
}
requestAnimationFrame(__poll);
addEventListener("pointerdown", (ev) => __bench.clicks.push(ev.timeStamp), true);
addEventListener("DOMContentLoaded", () => {
  const play = document.querySelector("#play");
  new MutationObserver(() => __bench.labels.push([performance.now(), play.textContent]))
    .observe(play, { childList: true, characterData: true, subtree: true });
});
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def url_of(size: str) -> tuple[str, str]:
    """('/playground?…', label) for a size such as ``16,16,8/6`` or ``64x6/6``."""
    widths, _, feats = size.partition("/")
    if "x" in widths:
        width, depth = widths.split("x")
        widths = ",".join([width] * int(depth))
    query = f"task=spirals&hidden={widths}"
    label = widths if "x" not in size else size.split("/")[0].replace("x", "×")
    if feats == "6":
        query += f"&features={SIX}"
        label += ", six features"
    return f"/playground?{query}", label


def click(page: Any, selector: str) -> None:
    """A raw mouse click at the element's centre (no actionability waits: what a user's click is)."""
    box = page.locator(selector).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def measure(browser: Any, base: str, size: str, seconds: float) -> dict[str, Any]:
    path, label = url_of(size)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.add_init_script(PROBE)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(base + path)
        page.wait_for_selector("body[data-ready='1']", timeout=60_000)
        epf = page.input_value("#epf")
        t0 = page.evaluate("performance.now()")
        f0 = page.evaluate("__bench.frames")
        click(page, "#play")
        time.sleep(seconds)
        f1, t1 = page.evaluate("[__bench.frames, performance.now()]")
        # Pause while playing: from the click's timestamp to the label saying Play.
        n_clicks = page.evaluate("__bench.clicks.length")
        click(page, "#play")
        page.wait_for_function("document.querySelector('#play').textContent === 'Play' && lab.source === null",
                               timeout=120_000)
        pause_ms = page.evaluate(f"""(() => {{ const c = __bench.clicks[{n_clicks}];
            const l = __bench.labels.find(([t, s]) => t >= c && s === 'Play'); return l ? l[0] - c : null; }})()""")
        long = page.evaluate(f"__bench.long.filter(([s, d]) => s >= {t0})")
        time.sleep(0.3)
        # Step while paused: from the click's timestamp to the next painted frame of a later epoch.
        steps = []
        for _ in range(3):
            epoch = page.evaluate("lab.frame.epoch")
            n_clicks = page.evaluate("__bench.clicks.length")
            click(page, "#step")
            page.wait_for_function(f"lab.frame.epoch > {epoch} && !lab.busy", timeout=60_000)
            page.wait_for_timeout(50)
            steps.append(page.evaluate(f"""(() => {{ const c = __bench.clicks[{n_clicks}];
                const p = __bench.painted.find(([t, e]) => t >= c && e > {epoch});
                return p ? p[0] - c : null; }})()"""))
        return {"size": label, "epf": epf, "fps": (f1 - f0) / ((t1 - t0) / 1000), "long_n": len(long),
                "long_max": max((d for _, d in long), default=0.0), "pause": pause_ms,
                "step": statistics.median([s for s in steps if s is not None] or [float("nan")]), "errors": errors}
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--sizes", nargs="+", default=["4,4", "8,8", "16,16,8/6", "64x6/6"])
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit("Debian's chromium is missing (/usr/bin/chromium): run scripts/apt-deps.sh")
    from playwright.sync_api import sync_playwright

    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        server = subprocess.Popen([sys.executable, "-c", SERVER, str(Path(tmp) / "lab.db"), str(port)], env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    httpx.get(f"{base}/api/health", timeout=2).raise_for_status()
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        sys.exit("the lab did not start")
                    time.sleep(0.3)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                            args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
                rows = [measure(browser, base, size, args.seconds) for size in args.sizes]
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"spirals, Play for {args.seconds:g} s at the page's epochs per frame, chromium 1280×800, "
          f"{os.cpu_count()} cores\n")
    print("| hidden layers | epochs/frame | frames/s drawn | long tasks | longest task (ms) | Pause (ms) "
          "| Step (ms) |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        pause = "—" if r["pause"] is None else f"{r['pause']:.0f}"
        print(f"| {r['size']} | {r['epf']} | {r['fps']:.1f} | {r['long_n']} | {r['long_max']:.0f} | {pause} | "
              f"{r['step']:.0f} |")
        if r["errors"]:
            print(f"page errors at {r['size']}: {r['errors']}", file=sys.stderr)


if __name__ == "__main__":
    main()
