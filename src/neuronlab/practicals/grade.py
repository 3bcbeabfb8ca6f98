"""Grade a student notebook: run it top to bottom, then check every exercise in the same kernel.

Why grade from the kernel's namespace rather than from the notebook's own ``nl.check`` cells: students
move, edit and delete cells.  After all cells ran (errors do not stop the run), one extra cell looks each
exercise's function up by name (``sigmoid``, ``train``, ``MLP`` …) and checks it, so a function defined
anywhere counts, and a deleted exercise cell is reported as "missing" instead of breaking grading.

Every cell gets ``timeout_per_cell`` seconds (default 120); a cell that runs longer is interrupted, shows a
CellTimeoutError, and the run goes on with the next cell.  Each exercise's check has its own, shorter
time budget (``Exercise.time_budget_s``).  The kernel is this interpreter's ipykernel (not whatever
``python3`` kernelspec the machine has), so the notebook sees the neuronlab being graded with.

The checks run inside the student's kernel: this guards against mistakes, not against a student set on
cheating (the same holds for nbgrader).
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import nbformat
from nbformat import NotebookNode

from neuronlab.errors import ConfigError
from neuronlab.practicals.checks import check, exercises
from neuronlab.practicals.source import exercise_of, read_notebook

Status = Literal["passed", "failed", "todo", "missing", "error"]
MARKER = "NEURONLAB-GRADE "
DEFAULT_TIMEOUT_S = 120
TIMED_OUT = "the cell ran longer than the per-cell time-out and was stopped"


@dataclass(frozen=True)
class ExerciseReport:
    """One exercise's outcome: passed, failed (wrong), todo (placeholder left), missing or error."""

    exercise: str
    status: Status
    message: str
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"exercise": self.exercise, "status": self.status, "message": self.message, "seconds": self.seconds}


@dataclass
class Report:
    """What ``check_notebook`` found: one entry per exercise, and how the run went."""

    notebook: str
    exercises: list[ExerciseReport]
    seconds: float
    cells_run: int
    cell_errors: list[str] = field(default_factory=list)  # "cell 7: NameError: …", one per failing cell

    @property
    def passed(self) -> bool:
        return all(r.status == "passed" for r in self.exercises)

    @property
    def n_passed(self) -> int:
        return sum(r.status == "passed" for r in self.exercises)

    def status(self, exercise: str) -> Status:
        for r in self.exercises:
            if r.exercise == exercise:
                return r.status
        raise KeyError(f"no exercise {exercise!r} in this report")

    def to_dict(self) -> dict[str, Any]:
        return {"notebook": self.notebook, "passed": self.passed, "n_passed": self.n_passed,
                "n_exercises": len(self.exercises), "seconds": self.seconds, "cells_run": self.cells_run,
                "cell_errors": list(self.cell_errors), "exercises": [r.to_dict() for r in self.exercises]}

    def text(self) -> str:
        """The report as a student reads it: one line per exercise, then the totals."""
        marks = {"passed": "✓", "failed": "✗", "todo": "·", "missing": "?", "error": "!"}
        width = max((len(r.exercise) for r in self.exercises), default=8)
        lines = [f"{marks[r.status]} {r.exercise:<{width}}  {r.status:<7}  {r.message}" for r in self.exercises]
        lines.append(f"{self.n_passed}/{len(self.exercises)} exercises passed; {self.cells_run} cells ran in "
                     f"{self.seconds:.1f} s, {len(self.cell_errors)} raised an error")
        return "\n".join(lines)


def check_notebook(path: str | Path, *, timeout_per_cell: float = DEFAULT_TIMEOUT_S,
                   workdir: str | Path | None = None) -> Report:
    """Execute the notebook at ``path`` (``.ipynb`` or a percent ``.py`` source) and grade each exercise.

    The notebook runs in ``workdir`` (default: its own folder) and is not modified on disk.  Exercises
    are those listed in the notebook's metadata (written by ``build``) plus any exercise cell found.
    """
    if isinstance(timeout_per_cell, bool) or not isinstance(timeout_per_cell, int | float) or timeout_per_cell <= 0:
        raise ConfigError(f"timeout_per_cell must be a number of seconds > 0; got {timeout_per_cell!r}")
    path = Path(path)
    nb = read_notebook(path)
    expected = _expected_exercises(nb)
    start = time.perf_counter()
    run = _execute(nb, expected, timeout=timeout_per_cell, workdir=Path(workdir) if workdir else path.parent)
    reports = [_report(name, nb, run) for name in expected]
    return Report(str(path), reports, time.perf_counter() - start, run.cells_run, run.cell_errors)


def grade_in_kernel(namespace: dict[str, Any], names: Sequence[str]) -> None:
    """Run inside the student's kernel after every cell: check each exercise's object, print one marker line."""
    table = exercises()
    results: dict[str, Any] = {}
    for name in names:
        ex = table.get(name)
        if ex is None or ex.symbol not in namespace:
            results[name] = {"defined": False}
            continue
        # The notebook's namespace: the other exercises' references stand in there while this one is checked.
        results[name] = {"defined": True, **check(name, namespace[ex.symbol], quiet=True,
                                                  namespace=namespace).to_dict()}
    print(MARKER + json.dumps(results))


# -- running the notebook ---------------------------------------------------------------------------------


@dataclass
class _Run:
    cells_run: int = 0
    cell_errors: list[str] = field(default_factory=list)
    errors_by_exercise: dict[str, tuple[str, str]] = field(default_factory=dict)  # name → (ename, evalue)
    graded: dict[str, Any] = field(default_factory=dict)
    kernel_error: str | None = None


def _expected_exercises(nb: NotebookNode) -> list[str]:
    listed = [n for n in nb.metadata.get("neuronlab", {}).get("exercises", []) if isinstance(n, str)]
    found = [name for cell in nb.cells if (name := exercise_of(cell)) is not None]
    return list(dict.fromkeys([*listed, *found]))


def _execute(nb: NotebookNode, names: list[str], *, timeout: float, workdir: Path) -> _Run:
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    run = _Run()
    on_timeout = {"ename": "CellTimeoutError", "evalue": TIMED_OUT, "traceback": []}
    with _kernel_dir() as kernel_dir:
        client = NotebookClient(nb, timeout=math.ceil(timeout), allow_errors=True, interrupt_on_timeout=True,
                                error_on_timeout=on_timeout, kernel_manager_class=_kernel_manager_class(),
                                resources={"metadata": {"path": str(workdir)}}, record_timing=False)
        client.km = client.create_kernel_manager()
        if kernel_dir is not None:  # IPC sockets: no open TCP ports, no "unencrypted TCP" warning from the kernel
            client.km.transport, client.km.ip = "ipc", str(kernel_dir / "kernel")
        client.reset_execution_trackers()
        try:
            with client.setup_kernel():
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type != "code":
                        continue
                    start = time.perf_counter()
                    client.execute_cell(cell, index, execution_count=run.cells_run + 1)
                    run.cells_run += 1
                    _note_errors(run, cell, index, timed_out=time.perf_counter() - start >= timeout)
                known = [n for n in names if n in exercises()]  # names from metadata never reach the code
                budget = sum(exercises()[n].time_budget_s for n in known) + timeout
                grader = nbformat.v4.new_code_cell(
                    "__import__('neuronlab.practicals.grade', fromlist=['grade_in_kernel'])"
                    f".grade_in_kernel(globals(), {known!r})")
                client.timeout = math.ceil(budget)
                nb.cells.append(grader)  # nbclient files each executed cell back into the notebook
                client.execute_cell(grader, len(nb.cells) - 1)
                nb.cells.pop()
                run.graded = _parse_marker(grader)
        except DeadKernelError:
            run.kernel_error = "the kernel died (out of memory, or a crash in compiled code)"
    return run


def _note_errors(run: _Run, cell: NotebookNode, index: int, *, timed_out: bool) -> None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            ename, evalue = output.get("ename", "Error"), str(output.get("evalue", "")).strip()
            if timed_out and ename == "KeyboardInterrupt":  # the interrupt nbclient sent at the time-out
                ename, evalue = "CellTimeoutError", TIMED_OUT
            first = evalue.splitlines()[0] if evalue else ""
            run.cell_errors.append(f"cell {index + 1}: {ename}: {first}".rstrip(": "))
            name = exercise_of(cell)
            if name is not None:
                run.errors_by_exercise[name] = (ename, first)


def _parse_marker(cell: NotebookNode) -> dict[str, Any]:
    # Joined first: the kernel may send one printed line in several stream messages.
    text = "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")
    for line in text.splitlines():
        if line.startswith(MARKER):
            parsed: dict[str, Any] = json.loads(line[len(MARKER):])
            return parsed
    return {}


def _report(name: str, nb: NotebookNode, run: _Run) -> ExerciseReport:
    if name not in exercises():
        return ExerciseReport(name, "error", f"no check for exercise {name!r} in this version of neuronlab")
    symbol = exercises()[name].symbol
    cell_present = any(exercise_of(cell) == name for cell in nb.cells)
    graded = run.graded.get(name)
    if graded is None:
        why = run.kernel_error or "grading did not finish (it ran out of time or the kernel stopped)"
        return ExerciseReport(name, "error", why)
    if graded["defined"]:
        return ExerciseReport(name, graded["status"], graded["message"], graded["seconds"])
    if not cell_present:
        return ExerciseReport(name, "missing", f"no exercise cell for {name!r} (first line `# exercise: {name}`) "
                                               f"and `{symbol}` is not defined; copy the cell back from a fresh "
                                               "student copy")
    error = run.errors_by_exercise.get(name)
    if error is None:
        return ExerciseReport(name, "failed", f"the exercise cell ran but did not define `{symbol}`")
    ename, evalue = error
    if ename == "NotImplementedError":
        return ExerciseReport(name, "todo", f"not done yet: the exercise cell still raises NotImplementedError "
                                            f"({evalue})")
    return ExerciseReport(name, "error", f"the exercise cell raised {ename}: {evalue}".rstrip(": "))


# -- the kernel -----------------------------------------------------------------------------------------------


def _kernel_manager_class() -> type:
    """An AsyncKernelManager that always starts this interpreter's ipykernel."""
    from ipykernel.kernelspec import get_kernel_dict
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    class ThisInterpreter(AsyncKernelManager):
        @property
        def kernel_spec(self) -> KernelSpec:
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(resource_dir="", **get_kernel_dict())
            return self._kernel_spec

    return ThisInterpreter


@contextmanager
def _kernel_dir() -> Iterator[Path | None]:
    """A private folder for the kernel's IPC sockets on POSIX (None elsewhere: TCP)."""
    if os.name != "posix" or sys.platform == "emscripten":
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="neuronlab-kernel-") as folder:
        yield Path(folder)
