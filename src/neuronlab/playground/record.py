"""A session as a run of the store ("Save as run"): its spec is the playground's URL state.

The metrics are :mod:`neuronlab.evaluate`'s own reports (not the live fast path), the picture the
library's boundary or fit plot, and the history the loss chart the student watched: the training loss of
every epoch (``train_loss``) and the loss on the playground's test split (``test_loss``, the name the run
page labels "test loss", not "validation": the playground has no validation split).  The session measures
the test loss once per frame it draws (one point every few epochs, the last 500), so ``test_loss`` holds
a value at those epochs only and NaN at the others: both columns index epoch k at k − 1, and no value is
made up between two frames.
"""

from __future__ import annotations

import io
import math
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np

from neuronlab.errors import ConfigError

if TYPE_CHECKING:
    from neuronlab.playground.session import Session, Snapshot


def run_record(session: Session) -> dict[str, Any]:
    """Keyword arguments for ``RunStore.record``: spec, metrics from :mod:`neuronlab.evaluate`, history,
    and the boundary (or fit) picture."""
    from neuronlab.evaluate import classification_report, regression_report
    from neuronlab.store import hash_spec

    snap = session.snapshot()  # the caller holds the session, so no training moves the predictions below
    task = session.task
    metrics: dict[str, Any] = {}
    for split, X, y in (("train", task.X_train, task.y_train), ("test", task.X_test, task.y_test)):
        if len(y) < 2 or snap.error is not None:  # a diverged net has no scores
            continue
        pred = session.predict(X)
        metrics[split] = (regression_report(y, pred) if session.kind == "regression" else
                          classification_report(y, pred, labels=np.arange(session.n_classes or 2)))
    if task.ceiling is not None:
        metrics["ceiling"] = float(task.ceiling)
        spread = task.ceiling_range()  # the range the best possible model scores on this test split
        if spread is not None:
            metrics["ceiling_range"] = spread.to_dict()
    config = session.config.model_dump(mode="json")
    spec = {"playground": config, "epoch": snap.epoch, "edits": [asdict(e) for e in snap.edits]}
    params = {k: v for k, v in config.items() if k != "task"}  # what `neuronlab runs compare` lines up
    return {
        "spec": spec, "spec_hash": hash_spec(spec), "seed": session.config.seed, "experiment": "playground",
        "task": task.name, "model": "mlp", "params": params,
        "status": "diverged" if snap.error else "done", "metrics": metrics,
        "history": _history(session, snap),
        "artifacts": {} if snap.error else _figures(session), "error": snap.error,
        "diverged_epoch": snap.epoch + 1 if snap.error else None,
    }


def _history(session: Session, snap: Snapshot) -> dict[str, list[float]] | None:
    """``train_loss`` per epoch and ``test_loss`` at the epochs the loss curve has a point (NaN elsewhere);
    the curve's epoch-0 point (before any training) has no slot and is left out."""
    epochs, losses = snap.history.epoch[:snap.n_epochs], snap.history.train_loss[:snap.n_epochs]
    if not losses:
        return None
    slot = {int(epoch): i for i, epoch in enumerate(epochs)}
    test = [math.nan] * len(losses)
    for epoch, _, test_loss in session.state(curve=True, snap=snap)["curve"]:
        if epoch in slot and test_loss is not None:
            test[slot[epoch]] = float(test_loss)
    history = {"train_loss": [float(v) for v in losses]}
    if any(math.isfinite(v) for v in test):
        history["test_loss"] = test
    return history


def _figures(session: Session) -> dict[str, bytes]:
    from neuronlab.plots import plot_task_fit

    try:
        fig = plot_task_fit(session, session.task, title=f"playground on {session.task.name}, epoch {session.epoch}")
    except ConfigError:
        return {}
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return {"fit.png": buffer.getvalue()}
