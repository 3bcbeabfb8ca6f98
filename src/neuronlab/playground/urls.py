"""The playground page's URL for a state, in the page's own query format (``web/static/js/playground.js``).

One writer for every place that links to a playground state: presets, saved runs, a classmate's run in
the class feed.  A URL is the page's whole state, so a link replays the same epoch and hand-set weights.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from neuronlab.playground.config import PlaygroundConfig
from neuronlab.playground.session import WeightEdit


def page_url(config: PlaygroundConfig, epoch: int = 0, edits: Iterable[WeightEdit] = ()) -> str:
    """``/playground?task=…&hidden=4,4&…[&epoch=N][&edits=epoch:layer:row:col|b:value;…]``."""
    query = {k: str(v) for k, v in config.model_dump(exclude={"features", "hidden", "bias"}).items()
             if v is not None}
    query |= {"features": ",".join(config.features), "hidden": ",".join(map(str, config.hidden)),
              "bias": "1" if config.bias else "0"}
    if epoch:
        query["epoch"] = str(epoch)
    if parts := [f"{e.epoch}:{e.layer}:{e.row}:{'b' if e.col is None else e.col}:{e.value}" for e in edits]:
        query["edits"] = ";".join(parts)
    return "/playground?" + urlencode(query)
