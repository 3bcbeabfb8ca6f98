"""Instructor sources: jupytext's percent format, read by jupytext, and the exercise markers.

Why percent files (``notebooks/*.py``): they diff and review like code, hold no outputs, and open in any
editor; jupytext (a dependency) reads them, and Jupyter with jupytext opens them as notebooks.  Plain
``.ipynb`` sources work as well.  What we use of the format:

    # %% [markdown]                    a markdown cell; its lines lose their leading "# "
    # %% tags=["instructor"]           a code cell, with JSON-valued cell metadata after the marker

Exercise markers follow nbgrader, so instructors recognise them: a cell whose first line is
``# exercise: sigmoid`` (or whose metadata holds ``{"neuronlab": {"exercise": "sigmoid"}}``) is graded
as that exercise wherever it ends up; ``### BEGIN SOLUTION`` / ``### END SOLUTION`` wrap the code a
student writes; ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS`` wrap instructor-only asserts;
and a cell tagged ``instructor`` is left out of the student copy entirely.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import nbformat
from nbformat import NotebookNode

from neuronlab.errors import ConfigError, DataError

CELL = re.compile(r"^# %%(?P<rest>.*)$")
KIND = re.compile(r"^\s*\[(?P<kind>\w+)\]")
KEY = re.compile(r"\s*(?P<key>[A-Za-z_][\w.-]*)=")
EXERCISE = re.compile(r"^#\s*exercise:\s*(?P<name>[A-Za-z_]\w*)\s*$")
BEGIN = re.compile(r"^(?P<indent>\s*)###\s*BEGIN (?P<kind>SOLUTION|HIDDEN TESTS)\b[:\s]*(?P<hint>.*?)\s*$")
END = re.compile(r"^\s*###\s*END (?P<kind>SOLUTION|HIDDEN TESTS)\b")
INSTRUCTOR_TAG = "instructor"
JUPYTEXT_LAYOUT = frozenset({"lines_to_next_cell", "lines_to_end_of_cell_marker", "cell_marker"})
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


@dataclass(frozen=True)
class Region:
    """Lines ``start``..``end`` (inclusive, the markers included) of a cell's source."""

    kind: Literal["solution", "hidden"]
    start: int
    end: int
    indent: str
    hint: str


def read_notebook(path: str | Path) -> NotebookNode:
    """A notebook from an ``.ipynb`` file or a percent-format ``.py`` source."""
    path = Path(path)
    if path.suffix not in (".ipynb", ".py"):
        raise DataError(f"{path}: not a notebook; give an .ipynb file or a percent-format .py source")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{path}: no such file; check the path") from None
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: cannot read the file ({err})") from None
    if path.suffix == ".py":
        return parse_percent(text, source=str(path))
    try:
        return nbformat.reads(text, as_version=4)
    except Exception as err:  # nbformat raises several unrelated types for a broken file
        raise DataError(f"{path}: not a valid notebook ({type(err).__name__}); open and re-save it in Jupyter"
                        ) from None


def is_percent_source(text: str) -> bool:
    return any(CELL.match(line) for line in text.splitlines())


def parse_percent(text: str, *, source: str = "<string>") -> NotebookNode:
    """Cells of a percent-format script, read by jupytext: ``# %%`` starts a code cell, ``# %% [markdown]``
    a markdown one.  Each cell marker is checked first, so a typo is one line naming the file and line
    (jupytext would read ``tags=[instructor]`` as a cell title); blank cells and jupytext's layout hints
    (``lines_to_next_cell``) are dropped, so a student copy carries only our metadata."""
    import jupytext

    for number, line in enumerate(text.splitlines(), start=1):
        match = CELL.match(line)
        if match is not None:
            _header(match["rest"], f"{source}:{number}")
    parsed = jupytext.reads(text, fmt="py:percent")
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}})
    make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell,
            "raw": nbformat.v4.new_raw_cell}
    for cell in parsed.cells:
        body = cell.source.strip("\n")
        if body.strip():
            metadata = {k: v for k, v in cell.metadata.items()
                        if k not in JUPYTEXT_LAYOUT and not (k == "title" and v is None)}
            nb.cells.append(make[cell.cell_type](source=body, metadata=metadata))
    return nb


def _header(rest: str, where: str) -> tuple[str, dict[str, Any]]:
    """A cell marker's type and JSON metadata, or a ConfigError naming the line."""
    kind = "code"
    match = KIND.match(rest)
    if match:
        kind = {"md": "markdown"}.get(match["kind"], match["kind"])
        rest = rest[match.end():]
    if kind not in ("code", "markdown", "raw"):
        raise ConfigError(f"{where}: unknown cell type [{kind}]; use # %%, # %% [markdown] or # %% [raw]")
    metadata: dict[str, Any] = {}
    decoder = json.JSONDecoder()
    position = 0
    while (key := KEY.search(rest, position)) is not None:
        try:
            value, position = decoder.raw_decode(rest, key.end())
        except json.JSONDecodeError:
            raise ConfigError(f"{where}: cell metadata {key['key']}= needs a JSON value, e.g. "
                              'tags=["instructor"]') from None
        metadata[key["key"]] = value
    return kind, metadata


# -- markers ---------------------------------------------------------------------------------------------------


def exercise_of(cell: NotebookNode) -> str | None:
    """The exercise a cell belongs to: its metadata, else a first line ``# exercise: name``."""
    tagged = cell.get("metadata", {}).get("neuronlab", {}).get("exercise")
    if isinstance(tagged, str) and tagged:
        return tagged
    if cell.get("cell_type") != "code":
        return None
    for line in cell.source.splitlines():
        if line.strip():
            match = EXERCISE.match(line.strip())
            return match["name"] if match else None
    return None


def is_instructor_only(cell: NotebookNode) -> bool:
    return INSTRUCTOR_TAG in cell.get("metadata", {}).get("tags", [])


def regions(source: str, where: str) -> list[Region]:
    """The solution and hidden-test regions of one cell's source, checked for balance (no nesting)."""
    found: list[Region] = []
    open_at: tuple[int, str, str, str] | None = None  # (line, kind, indent, hint)
    for i, line in enumerate(source.splitlines()):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if open_at is not None:
                raise ConfigError(f"{where}, line {i + 1}: ### BEGIN {begin['kind']} inside an open region "
                                  f"(line {open_at[0] + 1}); close that one with ### END first")
            open_at = (i, begin["kind"], begin["indent"], begin["hint"])
        elif end:
            if open_at is None or open_at[1] != end["kind"]:
                raise ConfigError(f"{where}, line {i + 1}: ### END {end['kind']} without a matching "
                                  f"### BEGIN {end['kind']} above it")
            kind: Literal["solution", "hidden"] = "solution" if open_at[1] == "SOLUTION" else "hidden"
            found.append(Region(kind, open_at[0], i, open_at[2], open_at[3]))
            open_at = None
    if open_at is not None:
        raise ConfigError(f"{where}, line {open_at[0] + 1}: ### BEGIN {open_at[1]} is never closed; add "
                          f"### END {open_at[1]}")
    return found
