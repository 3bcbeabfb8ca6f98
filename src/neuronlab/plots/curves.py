"""Learning curves: train loss, validation loss and the validation metric against epoch.

The seeds' "learning curves" slide and the FAU early-stopping figure in one picture: the losses on
the left axis, the metric (accuracy or R²) on a second axis, and the best epoch — the one early
stopping keeps the weights of — marked with a vertical line.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from neuronlab.errors import DataError
from neuronlab.plots.boundary import new_figure

if TYPE_CHECKING:
    from neuronlab.train.loop import History


@dataclass(frozen=True)
class LearningCurves:
    """The arrays behind the plot; val columns are NaN when there was no validation set."""

    epoch: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray
    val_metric: np.ndarray
    metric_name: str
    best_epoch: int | None  # the epoch whose weights were kept (None without validation)

    @property
    def best_metric(self) -> float:
        """The validation metric at the best epoch (NaN without one)."""
        if self.best_epoch is None:
            return math.nan
        return float(self.val_metric[int(np.flatnonzero(self.epoch == self.best_epoch)[0])])


def learning_curve_data(history: History | Mapping[str, Any]) -> LearningCurves:
    """Read a ``History`` (or its ``to_dict()``) into arrays, checking the columns line up."""
    h: Mapping[str, Any] = history if isinstance(history, Mapping) else history.to_dict()
    try:
        epoch = np.asarray(h["epoch"], dtype=int)
        train_loss, val_loss, val_metric = (np.asarray(h[k], dtype=float)
                                            for k in ("train_loss", "val_loss", "val_metric"))
    except KeyError as err:
        raise DataError(f"a history needs the columns epoch, train_loss, val_loss, val_metric; "
                        f"{err.args[0]!r} is missing") from None
    cols = (train_loss, val_loss, val_metric)
    if len(epoch) == 0 or any(len(c) != len(epoch) for c in cols):
        raise DataError(f"a history needs equally long, non-empty columns; got epoch {len(epoch)}, "
                        f"train_loss/val_loss/val_metric {[len(c) for c in cols]}")
    best = h.get("best_epoch")
    if best is not None and best not in epoch:
        raise DataError(f"best_epoch {best} is not one of the recorded epochs {epoch[0]}..{epoch[-1]}")
    return LearningCurves(epoch, train_loss, val_loss, val_metric,
                          metric_name=str(h.get("metric_name") or "metric"),
                          best_epoch=None if best is None else int(best))


def plot_learning_curves(history: History | Mapping[str, Any], *, ax: Axes | None = None,
                         title: str | None = None, log_loss: bool = False) -> Figure:
    """Losses (left axis), validation metric (right axis, orange) and the best epoch (dotted line)."""
    d = learning_curve_data(history)
    fig, ax = new_figure(ax)
    ax.plot(d.epoch, d.train_loss, "C0", lw=1.8, label="train loss")
    if np.isfinite(d.val_loss).any():
        ax.plot(d.epoch, d.val_loss, "C0--", lw=1.2, label="validation loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss", color="C0")
    if log_loss:
        ax.set_yscale("log")
    handles, labels = ax.get_legend_handles_labels()
    if np.isfinite(d.val_metric).any():
        ax2 = ax.twinx()
        ax2.plot(d.epoch, d.val_metric, "C1", lw=1.8, label=f"validation {d.metric_name}")
        ax2.set_ylabel(f"validation {d.metric_name}", color="C1")
        h2, l2 = ax2.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    if d.best_epoch is not None:
        line = ax.axvline(d.best_epoch, color="k", ls=":", lw=1.2,
                          label=f"best epoch {d.best_epoch} ({d.metric_name} {d.best_metric:.3f})")
        handles, labels = [*handles, line], [*labels, str(line.get_label())]
    ax.legend(handles, labels, loc="center right", fontsize=8)
    ax.set_title(title or "learning curves")
    return fig
