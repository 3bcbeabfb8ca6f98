"""What the playground page makes of a link, in Python, for tests that follow links the lab hands out
(the class feed's, the presets'): ``state_of`` parses a page URL as playground.js's fromUrl + configOf do,
and ``start`` opens a session in that state, so a test can check it replays the very same weights."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

NUMBERS = {"train_ratio": float, "seed": int, "eta": float, "alpha": float, "batch_size": int, "noise": float,
           "n_samples": int}


def start(c: TestClient, config: dict[str, Any], epoch: int = 0, edits: list[dict[str, Any]] | None = None) -> Any:
    """A new playground session replayed to ``epoch`` with ``edits`` (201 asserted); its JSON."""
    answer = c.post("/api/playground", json={"config": config, "epoch": epoch, "edits": edits or []})
    assert answer.status_code == 201, answer.text
    return answer.json()


def state_of(url: str) -> tuple[dict[str, Any], int, list[dict[str, Any]]]:
    """(config, epoch, edits) of a playground page URL."""
    q = {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}
    config: dict[str, Any] = {k: NUMBERS[k](v) if k in NUMBERS else v for k, v in q.items()
                              if k not in ("epoch", "edits", "features", "hidden", "bias")}
    config.update(features=q["features"].split(","), hidden=[int(w) for w in q["hidden"].split(",") if w],
                  bias=q["bias"] == "1")
    edits = []
    for part in filter(None, q.get("edits", "").split(";")):
        e, layer, row, col, value = part.split(":")
        edits.append({"epoch": int(e), "layer": int(layer), "row": int(row), "col": None if col == "b" else int(col),
                      "value": float(value)})
    return config, int(q.get("epoch", 0)), edits
