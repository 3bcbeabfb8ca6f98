"""Every link of every allowed network travels in the frame as one byte (issue 14: the page drew no links
above 5,000 weights), and a class has one colour on the page and in the figures."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.colors import to_hex

from neuronlab.playground import Session
from neuronlab.playground.config import PlaygroundConfig
from neuronlab.playground.frames import decode
from neuronlab.plots import plot_decision_boundary
from neuronlab.tasks import load_task

STATIC = Path(__file__).parents[2] / "src" / "neuronlab" / "web" / "static"


def test_links_carry_each_weights_sign_and_size_at_the_largest_size() -> None:
    session = Session(PlaygroundConfig(task="spirals", hidden=[64] * 6,
                                       features=["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)"]))
    frame = session.frame()
    assert frame["weights"] is None  # too many for exact JSON …
    links = frame["links"]  # … but every link is there
    layers = [W for W, _ in session.snapshot().layers]
    assert len(links["layers"]) == len(layers) == 7
    top = max(float(np.abs(W).max()) for W in layers)
    assert links["max"] == round(top, 5)
    for text, W in zip(links["layers"], layers, strict=True):
        q = decode(text).astype(float)
        assert q.size == W.size
        approx = (q - 127.5) / 127.5 * top  # what the page draws and its editor shows as ≈
        np.testing.assert_allclose(approx, W.ravel(), atol=top / 127.5)
        clear = np.abs(W.ravel()) > top / 100  # a link drawn thick enough to see has the weight's sign
        assert np.all(np.sign(approx)[clear] == np.sign(W.ravel())[clear])


def test_class_zero_is_orange_and_class_one_blue_on_the_page_and_in_the_figures() -> None:
    matplotlib.use("Agg")
    task = load_task("moons", seed=0)

    class Half:  # a fixed model: P(class 1) grows with x1
        def predict_proba(self, X: np.ndarray) -> np.ndarray:
            p = 1 / (1 + np.exp(-X[:, 0]))
            return np.column_stack([1 - p, p])

    fig = plot_decision_boundary(Half(), task, resolution=20)
    scatters = {c.get_label(): to_hex(c.get_facecolor()[0]) for c in fig.axes[0].collections
                if isinstance(c, PathCollection) and len(c.get_facecolor())}
    names = task.class_names or ("0", "1")
    assert scatters[f"{names[0]} (train)"] == "#f59322" and scatters[f"{names[1]} (train)"] == "#0877bd"
    shade = next(c for c in fig.axes[0].collections if not isinstance(c, PathCollection)).get_cmap()
    assert to_hex(shade(0.0)) == "#f59322" and to_hex(shade(1.0)) == "#0877bd"
    # The page's palette: class 0 orange, class 1 blue, the same RGB.
    palette = re.search(r"PALETTE = \[\[(\d+), (\d+), (\d+)\], \[(\d+), (\d+), (\d+)\]",
                        (STATIC / "js" / "draw.js").read_text())
    assert palette is not None
    rgb = [int(v) for v in palette.groups()]
    hexes = ["#" + "".join(f"{v:02x}" for v in rgb[k:k + 3]) for k in (0, 3)]
    assert hexes == ["#f59322", "#0877bd"]
