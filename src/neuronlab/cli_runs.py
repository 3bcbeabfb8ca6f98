"""The experiment commands of the CLI: run, sweep, runs …, db upgrade (thin faces over the runner and store)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from neuronlab import limits
from neuronlab.cli_common import console, fmt, friendly, print_json

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Store URL or SQLite path (default: $NEURONLAB_DB, else ~/.local/share/neuronlab)."),
]
runs_app = typer.Typer(help="Browse the recorded runs.", no_args_is_help=True)
db_app = typer.Typer(help="Manage the run store.", no_args_is_help=True)


def open_store(db: str | None) -> Any:
    from neuronlab.store import RunStore

    return RunStore(db)


def _headline(metrics: dict[str, Any]) -> float | None:
    test = metrics.get("test") or {}
    value = test.get("accuracy", test.get("r2"))
    return None if value is None else float(value)


def register(app: typer.Typer) -> None:
    """Add the experiment commands to the main app."""
    app.command("run")(run_cmd)
    app.command("sweep")(sweep_cmd)
    app.command("report")(report_cmd)
    app.add_typer(runs_app, name="runs")
    app.add_typer(db_app, name="db")


@friendly
def run_cmd(
    spec: Annotated[Path, typer.Argument(help="An experiment spec (TOML).")],
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Run one experiment (every seed in it) and record it with its figures; a run already recorded is skipped."""
    sweep_cmd(spec, db=db, jobs=1, as_json=as_json, figures=True)


@friendly
def sweep_cmd(
    spec: Annotated[Path, typer.Argument(help="A sweep or experiment spec (TOML).")],
    db: DbOption = None,
    jobs: Annotated[int, typer.Option(help="Processes to run in parallel (local and ensemble executors).")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    executor: Annotated[str, typer.Option(help="local: one run at a time; ensemble: MLPs batched (others "
                                               "alone); dask: batched chunks on a Dask cluster.")] = "ensemble",
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address tcp://HOST:PORT "
                                                       "(--executor dask; default: a local cluster).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes of the local Dask cluster "
                                                     "(default: one per core).")] = None,
    figures: Annotated[bool, typer.Option("--figures/--no-figures",
                                          help="Draw every run's figures now (slow); by default they are "
                                               "drawn when first looked at (web page, report, `runs figure`).")
                       ] = False,
) -> None:
    """Run every point of a sweep and seed not yet recorded; start it again to resume after a crash."""
    import os

    from neuronlab.experiments.executors import check_executor, default_threads
    from neuronlab.experiments.runner import RunOutcome, expand, run_sweep
    from neuronlab.experiments.spec import load_spec

    check_executor(executor)
    limits.PROCESSES.check(jobs, "--jobs {}")
    if workers is not None:
        limits.PROCESSES.check(workers, "--workers {}")
    loaded = load_spec(spec)
    store = open_store(db)
    total = len(expand(loaded))
    threads = default_threads(executor, jobs)
    outcomes: list[RunOutcome] = []
    live = console.is_terminal and not as_json
    if not as_json:
        where = {"local": f"jobs={jobs}", "ensemble": f"jobs={jobs}",
                 "dask": f"scheduler={scheduler}" if scheduler else f"local cluster, "
                         f"workers={workers or os.cpu_count() or 1}"}[executor]
        console.print(f"{total} run(s) from {spec} → {store.url}  (executor={executor}, {where}, "
                      f"threads={threads} per process)", highlight=False)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, disable=not live) as progress:
        bar = progress.add_task("runs", total=total)

        def on_result(outcome: RunOutcome) -> None:
            outcomes.append(outcome)
            progress.advance(bar)
            if not live and not as_json:
                console.print(f"[{len(outcomes)}/{total}] {outcome.status:8s} {outcome.spec.name} seed={outcome.seed}"
                              f" score={fmt(outcome.score)}", highlight=False)

        run_sweep(loaded, store=store, jobs=jobs, base_dir=spec.parent, on_result=on_result, executor=executor,
                  scheduler=scheduler, workers=workers, threads=threads, figures=figures)
    if as_json:
        print_json([{"run_id": o.run_id, "experiment": o.spec.name, "seed": o.seed, "status": o.status,
                     "metrics": o.metrics, "error": o.error} for o in outcomes])
        return
    counts = {s: sum(o.status == s for o in outcomes) for s in ("done", "diverged", "failed", "skipped")}
    console.print(", ".join(f"{n} {s}" for s, n in counts.items()))
    for o in outcomes:
        if o.status in ("failed", "diverged"):
            first_line = (o.error or "").splitlines()[0] if o.error else ""
            console.print(f"  {o.status}: {o.spec.name} seed={o.seed}: {first_line}", highlight=False)


@runs_app.command("list")
@friendly
def runs_list(
    db: DbOption = None,
    task: Annotated[str | None, typer.Option(help="Only runs on this task.")] = None,
    status: Annotated[str | None, typer.Option(help="Only runs with this status.")] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many (newest first).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List recorded runs, newest first."""
    runs = open_store(db).list_runs(task=task, status=status, limit=limit)
    if as_json:
        print_json([r.__dict__ for r in runs])
        return
    table = Table(title=f"{len(runs)} run(s)")
    for col in ("id", "experiment", "task", "model", "seed", "status", "score", "when"):
        table.add_column(col, overflow="fold")
    for r in runs:
        table.add_row(str(r.id), escape(r.experiment), r.task, r.model, str(r.seed), r.status,
                      fmt(_headline(r.metrics)), r.created_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)


@runs_app.command("show")
@friendly
def runs_show(
    run_id: Annotated[int, typer.Argument(help="Run id (see `neuronlab runs list`).")],
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Everything recorded about one run: spec, metrics, history length, versions, notes."""
    from neuronlab.experiments.figures_on_demand import FIGURE_NAMES

    record = open_store(db).get(run_id)
    if as_json:
        print_json(record.__dict__)
        return
    console.print(f"[bold]run {record.id}[/]: {escape(record.experiment)}  "
                  f"({record.task}, {record.model}, seed {record.seed})")
    console.print(f"status: {record.status}" + (f" at epoch {record.diverged_epoch}" if record.diverged_epoch else ""))
    if record.error:
        console.print(f"error: {record.error.splitlines()[0]}", highlight=False)
    table = Table(title="parameters")
    table.add_column("key")
    table.add_column("value")
    for key, value in sorted(record.params.items()):
        table.add_row(key, str(value))
    console.print(table)
    print_json(record.metrics)
    if record.history:
        epochs = len(next(iter(record.history.values())))
        console.print(f"history: {epochs} epochs ({', '.join(record.history)})")
    if record.artifacts:
        console.print(f"artifacts: {', '.join(record.artifacts)}")
    undrawn = [name for name in FIGURE_NAMES if name not in record.artifacts]
    if record.status == "done" and undrawn:
        console.print(f"figures not drawn yet: {', '.join(undrawn)} (`neuronlab runs figure {record.id} NAME` "
                      "draws one)", highlight=False)
    console.print(f"versions: {record.versions}", highlight=False)
    if record.notes:
        console.print(f"notes:\n{escape(record.notes)}", highlight=False)


@runs_app.command("figure")
@friendly
def runs_figure(
    run_id: Annotated[int, typer.Argument(help="Run id (see `neuronlab runs list`).")],
    name: Annotated[str, typer.Argument(help="fit.png or learning_curves.png.")],
    out: Annotated[Path | None, typer.Option(help="Where to write the PNG (default: run-ID-NAME here).")] = None,
    db: DbOption = None,
) -> None:
    """Write one figure of a run; drawn (and kept in the store) if the run was recorded without it."""
    from neuronlab.errors import ConfigError
    from neuronlab.experiments.figures_on_demand import run_figure

    data = run_figure(open_store(db), run_id, name)
    path = out or Path(f"run-{run_id}-{name}")
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise ConfigError(f"cannot write {path} ({exc.strerror or exc}); choose another file with --out") from None
    console.print(f"{name} of run {run_id}: {path}", highlight=False)


@runs_app.command("compare")
@friendly
def runs_compare(
    run_ids: Annotated[list[int], typer.Argument(help="Two or more run ids.")],
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Runs side by side: only the parameters that differ, then every metric."""
    store = open_store(db)
    comparison = store.compare(list(run_ids))
    differing = dict(comparison.differing)
    seeds = tuple(store.get(rid).seed for rid in comparison.run_ids)
    if len(set(seeds)) > 1:
        differing["seed"] = seeds
    if as_json:
        print_json({"run_ids": comparison.run_ids, "differing": differing, "metrics": comparison.metrics})
        return
    table = Table(title=f"runs {', '.join(map(str, comparison.run_ids))}")
    table.add_column("")
    for rid in comparison.run_ids:
        table.add_column(str(rid), justify="right")
    for key, values in differing.items():
        table.add_row(key, *(str(v) for v in values))
    table.add_section()
    for key, values in comparison.metrics.items():
        if all(isinstance(v, int | float) or v is None for v in values):
            table.add_row(key, *(fmt(v) if isinstance(v, float) else str(v) for v in values))
    console.print(table)


@runs_app.command("note")
@friendly
def runs_note(
    run_id: Annotated[int, typer.Argument(help="Run id.")],
    text: Annotated[str, typer.Argument(help="The note (appended, with a timestamp).")],
    db: DbOption = None,
) -> None:
    """Append a note to a run: what you saw, what you will try next."""
    open_store(db).add_note(run_id, text)
    console.print(f"note added to run {run_id}")


@runs_app.command("export")
@friendly
def runs_export(
    db: DbOption = None,
    fmt_: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    task: Annotated[str | None, typer.Option(help="Only runs on this task.")] = None,
) -> None:
    """Write every run (parameters and metrics) as CSV or JSON to standard output."""
    from neuronlab.errors import ConfigError

    if fmt_ not in ("csv", "json"):
        raise ConfigError(f"--format must be csv or json, got {fmt_!r}")
    sys.stdout.write(open_store(db).export(format=fmt_, task=task))


@friendly
def report_cmd(
    out: Annotated[Path, typer.Option(help="Folder for the lab notebook (HTML pages and figures).")] = Path(
        "neuronlab-out/report"
    ),
    db: DbOption = None,
    task: Annotated[str | None, typer.Option(help="Only this task.")] = None,
    figures: Annotated[int, typer.Option(help="Runs per task drawn with their figures (besides the best).")] = 4,
) -> None:
    """Write the lab notebook: a static HTML page per task from the recorded runs (opens offline)."""
    from neuronlab.report import build_report

    index = build_report(open_store(db), out, task=task, figures_per_task=figures)
    console.print(f"lab notebook: {index}")


@db_app.command("upgrade")
@friendly
def db_upgrade(db: DbOption = None) -> None:
    """Create the store or bring it to this neuronlab's schema (also done automatically on first use)."""
    from neuronlab.store import resolve_url, upgrade

    revision = upgrade(db)
    console.print(f"store {resolve_url(db)} is at schema {revision}")
