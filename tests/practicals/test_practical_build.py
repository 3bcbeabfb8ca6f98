"""Percent sources and student copies: placeholders in, solutions and hidden tests out, the same bytes twice."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from neuronlab.errors import ConfigError, DataError
from neuronlab.practicals.build import MARKDOWN_PLACEHOLDER, build, sources_in, student_notebook
from neuronlab.practicals.checks import exercises
from neuronlab.practicals.source import exercise_of, parse_percent, read_notebook, regions

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("*.py"))

MINI = '''# ---
# jupyter:
#   jupytext: {}
# ---

# %% [markdown]
# # Title
#
# Some *text*.

# %%
import numpy as np

# %%
# exercise: sigmoid
def sigmoid(a):
    ### BEGIN SOLUTION use exp of -|a|
    ea = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + ea), ea / (1 + ea))
    ### END SOLUTION

# %%
print("visible check")
### BEGIN HIDDEN TESTS
assert sigmoid(np.array([0.0]))[0] == 0.5
### END HIDDEN TESTS

# %%
### BEGIN HIDDEN TESTS
assert True
### END HIDDEN TESTS

# %% tags=["instructor", "keep"] title
print("instructor notes")

# %% [markdown]
# What did you see?
# ### BEGIN SOLUTION
# The secret answer.
# ### END SOLUTION
'''


def test_the_percent_reader_splits_cells_and_reads_metadata() -> None:
    nb = parse_percent(MINI)
    kinds = [c.cell_type for c in nb.cells]
    assert kinds == ["markdown", "code", "code", "code", "code", "code", "markdown"]
    assert nb.cells[0].source == "# Title\n\nSome *text*."  # the header is skipped, "# " prefixes dropped
    assert nb.cells[5].metadata == {"tags": ["instructor", "keep"]}
    assert exercise_of(nb.cells[2]) == "sigmoid" and exercise_of(nb.cells[1]) is None


def test_the_student_copy(tmp_path: Path) -> None:
    source = tmp_path / "mini.py"
    source.write_text(MINI, encoding="utf-8")
    (built,) = build(source, tmp_path / "out")
    assert built.path == tmp_path / "out" / "mini.ipynb" and built.exercises == ("sigmoid",)
    nb = nbformat.read(built.path, as_version=4)
    nbformat.validate(nb)
    text = built.path.read_text(encoding="utf-8")
    for secret in ("np.exp(-np.abs(a))", "HIDDEN TESTS", "== 0.5", "instructor notes", "secret answer",
                   "BEGIN SOLUTION", "END SOLUTION"):
        assert secret not in text
    exercise = next(c for c in nb.cells if exercise_of(c) == "sigmoid")
    assert exercise.metadata == {"neuronlab": {"exercise": "sigmoid"}} and exercise.id == "exercise-sigmoid"
    assert exercise.source.splitlines()[-1] == '    raise NotImplementedError("exercise sigmoid: use exp of -|a|")'
    assert any(c.source.startswith('print("visible check")') for c in nb.cells)
    assert len(nb.cells) == 5  # the hidden-tests-only and the instructor cell are gone
    assert nb.cells[-1].source == f"What did you see?\n{MARKDOWN_PLACEHOLDER}"
    assert nb.metadata["neuronlab"] == {"exercises": ["sigmoid"], "source": "mini.py"}
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_the_default_hint_comes_from_the_exercise() -> None:
    nb = parse_percent("# %%\n# exercise: neuron\ndef neuron(X, w):\n    ### BEGIN SOLUTION\n    pass\n"
                       "    ### END SOLUTION\n")
    (cell,) = student_notebook(nb).cells
    assert exercises()["neuron"].hint in cell.source


def test_an_ipynb_source_loses_its_outputs(tmp_path: Path) -> None:
    nb = parse_percent(MINI)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="42\n")]
    nb.cells[1].execution_count = 3
    nbformat.write(nb, tmp_path / "mini.ipynb")
    (built,) = build(tmp_path / "mini.ipynb", tmp_path / "out")
    code = [c for c in nbformat.read(built.path, as_version=4).cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_the_practicals_build_without_solutions_or_hidden_tests(source: Path, tmp_path: Path) -> None:
    instructor = read_notebook(source)
    (built,) = build(source, tmp_path)
    student = nbformat.read(built.path, as_version=4)
    everything = "\n".join(c.source for c in student.cells)
    by_exercise = {exercise_of(c): c.source for c in student.cells if exercise_of(c)}
    written = {name: "\n".join(line for line in text.splitlines() if "raise NotImplementedError(" not in line)
               for name, text in by_exercise.items()}  # what the student sees, the placeholder's hint aside
    n_hidden = 0
    for cell in instructor.cells:
        lines = cell.source.splitlines()
        for region in regions(cell.source, source.name):
            body = [line.strip() for line in lines[region.start + 1:region.end] if line.strip()]
            if region.kind == "hidden":
                n_hidden += 1
                assert not [line for line in body if line in everything]
            elif (name := exercise_of(cell)) is not None:
                assert not [line for line in body if line in written[name]]
            else:
                assert "\n".join(body) not in everything
    assert n_hidden >= 1, "each practical has hidden tests"
    assert "BEGIN SOLUTION" not in everything and "HIDDEN TESTS" not in everything
    assert set(by_exercise) == set(built.exercises) and set(built.exercises) <= set(exercises())
    for name, text in by_exercise.items():
        assert f'raise NotImplementedError("exercise {name}: ' in text


def test_build_is_idempotent(tmp_path: Path) -> None:
    first = {b.path.name: b.path.read_bytes() for b in build(NOTEBOOKS, tmp_path / "a")}
    second = {b.path.name: b.path.read_bytes() for b in build(NOTEBOOKS, tmp_path / "a")}
    assert first == second and len(first) == len(SOURCES)
    again = {b.path.name: b.path.read_bytes() for b in build(tmp_path / "a", tmp_path / "b")}
    assert again == first  # a student copy built again is unchanged


def test_a_folder_yields_its_notebook_sources_only(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("# %%\nx = 1\n", encoding="utf-8")
    (tmp_path / "helper.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("# notes\n", encoding="utf-8")
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "b.ipynb")
    assert [p.name for p in sources_in(tmp_path)] == ["a.py", "b.ipynb"]
    with pytest.raises(DataError, match="no such file or folder"):
        sources_in(tmp_path / "nope")


def test_the_student_copy_never_overwrites_its_source(tmp_path: Path) -> None:
    nbformat.write(parse_percent(MINI), tmp_path / "mini.ipynb")
    with pytest.raises(ConfigError, match="overwrite"):
        build(tmp_path / "mini.ipynb", tmp_path)


@pytest.mark.parametrize(("text", "phrase"), [
    ("# %%\n# exercise: sigmoid\n### BEGIN SOLUTION\nx = 1\n", "line 2: ### BEGIN SOLUTION is never closed"),
    ("# %%\nx = 1\n### END SOLUTION\n", "without a matching"),
    ("# %%\n### BEGIN SOLUTION\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS\n### END SOLUTION\n", "inside an open"),
    ("# %%\n# exercise: sigmoidd\n### BEGIN SOLUTION\n### END SOLUTION\n", "'sigmoidd', which has no check"),
    ("# %%\n# exercise: sigmoid\nx = 1\n", "has no ### BEGIN SOLUTION"),
    ("# %%\n# exercise: sigmoid\n### BEGIN SOLUTION\n### END SOLUTION\n"
     "# %%\n# exercise: sigmoid\n### BEGIN SOLUTION\n### END SOLUTION\n", "again (first in cell 1)"),
    ("# %% tags=[instructor]\nx = 1\n", "needs a JSON value"),
    ("# %% [python]\nx = 1\n", "unknown cell type"),
])
def test_bad_markers_are_named_with_file_and_place(tmp_path: Path, text: str, phrase: str) -> None:
    source = tmp_path / "bad.py"
    source.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.py") as err:
        build(source, tmp_path / "out")
    assert phrase in str(err.value)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("name", "content", "phrase"), [
    ("missing.py", None, "no such file"),
    ("notes.txt", "hello", "not a notebook"),
    ("broken.ipynb", "{not json", "not a valid notebook"),
])
def test_unreadable_sources_are_data_errors(tmp_path: Path, name: str, content: str | None, phrase: str) -> None:
    if content is not None:
        (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=phrase):
        read_notebook(tmp_path / name)


def test_sources_are_read_by_jupytext_so_escaped_magics_come_back() -> None:
    """jupytext writes an IPython magic as a comment (``# %time ...``) in a percent script and reads it back
    as the magic; our former reader kept the comment, so a notebook saved through jupytext lost its magics."""
    nb = parse_percent("# %%\n# %time x = 1\ny = 2\n")
    assert nb.cells[0].source == "%time x = 1\ny = 2"
    assert nb.cells[0].metadata == {}  # jupytext's layout hints are not carried into student copies
