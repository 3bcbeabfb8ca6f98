"""What the page draws of a session, computed in NumPy from its weights: one frame, and the static info.

Functions of a :class:`~neuronlab.playground.session.Session` (its methods ``frame`` and ``info`` call
them), kept apart so the training logic reads on one screen and the drawing on another; a companion
module, so it reads the session's grids and layers directly.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

import numpy as np

from neuronlab.playground import frames

if TYPE_CHECKING:
    from neuronlab.playground.session import Session, Snapshot

MAX_WEIGHTS_SHOWN = 5_000  # frames carry the exact weights (for the editor) while the net is this small


def frame(session: Session, snap: Snapshot) -> dict[str, Any]:
    """Everything that changes while training, from one snapshot (so it never waits for training):
    losses, live metrics, heatmaps, weights."""
    with np.errstate(all="ignore"):  # a diverged net's inf/NaN are drawn grey, not warned about
        layers = snap.layers
        act = session.config.activation
        task = session.task
        metrics = {}
        _, both = frames.forward(layers, act, session._split_Z)  # train rows, then test rows
        split_logits = np.split(both, [len(session.Z_train)])
        for split, logits, y in zip(("train", "test"), split_logits, (task.y_train, task.y_test), strict=True):
            labels = frames.predict(session.kind, session._outputs(logits))
            metrics[split] = frames.live_metrics(session.kind, y, labels, session.n_classes)
        train_loss, test_loss = session._log_curve(snap.epoch, snap.generation, *split_logits)
        drawn, logits_all = frames.forward(layers, act, session._draw_Z)  # the boundary grid, then the neurons'
        cut = len(session._grid_Z)
        logits, hidden = logits_all[:cut], [h[cut:] for h in drawn]
        n_weights = sum(W.size for W, _ in layers)
        return {
            "epoch": snap.epoch,
            "train_loss": frames.finite(train_loss),
            "test_loss": frames.finite(test_loss),
            "metrics": metrics,
            "boundary": _boundary(session, logits),
            "neurons": [_neurons(h) for h in hidden],
            "weights": None if n_weights > MAX_WEIGHTS_SHOWN or snap.error else [
                {"W": np.round(W, 4).tolist(), "b": None if b is None else np.round(b, 4).tolist()}
                for W, b in layers],
            "links": None if snap.error else _links(layers),
            "error": snap.error,
        }


def _links(layers: list[tuple[np.ndarray, np.ndarray | None]]) -> dict[str, Any]:
    """Every weight as one byte (0 = −max, 255 = +max; rows = the layer's neurons, as ``W``): what the page
    needs to draw each link's sign and thickness at any allowed size (64×6: 21 kB where the exact JSON
    weights would be 10× that), so it draws every link, not only those of a small net."""
    m = max((float(np.abs(W).max()) for W, _ in layers if W.size), default=0.0)
    m = m if np.isfinite(m) and m > 0 else 1.0
    return {"max": round(m, 5), "layers": [frames.encode(W.ravel() / m, -1.0, 1.0) for W, _ in layers]}


def _boundary(session: Session, logits: np.ndarray) -> dict[str, Any]:
    out = session._outputs(logits)
    if session.task.n_features == 1:
        return {"kind": "curve", "x": np.round(session._grid_X[:, 0], 5).tolist(),
                "y": [frames.finite(v) for v in np.round(out if out.ndim == 1 else out.argmax(1), 5)]}
    shape = [frames.GRID, frames.GRID]
    if session.kind == "binary":
        return {"kind": "prob", "shape": shape, "data": frames.encode(out, 0.0, 1.0)}
    if session.kind == "multiclass":
        return {"kind": "class", "shape": shape, "data": frames.encode(out.argmax(axis=1), 0, 255),
                "confidence": frames.encode(out.max(axis=1), 0.0, 1.0)}
    lo, hi = float(session.task.y_train.min()), float(session.task.y_train.max())
    return {"kind": "value", "shape": shape, "data": frames.encode(out, lo, hi), "lo": lo, "hi": hi}


def info(session: Session) -> dict[str, Any]:
    """What does not change while training: the task, its points and ceiling, the network's shape."""
    task = session.task

    def points(X: np.ndarray, y: np.ndarray) -> dict[str, list[Any]]:
        return {"x": np.round(X, 5).tolist(), "y": np.round(y, 5).tolist()}

    spread = task.ceiling_range()  # the ceiling is an expectation: say what a test split this size does to it

    return {
        "task": task.name,
        "kind": task.kind,
        "description": task.description,
        "feature_names": list(task.feature_names),
        "target_name": task.target_name,
        "class_names": list(task.class_names) if task.class_names else
        [str(c) for c in range(task.n_classes or 0)],
        "ceiling": task.ceiling,
        "ceiling_range": None if spread is None else spread.to_dict(),
        "ceiling_text": "unknown" if task.ceiling is None else (
            f"{task.ceiling:.3f}" if spread is None else spread.sentence()),
        "n_inputs": task.n_features,
        "extent": session.extent.to_dict(),
        "train": points(task.X_train, task.y_train),
        "test": points(task.X_test, task.y_test),
        "widths": list(session.widths),
        "features": list(session.config.features),
        "grid": frames.GRID if task.n_features == 2 else frames.CURVE,
        "neuron_grid": frames.NEURON_GRID if task.n_features == 2 else frames.NEURON_CURVE,
    }


def _neurons(h: np.ndarray) -> list[dict[str, Any]]:
    """Each hidden neuron's output (a column of ``h``) over the small grid, scaled by its largest |value|
    (the sign is the colour); one vectorised pass per layer, the frame's hottest loop."""
    m = np.abs(h).max(axis=0)  # (n,)
    m = np.where(np.isfinite(m) & (m > 0), m, 1.0)
    q = frames.quantise(h / m, -1.0, 1.0).T  # (n, G*G) bytes
    return [{"data": base64.b64encode(row.tobytes()).decode("ascii"), "m": round(float(mj), 5)}
            for row, mj in zip(q, m, strict=True)]
