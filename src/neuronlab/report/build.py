"""Write the lab notebook: ``index.html``, one page per task, and the PNG figures beside them.

Everything comes from the store.  The pages are static HTML with inline CSS and relative links only,
so the folder opens offline and can be zipped or mailed.  Drawing is the slow part, so figures are
shown for the best run of each model family and the first ``figures_per_task`` runs of a task only;
they come from ``run_figure``, which draws a figure the run was recorded without (a sweep records none
by default; the fit means training that run once more) and keeps it in the store for the next build.

Rebuilding from the same store writes the same bytes (no clock in the pages, PNGs without metadata, a
figure drawn once is read back after); files a previous build wrote and this one does not (a deleted
run's figure) are removed, found through the manifest ``.neuronlab-report.json`` -- nothing else in
the folder is ever touched.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from neuronlab.errors import ConfigError, NeuronlabError, valid_names
from neuronlab.experiments.figures_on_demand import CURVES, FIGURE_NAMES, FIT, png, run_figure
from neuronlab.report import notebook as nb
from neuronlab.store import RunRecord, RunStore, RunSummary
from neuronlab.store.engine import describe

DEFAULT_FIGURES_PER_TASK = 4
MANIFEST = ".neuronlab-report.json"
FIGURES = "figures/"
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")


@dataclass(frozen=True)
class Figure:
    path: str  # relative to the pages
    caption: str


@dataclass(frozen=True)
class TaskPage:
    """Everything one task's page shows (the templates only lay it out)."""

    name: str
    page: str
    score_label: str
    counts: dict[str, int]
    ceiling: str
    best: nb.RunRow | None
    contenders: list[nb.Contender]
    commands: dict[str, str]  # family → command that would give a missing baseline
    shared: dict[str, str]
    differing: list[str]
    runs: list[nb.RunRow]
    sweeps: list[nb.Sweep]
    heatmaps: dict[str, Figure]  # sweep slug → heatmap
    figures: dict[int, list[Figure]]  # run id → its figures, for the runs that get any
    figure_runs: list[nb.RunRow]
    figures_per_task: int

    @property
    def n_runs(self) -> int:
        return len(self.runs)


@dataclass
class _Output:
    """The files of one build, written together at the end (unchanged files are left alone)."""

    root: Path
    files: dict[str, bytes] = field(default_factory=dict)

    def name(self, stem: str, suffix: str, folder: str = "") -> str:
        """A fresh relative path ``folder/stem + suffix`` (``stem-2``… when taken); ``stem`` is slugged."""
        base = folder + _slug(stem)
        candidate, k = base + suffix, 1
        while candidate in self.files:
            k += 1
            candidate = f"{base}-{k}{suffix}"
        self.files[candidate] = b""
        return candidate

    def add(self, stem: str, suffix: str, data: bytes) -> str:
        """Keep ``data`` as a fresh figure file; its path relative to the pages."""
        path = self.name(stem, suffix, FIGURES)
        self.files[path] = data
        return path

    def write(self) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise ConfigError(f"the report folder {self.root} is a file; give a folder for --out")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            for rel, data in self.files.items():
                path = self.root / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                if not (path.is_file() and path.read_bytes() == data):
                    path.write_bytes(data)
            for rel in _previous_files(self.root) - set(self.files):
                (self.root / rel).unlink(missing_ok=True)
            (self.root / MANIFEST).write_text(json.dumps(sorted(self.files), indent=0) + "\n")
        except OSError as exc:
            raise ConfigError(f"cannot write the report to {self.root} ({exc.strerror or exc}); "
                              "choose a folder you can write with --out") from None


def _previous_files(root: Path) -> set[str]:
    """What the last build listed in its manifest, keeping only plain paths inside ``root``."""
    try:
        listed = json.loads((root / MANIFEST).read_text())
    except (OSError, ValueError):
        return set()
    if not isinstance(listed, list):
        return set()
    return {rel for rel in listed if isinstance(rel, str) and rel and not rel.startswith(("/", "\\"))
            and ".." not in Path(rel).parts}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9._]+", "-", text.lower()).strip("-.")[:60] or "x"


def _heatmap(sweep: nb.Sweep) -> bytes | None:
    from neuronlab.plots import plot_sweep_heatmap

    table = sweep.heatmap
    if table is None:
        return None
    value = str(table.columns[2])
    if not table[value].notna().any():
        return None  # every run diverged or failed: nothing to colour
    return png(plot_sweep_heatmap(table, x="eta", y="alpha", value=value,
                                   title=f"{sweep.name}: {value} (mean over seeds)"))


def _figure_runs(runs: Sequence[RunSummary], n_first: int) -> list[RunSummary]:
    """The best run of each model family, then the first ``n_first`` runs, in time order."""
    chosen = {r.id for r in runs[:n_first]}
    for family in (None, *nb.BASELINES):
        members = [r for r in runs if (r.model not in nb.BASELINES if family is None else r.model == family)]
        best = nb.best_run(members)
        if best is not None:
            chosen.add(best.id)
    return [r for r in runs if r.id in chosen]


def _ceiling_text(runs: Sequence[RunSummary]) -> str:
    values = sorted({c for r in runs if (c := nb.ceiling(r)) is not None})
    if not values:
        return ""
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{values[0]:.3f} to {values[-1]:.3f} (it depends on the task's parameters; see each run)"


def _sweeps(runs: Sequence[RunSummary], page: str, out: _Output) -> tuple[list[nb.Sweep], dict[str, Figure]]:
    """The task's sweeps of two runs or more, and a heatmap for each one that varied both η and α."""
    groups: dict[str, list[RunSummary]] = {}
    for r in runs:
        if r.sweep is not None:
            groups.setdefault(r.sweep, []).append(r)
    sweeps: list[nb.Sweep] = []
    heatmaps: dict[str, Figure] = {}
    for name, members in groups.items():
        if len(members) < 2:
            continue
        sweep = nb.sweep(name, f"sweep-{len(sweeps) + 1}", members)
        sweeps.append(sweep)
        png = _heatmap(sweep)
        if png is not None:
            path = out.add(f"{page.removesuffix('.html')}-{sweep.slug}-heatmap", ".png", png)
            others = [k for k in sweep.keys if k not in nb.HEATMAP_AXES]
            over = "seeds" + (f" and {', '.join(others)}" if others else "")
            heatmaps[sweep.slug] = Figure(path, f"{sweep.name}: mean test score over {over} for each (η, α); "
                                                "blank cells had no finished run; the best cell is outlined.")
    return sweeps, heatmaps


_CAPTIONS = {FIT: "what the model learned, drawn over its task (test points as crosses)",
             CURVES: "train and validation loss, validation metric per epoch"}


def _run_figures(store: RunStore, run: RunSummary, detail: RunRecord | None, out: _Output) -> list[Figure]:
    """The run's fit and learning curves (stored, else drawn now and stored: see ``run_figure``), then
    any other image stored with it, copied as it is."""
    figures = []
    for name in FIGURE_NAMES:
        try:
            data = run_figure(store, run.id, name)
        except NeuronlabError:  # nothing to draw: a failed run, a model without history, a 4-feature task
            continue
        path = out.add(f"run-{run.id}-{name.removesuffix('.png')}", ".png", data)
        figures.append(Figure(path, f"run {run.id}: {_CAPTIONS[name]}"))
    for artifact in detail.artifacts if detail is not None else ():
        if artifact.lower().endswith(_IMAGE_SUFFIXES) and artifact not in FIGURE_NAMES:
            stem, _, suffix = artifact.rpartition(".")
            path = out.add(f"run-{run.id}-{stem or suffix}", "." + suffix.lower(), store.artifact(run.id, artifact))
            figures.append(Figure(path, f"run {run.id}: {artifact}"))
    return figures


def _task_page(store: RunStore, name: str, runs: list[RunSummary], details: Mapping[int, RunRecord],
               out: _Output, figures_per_task: int) -> TaskPage:
    page = out.name(f"task-{name}", ".html")
    differing, shared = nb.differing_keys(runs)
    rows = {r.id: nb.run_row(r, details.get(r.id), differing) for r in runs}
    best = nb.best_run(runs)
    metrics = {s[0] for r in runs if (s := nb.score(r)) is not None}
    score_label = " / ".join(f"test {nb.SCORE_LABELS[m]}" for m in nb.SCORE_NAMES if m in metrics) or "test score"
    sweeps, heatmaps = _sweeps(runs, page, out)
    chosen = _figure_runs(runs, figures_per_task)
    figures = {r.id: figs for r in chosen if (figs := _run_figures(store, r, details.get(r.id), out))}
    # `train --db` records a one-off run here, so the next report shows the baseline.  A server URL may
    # hold a password: it is never written into the page.
    db = shlex.quote(store.url) if store.url.startswith("sqlite") else "<this store's URL>"
    commands = {family: f"neuronlab train {shlex.quote(name)} --model {family} --db {db}" for family in nb.BASELINES}
    counts = {s: sum(r.status == s for r in runs) for s in ("done", "diverged", "failed", "running")}
    return TaskPage(
        name=name, page=page, score_label=score_label, counts=counts, ceiling=_ceiling_text(runs),
        best=None if best is None else rows[best.id], contenders=nb.contenders(runs, rows), commands=commands,
        shared=shared, differing=differing, runs=[rows[r.id] for r in runs], sweeps=sweeps, heatmaps=heatmaps,
        figures=figures, figure_runs=[rows[r.id] for r in chosen if r.id in figures],
        figures_per_task=figures_per_task)


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("neuronlab.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["show"] = nb.show
    return env


def _version() -> str:
    try:
        return version("neuronlab")
    except PackageNotFoundError:
        return "(not installed)"


def build_report(store: RunStore, out_dir: str | Path, *, task: str | None = None,
                 figures_per_task: int = DEFAULT_FIGURES_PER_TASK) -> Path:
    """Write the lab notebook of ``store`` (only ``task``'s runs when given) to ``out_dir``; the index's path.

    Figures are drawn for the best run of each model family and the first ``figures_per_task`` runs of
    each task; pages say so.  The same store always gives the same files, byte for byte.
    """
    if isinstance(figures_per_task, bool) or not isinstance(figures_per_task, int) or figures_per_task < 0:
        raise ConfigError(f"figures_per_task must be an integer >= 0, got {figures_per_task!r}; try 4")
    runs = nb.time_order(store.list_runs(task=task))
    if task is not None and not runs:
        tasks = {r.task for r in store.list_runs()}
        hint = f"tasks with runs: {valid_names(tasks)}" if tasks else "the store has no runs yet"
        raise ConfigError(f"no runs of task {task!r} in the store at {describe(store.url)}; {hint}")
    # One read per run for its notes, error, history and artifact names (list_runs has none of them).
    details = {r.id: store.get(r.id) for r in runs}
    by_task: dict[str, list[RunSummary]] = {}
    for r in runs:
        by_task.setdefault(r.task, []).append(r)

    out = _Output(Path(out_dir))
    out.name("index", ".html")
    pages = [_task_page(store, name, by_task[name], details, out, figures_per_task) for name in sorted(by_task)]
    env = _environment()
    common = {"store": describe(store.url), "version": _version(), "pages": pages, "n_runs": len(runs),
              "only_task": task}
    for page in pages:
        out.files[page.page] = env.get_template("task.html.j2").render(p=page, **common).encode()
    out.files["index.html"] = env.get_template("index.html.j2").render(**common).encode()
    out.write()
    return out.root / "index.html"
