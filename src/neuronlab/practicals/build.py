"""Instructor source → student notebook: solutions become placeholders, hidden checks and outputs go.

nbgrader does this too, but it brings a database, a server and a course directory layout; the job here
is a few text substitutions, so it is ours, small and tested.  The student copy keeps every cell's
place, clears outputs and execution counts, replaces each ``### BEGIN SOLUTION`` … ``### END SOLUTION``
region by ``raise NotImplementedError("exercise <name>: <hint>")`` at the region's indentation (in
markdown: "_Your answer here._"), deletes ``### BEGIN HIDDEN TESTS`` regions and ``instructor``-tagged
cells, and files each exercise cell's id in its metadata so grading finds the cell wherever it moves.

Building is deterministic (cell ids from positions, no timestamps), so building twice writes the same
bytes, and a student copy built again comes out unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from neuronlab.errors import ConfigError, DataError, valid_names
from neuronlab.practicals.checks import exercises
from neuronlab.practicals.source import (
    KERNELSPEC,
    exercise_of,
    is_instructor_only,
    is_percent_source,
    read_notebook,
    regions,
)

MARKDOWN_PLACEHOLDER = "_Your answer here._"


@dataclass(frozen=True)
class BuiltNotebook:
    """One student copy: where it came from, where it went, and the exercises it holds."""

    source: Path
    path: Path
    exercises: tuple[str, ...]


def build(src: str | Path, out: str | Path) -> list[BuiltNotebook]:
    """Write the student copy of ``src`` (a source file, or every source in a folder) into folder ``out``.

    Each copy is ``out/<source name>.ipynb``.  Raises ConfigError, naming the file and line, for
    unbalanced markers, an unknown or repeated exercise, or an exercise cell without a solution region.
    """
    out = Path(out)
    built = []
    for source in sources_in(Path(src)):
        nb = student_notebook(read_notebook(source), source=source)
        path = out / f"{source.stem}.ipynb"
        if path.resolve() == source.resolve():
            raise ConfigError(f"{path}: the student copy would overwrite its instructor source; choose another --out")
        out.mkdir(parents=True, exist_ok=True)
        path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        built.append(BuiltNotebook(source, path, tuple(nb.metadata["neuronlab"]["exercises"])))
    return built


def sources_in(src: Path) -> list[Path]:
    """The notebook sources of a folder (``*.ipynb`` and percent-format ``*.py``), or the one file given."""
    if src.is_file():
        return [src]
    if not src.is_dir():
        raise DataError(f"{src}: no such file or folder; give an instructor notebook or a folder of them")
    found = sorted(p for p in src.iterdir() if p.suffix == ".ipynb"
                   or (p.suffix == ".py" and is_percent_source(p.read_text(encoding="utf-8"))))
    if not found:
        raise DataError(f"{src}: no notebook sources here (*.ipynb, or *.py with # %% cells)")
    return found


def student_notebook(nb: NotebookNode, *, source: str | Path = "<notebook>") -> NotebookNode:
    """The student copy of an instructor notebook (a new notebook; ``nb`` is not changed)."""
    known = exercises()
    cells: list[NotebookNode] = []
    seen: dict[str, int] = {}
    for number, cell in enumerate(nb.cells, start=1):
        where = f"{source}: cell {number}"
        if is_instructor_only(cell):
            continue
        name = exercise_of(cell)
        if name is not None:
            if name not in known:
                raise ConfigError(f"{where} is exercise {name!r}, which has no check; known exercises: "
                                  f"{valid_names(known)}")
            if name in seen:
                raise ConfigError(f"{where} is exercise {name!r} again (first in cell {seen[name]}); "
                                  "give each exercise one cell")
            seen[name] = number
        text = _student_source(cell, name, where, known[name].hint if name in known else "write your code here")
        if not text.strip():
            continue  # the cell held hidden tests only
        cells.append(_new_cell(cell, text, name, len(cells)))
    student = nbformat.v4.new_notebook(cells=cells)
    student.metadata = {
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python"},
        # a student copy built again keeps naming its instructor source
        "neuronlab": {"exercises": list(seen),
                      "source": nb.metadata.get("neuronlab", {}).get("source") or Path(str(source)).name},
    }
    nbformat.validate(student)
    return student


def _student_source(cell: NotebookNode, name: str | None, where: str, hint: str) -> str:
    lines = cell.source.splitlines()
    found = regions(cell.source, where)
    if name is not None and not any(r.kind == "solution" for r in found) and \
            f'NotImplementedError("exercise {name}:' not in cell.source:
        raise ConfigError(f"{where} is exercise {name!r} but has no ### BEGIN SOLUTION … ### END SOLUTION "
                          "region; mark the code the student writes")
    for region in reversed(found):  # back to front, so earlier line numbers stay valid
        replacement: list[str] = []
        if region.kind == "solution":
            if cell.cell_type == "code":
                message = f"exercise {name}: {region.hint or hint}" if name else (region.hint or hint)
                replacement = [f"{region.indent}raise NotImplementedError({json.dumps(message, ensure_ascii=False)})"]
            else:
                replacement = [MARKDOWN_PLACEHOLDER]
        lines[region.start:region.end + 1] = replacement
    return "\n".join(lines).strip("\n")


def _new_cell(cell: NotebookNode, text: str, name: str | None, index: int) -> NotebookNode:
    metadata: dict[str, Any] = {}
    tags = [t for t in cell.get("metadata", {}).get("tags", []) if t != "instructor"]
    if tags:
        metadata["tags"] = tags
    if name is not None:
        metadata["neuronlab"] = {"exercise": name}
    cell_id = f"exercise-{name}" if name else f"cell-{index:03d}"
    if cell.cell_type == "code":
        return nbformat.v4.new_code_cell(source=text, metadata=metadata, id=cell_id)
    if cell.cell_type == "markdown":
        return nbformat.v4.new_markdown_cell(source=text, metadata=metadata, id=cell_id)
    return nbformat.v4.new_raw_cell(source=text, metadata=metadata, id=cell_id)
