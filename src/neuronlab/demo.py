"""The Imperial practical's path end to end, as one call.

A hand-made neuron separates a linearly separable task, then fails on XOR and on overlapping
Gaussians (where, read against the ceiling, it is not the neuron's fault: the classes overlap);
the practical's MLP 2 → 40 ReLU → 1 sigmoid then bends its boundary around the moons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neuronlab.experiments.fit import fit_and_score
from neuronlab.plots import plot_decision_boundary, save_figure
from neuronlab.tasks import load_task
from neuronlab.tasks.spread import CeilingRange


@dataclass(frozen=True)
class DemoStep:
    """One row of the demo's table."""

    step: str
    task: str
    model: str
    train_accuracy: float
    test_accuracy: float
    ceiling: float | None
    figure: Path
    lesson: str
    ceiling_range: CeilingRange | None = None  # what the best possible model scores on this test split


# (what the step shows, task, task params, model, model params, the lesson to read off the table)
STEPS: list[tuple[str, str, dict[str, Any], str, dict[str, Any], str]] = [
    ("1 neuron, separable", "linear", {}, "neuron", {"eta": 0.05, "max_epochs": 200},
     "one straight line is enough"),
    ("1 neuron, XOR", "xor", {}, "neuron", {"eta": 0.05, "max_epochs": 200},
     "no straight line separates XOR"),
    ("1 neuron, Gaussians", "gaussians", {}, "neuron", {"eta": 0.05, "max_epochs": 200},
     "overlap: read the score against the ceiling"),
    ("1 neuron, moons", "moons", {}, "neuron", {"eta": 0.05, "max_epochs": 200},
     "a line cuts through the moons"),
    ("MLP 2→40 ReLU→1 sigmoid, moons", "moons", {}, "mlp",
     {"hidden": (40,), "activation": "relu", "eta": 0.01, "alpha": 1e-4, "max_epochs": 500},
     "a hidden layer bends the boundary"),
]


def run_demo(
    out: str | Path = "neuronlab-out/demo", *, seed: int = 0, on_step: Callable[[DemoStep], None] | None = None
) -> list[DemoStep]:
    """Run every step, write one decision-boundary PNG per step into ``out``, return the table."""
    out = Path(out)
    rows = []
    for i, (step, task_name, task_params, model, params, lesson) in enumerate(STEPS, start=1):
        task = load_task(task_name, seed=seed, **task_params)
        result = fit_and_score(task, model, seed=seed, **params)
        figure = save_figure(
            plot_decision_boundary(result.estimator, task, title=f"{step}: test accuracy {result.score():.3f}"),
            out / f"{i:02d}_{model}_{task_name}.png",
        )
        row = DemoStep(step=step, task=task_name, model=model, train_accuracy=result.score("train"),
                       test_accuracy=result.score("test"), ceiling=task.ceiling, figure=figure, lesson=lesson,
                       ceiling_range=task.ceiling_range())
        rows.append(row)
        if on_step is not None:
            on_step(row)
    return rows
