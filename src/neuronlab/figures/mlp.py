"""Figures of the multilayer perceptron: XOR solved by two hidden layers, the 2 → 40 → 1 net on moons,
and that net's confusion matrix."""

from __future__ import annotations

from functools import cache
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from sklearn.pipeline import Pipeline

from neuronlab.estimators import MLPClassifier
from neuronlab.evaluate.validation import honest_pipeline
from neuronlab.figures.neuron import scatter_classes
from neuronlab.plots.boundary import plot_decision_boundary
from neuronlab.plots.confusion import confusion_data, plot_confusion_matrix
from neuronlab.tasks import Task, load_task


def xor_mlp(*, fast: bool = False, seed: int = 0) -> tuple[Figure, dict[str, Any]]:
    """2. XOR data beside the curved boundary of an MLP with two hidden layers (2 → 8 → 8 → 1, tanh)."""
    task = load_task("xor", seed=seed)
    model = honest_pipeline(MLPClassifier((8, 8), "tanh", eta=0.01, max_epochs=150 if fast else 300,
                                          random_state=seed)).fit(task.X_train, task.y_train)
    acc = float(model.score(task.X_test, task.y_test))
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5))
    scatter_classes(left, task, title="XOR data: linearly inseparable")
    resolution = 60 if fast else 200
    plot_decision_boundary(model, task, ax=right, resolution=resolution,
                           title=f"MLP 2→8→8→1 (tanh): test accuracy {acc:.2f}")
    fig.tight_layout()
    return fig, {"test_accuracy": acc, "train_accuracy": float(model.score(task.X_train, task.y_train)),
                 "ceiling": task.ceiling, "hidden": [8, 8], "epochs": model[-1].n_iter_,
                 # a curved boundary: the sign of P(class 1) − ½ in each quadrant of the input plane
                 "quadrant_p1": _quadrant_means(task, model)}


def _quadrant_means(task: Task, model: Pipeline) -> dict[str, float]:
    """Mean predicted P(class 1) at the four quadrant centres ±½ (XOR: high where the signs differ)."""
    centres = {"(+,+)": (0.5, 0.5), "(-,+)": (-0.5, 0.5), "(-,-)": (-0.5, -0.5), "(+,-)": (0.5, -0.5)}
    p = model.predict_proba(np.asarray(list(centres.values())))[:, 1]
    return {k: float(v) for k, v in zip(centres, p, strict=True)}


@cache
def _moons_mlp(fast: bool, seed: int) -> tuple[Pipeline, Task]:
    """The seed's 2 → 40 (ReLU) → 1 (sigmoid) network trained on moons; shared by figures 9 and 10."""
    task = load_task("moons", seed=seed)
    model = honest_pipeline(MLPClassifier((40,), "relu", eta=0.01, max_epochs=200 if fast else 500,
                                          random_state=seed))
    return model.fit(task.X_train, task.y_train), task


def moons_mlp(*, fast: bool = False, seed: int = 0) -> tuple[Figure, dict[str, Any]]:
    """9. The 2 → 40 ReLU → 1 sigmoid MLP's boundary on moons (the slide's "interesting wiggles")."""
    model, task = _moons_mlp(fast, seed)
    acc = float(model.score(task.X_test, task.y_test))
    spread = task.ceiling_range()
    assert spread is not None  # the moons generator is known
    fig = plot_decision_boundary(model, task, resolution=80 if fast else 200,
                                 title=f"MLP 2→40 ReLU→1 sigmoid on moons: test accuracy {acc:.2f}\n"
                                       f"(ceiling {spread.ceiling:.2f}; best possible {spread.span(2)})")
    return fig, {"test_accuracy": acc, "train_accuracy": float(model.score(task.X_train, task.y_train)),
                 "ceiling": task.ceiling, "ceiling_range": spread.to_dict(), "epochs": model[-1].n_iter_,
                 "final_train_loss": float(model[-1].loss_)}


def confusion_matrix(*, fast: bool = False, seed: int = 0) -> tuple[Figure, dict[str, Any]]:
    """10. The confusion matrix of figure 9's network on the moons test split."""
    model, task = _moons_mlp(fast, seed)
    y_pred = model.predict(task.X_test)
    d = confusion_data(task.y_test, y_pred, labels=[0, 1])
    fig = plot_confusion_matrix(task.y_test, y_pred, labels=[0, 1], class_names=task.class_names,
                                title="MLP 2→40→1 on moons, test split")
    return fig, {"matrix": d.matrix.tolist(), "accuracy": d.accuracy, "precision": d.precision,
                 "recall": d.recall, "n_test": len(task.y_test)}
