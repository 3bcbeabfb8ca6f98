"""Checks that isolate: one wrong function gives exactly one ✗, and its message says where to look, not the code.

Each case writes a practical's exercises as a student would, into one namespace (a notebook's globals),
with exactly one of them wrong in a classic way, then checks every exercise of the practical the way
grading does (``namespace=`` the notebook's globals).  Before isolation, a wrong ``sigmoid`` also failed
the right ``neuron`` and ``train`` that call it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

from neuronlab.practicals import check, check_notebook, exercises
from neuronlab.practicals.source import exercise_of, read_notebook

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"

SECTION_3_2 = '''
import numpy as np

def sigmoid(a):
    a = np.asarray(a, dtype=float)
    ea = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + ea), ea / (1.0 + ea))

def neuron(X, w):
    return sigmoid(X @ w)

def train(X, t, w, eta, alpha=0.0, epochs=1):
    for _ in range(epochs):
        y = neuron(X, w)
        e = t - y
        g = -e[:, None] * X
        w = w - eta * g.sum(axis=0) - eta * alpha * w
    return w
'''

SECTION_3_3 = '''
import torch
from torch import nn

class TorchNeuron(nn.Module):
    def __init__(self, n_inputs):
        super().__init__()
        self.linear = nn.Linear(n_inputs, 1)

    def forward(self, X):
        return torch.sigmoid(self.linear(X))

def loss_fn(y, t):
    return nn.functional.binary_cross_entropy(y, t)

def accuracy(y, t):
    return ((y > 0.5).float() == t).float().mean().item()

class MLP(nn.Module):
    def __init__(self, n_inputs, n_hidden=40):
        super().__init__()
        self.hidden = nn.Linear(n_inputs, n_hidden)
        self.output = nn.Linear(n_hidden, 1)

    def forward(self, X):
        return torch.sigmoid(self.output(torch.relu(self.hidden(X))))
'''

FAU = '''
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

def honest_cv(model, X, y, groups, n_splits=5):
    return cross_val_score(make_pipeline(StandardScaler(), model), X, y, groups=groups, cv=GroupKFold(n_splits),
                           scoring="r2")
'''

# (practical, its right code, the one line made wrong → the wrong line, the exercise that must fail, a phrase)
CASES = [
    pytest.param("imperial_3_2", SECTION_3_2, "return np.where(a >= 0, 1.0 / (1.0 + ea), ea / (1.0 + ea))",
                 "return 1.0 / (1.0 + np.exp(a))", "sigmoid", "sign of the exponent", id="sigmoid-wrong-sign"),
    pytest.param("imperial_3_2", SECTION_3_2, "e = t - y", "e = y - t", "training_loop", "moves w uphill",
                 id="update-sign-flip"),
    pytest.param("imperial_3_3", SECTION_3_3, "return ((y > 0.5).float() == t).float().mean().item()",
                 "return (((y > 0.5).float() == 1) & (t == 1)).float().mean().item()", "accuracy",
                 "only the true positives", id="accuracy-tp-only"),
    pytest.param("fau_week05", FAU, "make_pipeline(StandardScaler(), model), X,",
                 "model, StandardScaler().fit_transform(X),", "honest_cv", "fitted on all the data",
                 id="scaler-fitted-on-all-data"),
]

# What a message or hint must not hand out: the reference's code or its formula written out.
CODE = ["@", "Σ", "−η", "-eta", "= t", "= y", "1/(1", "e^(", "np.", "torch.", "nn.", "GroupKFold", "Pipeline",
        "(TP + TN)", "cross_val_score", "fit_transform"]


def assert_no_code(text: str) -> None:
    found = [fragment for fragment in CODE if fragment in text]
    assert not found, f"{found} in {text!r}"


def student_namespace(code: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(code, "<notebook>", "exec"), namespace)
    return namespace


def of_practical(practical: str) -> list[str]:
    return [name for name, ex in exercises().items() if ex.practical == practical]


@pytest.mark.parametrize(("practical", "code", "right", "wrong", "failing", "phrase"), CASES)
def test_one_wrong_function_gives_exactly_one_cross(practical: str, code: str, right: str, wrong: str,
                                                     failing: str, phrase: str) -> None:
    assert right in code
    namespace = student_namespace(code.replace(right, wrong))
    before = dict(namespace)
    results = {name: check(name, namespace[exercises()[name].symbol], seeds=(0, 1), quiet=True, namespace=namespace)
               for name in of_practical(practical)}
    assert {name: r.passed for name, r in results.items()} == {name: name != failing for name in results}, \
        {name: r.message for name, r in results.items()}
    assert phrase in results[failing].message, results[failing].message
    assert_no_code(results[failing].message)
    assert all(namespace[key] is value for key, value in before.items())  # the student's own names are back


def test_without_a_namespace_the_functions_own_globals_are_used() -> None:
    """``check("neuron", neuron)`` in a notebook cell: the neuron's globals are the notebook's."""
    namespace = student_namespace(SECTION_3_2.replace("ea / (1.0 + ea))", "ea / (2.0 + ea))"))
    wrong_sigmoid = namespace["sigmoid"]
    assert not check("sigmoid", wrong_sigmoid, quiet=True).passed
    assert check("neuron", namespace["neuron"], quiet=True).passed
    assert check("training_loop", namespace["train"], quiet=True).passed
    assert namespace["sigmoid"] is wrong_sigmoid


def test_a_missing_function_is_not_filled_in() -> None:
    """Only names the student defined are stood in for: a neuron without a sigmoid still says so."""
    namespace = student_namespace(SECTION_3_2)
    del namespace["sigmoid"]
    result = check("neuron", namespace["neuron"], quiet=True, namespace=namespace)
    assert not result.passed and "NameError" in result.message
    assert "sigmoid" not in namespace


@pytest.mark.parametrize("name", sorted(exercises()))
def test_hints_say_where_to_look_not_the_code(name: str) -> None:
    hint = exercises()[name].hint
    assert_no_code(hint)
    assert re.search(r"\bsection \d", hint) or name == "honest_cv", hint


def test_grading_a_notebook_with_only_the_sigmoid_wrong_fails_only_the_sigmoid(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    nb = read_notebook(NOTEBOOKS / "imperial_3_2_numpy_neuron.py")
    end = next(i for i, c in enumerate(nb.cells) if c.source.startswith('check("training_loop"'))
    nb.cells = nb.cells[:end + 1]
    setup = next(c for c in nb.cells if "notebook_setup()" in c.source)
    setup.source = "import numpy as np\n\nfrom neuronlab.practicals import check"
    cell = next(c for c in nb.cells if exercise_of(c) == "sigmoid")
    right = "return np.where(a >= 0, 1.0 / (1.0 + ea), ea / (1.0 + ea))"
    assert right in cell.source
    cell.source = cell.source.replace(right, "return 1.0 / (1.0 + np.exp(a))")
    path = tmp_path / "one_wrong.ipynb"
    nbformat.write(nb, path)
    report = check_notebook(path, workdir=tmp_path)
    assert {r.exercise: r.status for r in report.exercises} == {
        "sigmoid": "failed", "neuron": "passed", "training_loop": "passed"}, report.text()
    assert report.n_passed == 2
