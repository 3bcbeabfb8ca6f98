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
ClassIdOption = Annotated[int | None, typer.Option(
    "--class", help="A class's runs only: the runs its students saved (needs a token of that class).")]
ClassTokenOption = Annotated[str | None, typer.Option(
    "--token", envvar=["NEURONLAB_CLASS_TOKEN", "NEURONLAB_STUDENT_TOKEN"],
    help="With --class: the instructor's token or your student token (or the env variables).")]
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
    class_id: Annotated[int | None, typer.Option(
        "--class", help="Save the new runs in this class's feed too, signed by --token (a student's).")] = None,
    note: Annotated[str | None, typer.Option(help="With --class: the note the feed shows.")] = None,
    token: Annotated[str | None, typer.Option(
        "--token", envvar="NEURONLAB_STUDENT_TOKEN", help="With --class: your student token.")] = None,
    url: Annotated[str | None, typer.Option(
        "--url", envvar="NEURONLAB_LAB_URL", help="With --class: the class's lab, when --db is not its store.")
                   ] = None,
) -> None:
    """Run one experiment (every seed in it) and record it with its figures; a run already recorded is skipped.

    With ``--class``, the runs it records go on the class feed with ``--note`` (into the store itself
    with --db, or uploaded to the lab at --url).
    """
    from neuronlab.errors import ConfigError

    if class_id is None and (note is not None or url is not None):
        raise ConfigError("--note and --url go with --class ID (the class whose feed shows the runs)")
    if class_id is not None and not token:
        raise ConfigError("--class needs your student token: --token or NEURONLAB_STUDENT_TOKEN")
    outcomes = sweep_cmd(spec, db=db, jobs=1, as_json=as_json, figures=True)
    if class_id is not None:
        _share(outcomes, class_id=class_id, token=token, note=note, url=url, db=db, quiet=as_json)


def _share(outcomes: list[Any], *, class_id: int, token: str | None, note: str | None, url: str | None,
           db: str | None, quiet: bool) -> None:
    """Put the runs just recorded on the class feed (a run skipped as already recorded is not shared again)."""
    from neuronlab.errors import ConfigError
    from neuronlab.practicals.lab import share_run

    ids = [o.run_id for o in outcomes if o.run_id is not None]
    if not ids:
        raise ConfigError("no new run was recorded, so none was shared; share an older one with "
                          "`neuronlab class share RUN_ID`")
    for run_id in ids:
        shared = share_run(run_id, token=token, note=note, url=url, db=db)
        if shared.class_id != class_id:
            raise ConfigError(f"your token is of class {shared.class_id}, not {class_id}; run {shared.run_id} "
                              f"went to class {shared.class_id}")
        if not quiet:
            console.print(f"run {run_id} is on the feed of class {shared.class_id} as run {shared.run_id}, "
                          f"by {shared.author}", highlight=False, markup=False)


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
) -> list[Any]:
    """Run every point of a sweep and seed not yet recorded; start it again to resume after a crash."""
    import os

    from neuronlab.experiments.executors import check_executor, default_threads
    from neuronlab.experiments.runner import RunOutcome, run_sweep
    from neuronlab.experiments.spec import load_spec

    check_executor(executor)
    limits.PROCESSES.check(jobs, "--jobs {}")
    if workers is not None:
        limits.PROCESSES.check(workers, "--workers {}")
    loaded = load_spec(spec)
    store = open_store(db)
    threads = default_threads(executor, jobs)
    outcomes: list[RunOutcome] = []
    total = 0
    live = console.is_terminal and not as_json
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, disable=not live) as progress:
        bar = None

        def on_start(n: int) -> None:  # the spec expanded: the bar starts with the number of runs
            nonlocal total, bar
            total = n
            if not as_json:
                where = {"local": f"jobs={jobs}", "ensemble": f"jobs={jobs}",
                         "dask": f"scheduler={scheduler}" if scheduler else f"local cluster, "
                                 f"workers={workers or os.cpu_count() or 1}"}[executor]
                console.print(f"{total} run(s) from {spec} → {store.url}  (executor={executor}, {where}, "
                              f"threads={threads} per process)", highlight=False)
            bar = progress.add_task("runs", total=n)

        def on_result(outcome: RunOutcome) -> None:
            outcomes.append(outcome)
            line = f"{outcome.status:8s} {outcome.spec.name} seed={outcome.seed} score={fmt(outcome.score)}"
            if live and bar is not None:
                # A sweep point's name ends in its swept values, "[train.eta=0.1, ...]": escaped, or Rich
                # reads that as markup and drops it, leaving every line of a sweep looking the same.
                progress.update(bar, advance=1, description=escape(line))
            elif not as_json:
                # One plain line per run, unwrapped: Rich's print cost 0.18 ms a line (0.2 s of a
                # 1,000-run sweep), and a script reading the lines wants each run on one line.
                console.file.write(f"[{len(outcomes)}/{total}] {line}\n")
                console.file.flush()  # a pipe (| tee, a log) sees each run as it is recorded

        run_sweep(loaded, store=store, jobs=jobs, base_dir=spec.parent, on_result=on_result, executor=executor,
                  scheduler=scheduler, workers=workers, threads=threads, figures=figures, on_start=on_start)
    if as_json:
        print_json([{"run_id": o.run_id, "experiment": o.spec.name, "seed": o.seed, "status": o.status,
                     "metrics": o.metrics, "error": o.error} for o in outcomes])
        return list(outcomes)
    counts = {s: sum(o.status == s for o in outcomes) for s in ("done", "diverged", "failed", "skipped")}
    console.print(", ".join(f"{n} {s}" for s, n in counts.items()))
    for o in outcomes:
        if o.status in ("failed", "diverged"):
            first_line = (o.error or "").splitlines()[0] if o.error else ""
            console.print(escape(f"  {o.status}: {o.spec.name} seed={o.seed}: {first_line}"), highlight=False)
    return list(outcomes)


@runs_app.command("list")
@friendly
def runs_list(
    db: DbOption = None,
    task: Annotated[str | None, typer.Option(help="Only runs on this task.")] = None,
    status: Annotated[str | None, typer.Option(help="Only runs with this status.")] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many (newest first).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    class_id: ClassIdOption = None,
    token: ClassTokenOption = None,
) -> None:
    """List recorded runs, newest first; with ``--class``, the runs saved in that class (its feed)."""
    if class_id is not None:
        _class_list(db, class_id, token, task=task, limit=limit, as_json=as_json)
        return
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


def _class_list(db: str | None, class_id: int, token: str | None, *, task: str | None, limit: int | None,
                as_json: bool) -> None:
    """The class feed as a table: who saved what, its score against the ceiling, the note."""
    from neuronlab.classroom import ClassFeed, Classroom
    from neuronlab.classroom.feed import MAX_ENTRIES

    room = Classroom(db)
    feed = ClassFeed(room)
    try:
        entries = feed.entries(class_id=class_id, token=token, task=task, limit=limit or MAX_ENTRIES)
    finally:
        feed.close()
        room.close()
    if as_json:
        print_json([e.__dict__ for e in entries])
        return
    table = Table(title=f"{len(entries)} run(s) of class {class_id}")
    for col in ("id", "author", "task", "model", "score", "ceiling", "note", "when"):
        table.add_column(col, overflow="fold")
    for e in entries:
        table.add_row(str(e.run_id) + (" (hidden)" if e.hidden else ""), escape(e.author), escape(e.task), e.model,
                      fmt(e.score), fmt(e.ceiling), escape(e.note or ""), e.created_at.strftime("%Y-%m-%d %H:%M"))
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
    class_id: ClassIdOption = None,
    token: Annotated[str | None, typer.Option(
        "--token", envvar="NEURONLAB_CLASS_TOKEN", help="With --class: the class's instructor token.")] = None,
) -> None:
    """Write every run (parameters and metrics) as CSV or JSON to standard output; with ``--class``, the
    class's runs with their authors, notes and hidden flags (the instructor's export)."""
    from neuronlab.errors import ConfigError

    if fmt_ not in ("csv", "json"):
        raise ConfigError(f"--format must be csv or json, got {fmt_!r}")
    if class_id is None:
        sys.stdout.write(open_store(db).export(format=fmt_, task=task))
        return
    from neuronlab.classroom import ClassFeed, Classroom

    if task is not None:
        raise ConfigError("--task and --class do not go together; filter the class's export afterwards")
    room = Classroom(db)
    feed = ClassFeed(room)
    try:
        sys.stdout.write(feed.export(class_id=class_id, token=token, format=fmt_))  # type: ignore[arg-type]
    finally:
        feed.close()
        room.close()


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
