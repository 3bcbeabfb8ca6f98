"""The one entry point, ``neuronlab``: a thin face over library calls.

Every command's body calls the library and prints; errors a user can act on (``NeuronlabError``)
become one line on stderr and exit status 2, never a traceback.
"""

# ruff: noqa: E402  (the BLAS setting below must precede every import that loads NumPy)
from __future__ import annotations

import os

# One BLAS thread unless told otherwise, set before NumPy loads it: our matrices are tiny (a prediction
# is a 400 × 32 matmul) and a second BLAS thread only adds hand-offs — with both cores busy, a 2→32→32→1
# predict took 3.1 ms on two BLAS threads against 1.9 ms on one; the compiled kernel parallelises over
# models itself.
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from neuronlab import config, limits
from neuronlab.cli_class import register as register_class_commands
from neuronlab.cli_common import console, friendly, parse_params, print_json
from neuronlab.cli_common import fmt as _fmt
from neuronlab.cli_compare import register as register_compare_command
from neuronlab.cli_runs import DbOption, open_store
from neuronlab.cli_runs import register as register_experiment_commands
from neuronlab.cli_web import register as register_web_commands

app = typer.Typer(
    help="neuronlab: neural-network experiments from a single neuron to the multilayer perceptron.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
study_app = typer.Typer(help="Studies that answer one question honestly.", no_args_is_help=True)
app.add_typer(study_app, name="study")
practical_app = typer.Typer(help="The practicals as notebooks: student copies and grading.", no_args_is_help=True)
app.add_typer(practical_app, name="practical")

register_experiment_commands(app)
register_class_commands(app)
register_web_commands(app)
register_compare_command(study_app)


@app.command("tasks")
@friendly
def tasks_cmd(as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False) -> None:
    """List the built-in tasks with their kind, size and ceiling (the best possible model's expected score)."""
    from neuronlab.tasks import list_tasks

    infos = list_tasks()
    if as_json:
        print_json([info.__dict__ for info in infos])
        return
    table = Table(title="Tasks (ceiling: Bayes accuracy or noise-ceiling R² at default parameters, and the "
                        "range the best possible model scores on the default test split)")
    for col in ("name", "kind", "samples", "features", "ceiling", "best possible on the test split",
                "description"):
        table.add_column(col, overflow="fold")
    for info in infos:
        spread = ("" if info.ceiling_low is None or info.ceiling_high is None
                  else f"{info.ceiling_low:.3f}–{info.ceiling_high:.3f} ({info.n_test} points)")
        table.add_row(info.name, info.kind, str(info.n_samples), str(info.n_features), _fmt(info.ceiling), spread,
                      escape(info.description))
    console.print(table)


def _parse_hidden(text: str) -> tuple[int, ...]:
    from neuronlab.errors import ConfigError

    try:
        widths = tuple(int(w) for w in text.split(",") if w.strip())
    except ValueError:
        raise ConfigError(f"--hidden must be comma-separated widths such as 40 or 40,40; got {text!r}") from None
    if not widths or min(widths) < 1:
        raise ConfigError(f"--hidden needs at least one width ≥ 1, such as 40 or 40,40; got {text!r}")
    return widths


@app.command("train")
@friendly
def train_cmd(
    task: Annotated[str, typer.Argument(help="A task name (see `neuronlab tasks`) or a path to a CSV file.")],
    model: Annotated[str, typer.Option(help="neuron | mlp | linear | gp | bayes_neuron")] = "mlp",
    hidden: Annotated[str, typer.Option(help="Hidden widths, comma-separated (mlp).")] = "40",
    n_neurons: Annotated[int, typer.Option("--n-neurons", help="Neurons side by side, each fitting a part of "
                                                              "the function (neuron).")] = 1,
    activation: Annotated[
        str | None, typer.Option(help="Activation (default: relu for mlp; sigmoid or identity for neuron).")
    ] = None,
    eta: Annotated[float, typer.Option(help=config.doc("eta"))] = config.default("eta", "cli"),
    alpha: Annotated[float, typer.Option(help=config.doc("alpha"))] = config.default("alpha", "cli"),
    optimizer: Annotated[str, typer.Option(help=f"The optimiser (mlp): {' | '.join(config.OPTIMIZERS)}.")
                         ] = config.default("optimizer", "cli"),
    epochs: Annotated[int, typer.Option(help=config.doc("max_epochs"))] = config.default("max_epochs", "cli"),
    batch_size: Annotated[int, typer.Option(help="Samples per gradient step (0: the full batch).")
                          ] = config.default("batch_size", "cli"),
    no_bias: Annotated[bool, typer.Option("--no-bias", help="Train without a bias term.")] = False,
    early_stopping: Annotated[bool, typer.Option(help=config.doc("early_stopping"))
                              ] = config.default("early_stopping", "cli"),
    tol: Annotated[float, typer.Option(help=config.doc("tol"))] = config.default("tol", "cli"),
    engine: Annotated[str, typer.Option(help=config.doc("engine") + f" ({' | '.join(config.ENGINES)}; mlp).")
                      ] = config.default("engine", "cli"),
    scale: Annotated[bool, typer.Option(help="Standardise inputs (scaler fitted on the training split only).")] = True,
    feature: Annotated[
        str | None, typer.Option(help="Hand-made feature map first: inv_sqrt (1/√x), sqrt, log, inv, square.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the task's data and the model's initial weights.")] = 0,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="Task parameter KEY=VALUE, e.g. -p noise=0.3.")
    ] = None,
    target: Annotated[str | None, typer.Option(help="Target column (CSV files).")] = None,
    groups: Annotated[str | None, typer.Option(help="Groups column (CSV files), e.g. specimen id.")] = None,
    plot: Annotated[
        Path | None, typer.Option(help="Write the decision boundary (2-D) or fit (1-D) to this PNG.")
    ] = None,
    db: DbOption = None,
    record: Annotated[bool, typer.Option(help="Record the run in the store (implied by --db).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Train one model on one task and print its scores against the task's ceiling."""
    from neuronlab.errors import ConfigError
    from neuronlab.experiments.oneoff import train_once
    from neuronlab.experiments.spec import spec_from_dict

    task_table: dict[str, Any] = {"params": parse_params(param or [])}
    if task.lower().endswith(".csv") or Path(task).is_file():
        if target is None:
            raise ConfigError(f"{task} is a CSV file: name its target column with --target COLUMN")
        task_table.update(csv=str(Path(task).resolve()), target=target)
        if groups is not None:
            task_table["groups"] = groups
        label = Path(task).name
    else:
        task_table["name"] = label = task
    model_table: dict[str, Any] = {"kind": model, "bias": not no_bias, "scale": scale}
    if model == "mlp":
        model_table["hidden"] = list(_parse_hidden(hidden))
    if model == "neuron":
        model_table["n_neurons"] = n_neurons
    elif n_neurons != 1:
        raise ConfigError(f"--n-neurons sets neurons side by side for --model neuron; for --model {model} "
                          "leave it out (an MLP's widths are --hidden)")
    if activation is not None:
        model_table["activation"] = activation
    if feature is not None:
        model_table["feature"] = feature
    train_table = {"eta": eta, "alpha": alpha, "optimizer": optimizer, "max_epochs": epochs,
                   "batch_size": batch_size, "early_stopping": early_stopping, "tol": tol}
    spec = spec_from_dict({"name": f"train {label}", "seeds": [seed], "task": task_table, "model": model_table,
                           "train": train_table}, source="neuronlab train")
    store = open_store(db) if db is not None or record else None
    config.check("engine", engine)
    result = train_once(spec, seed=seed, store=store, figures=plot is not None, engine=engine)
    figure = None
    if plot is not None:
        if "fit.png" not in result.figures:
            raise ConfigError(f"no picture for {label}: --plot needs a 2-D task or a 1-D regression")
        figure = plot if plot.suffix else plot.with_suffix(".png")
        figure.parent.mkdir(parents=True, exist_ok=True)
        figure.write_bytes(result.figures["fit.png"])
    if as_json:
        print_json({"task": label, "kind": result.kind, "model": model, "params": spec.model_params(),
                    "seed": seed, "metrics": result.metrics, "ceiling": result.metrics.get("ceiling"),
                    "seconds": result.seconds, "figure": str(figure) if figure else None, "run_id": result.run_id})
        return
    print_scores(result.metrics, result.splits, result.metric_name, title=f"{model} on {label} (seed {seed})")
    if result.history:
        console.print(f"epochs run: {len(result.history['train_loss'])}  ({result.seconds:.2f} s)")
    for warning in result.metrics.get("warnings", []):
        console.print(f"[bold yellow]warning:[/] {escape(warning)}")
    if figure is not None:
        console.print(f"figure: {figure}")
    if result.run_id is not None:
        console.print(f"recorded as run {result.run_id} in {store.url if store else ''}", highlight=False)


def print_scores(metrics: dict[str, Any], splits: dict[str, dict[str, Any]], metric: str, *, title: str) -> None:
    """The split scores (with precision and recall for classification), the ceiling with the range the
    best possible model scores on this test split, and the test confusion matrix."""
    from neuronlab.tasks.spread import CeilingRange

    classification = metric == "accuracy"
    table = Table(title=title)
    for col in ("split", metric, *(("precision", "recall") if classification else ()), "n"):
        table.add_column(col, justify="left" if col == "split" else "right")
    for split, values in splits.items():
        extra = [_fmt(values.get("precision")), _fmt(values.get("recall"))] if classification else []
        table.add_row(split, _fmt(values[metric]), *extra, str(values.get("n", "")))
    console.print(table)
    if (spread := metrics.get("ceiling_range")) is not None:
        console.print(CeilingRange(**spread).sentence() + f" ({spread['level']:.0%} of test sets)")
    elif metrics.get("ceiling") is not None:
        console.print(f"ceiling {_fmt(metrics['ceiling'])} (the best possible model's expected score)")
    test = splits.get("test", {})
    if classification and test.get("confusion_matrix") is not None:
        labels = [str(v) for v in test.get("labels") or range(len(test["confusion_matrix"]))]
        matrix = Table(title="test confusion matrix")
        matrix.add_column("true \\ predicted")
        for name in labels:
            matrix.add_column(escape(name), justify="right")
        for name, row in zip(labels, test["confusion_matrix"], strict=True):
            matrix.add_row(escape(name), *(str(int(v)) for v in row))
        console.print(matrix)
        if test.get("average") and test.get("average") != "binary":
            console.print(f"precision and recall: {test['average']} average over the classes", highlight=False)
        elif test.get("positive_label") is not None:
            console.print(f"precision and recall of class {test['positive_label']}", highlight=False)


@app.command("demo")
@friendly
def demo_cmd(
    out: Annotated[Path, typer.Option(help="Folder for the decision-boundary PNGs.")] = Path("neuronlab-out/demo"),
    seed: Annotated[int, typer.Option(help="Seed of every task and model.")] = 0,
) -> None:
    """The Imperial practical end to end: a neuron by hand on separable data, XOR, Gaussians; an MLP on moons."""
    from neuronlab.demo import run_demo

    console.print("[bold]From a single neuron to the multilayer perceptron[/]")
    rows = run_demo(out, seed=seed, on_step=lambda r: console.print(f"  done: {r.step} → {r.figure}"))
    table = Table(title="Test accuracy against the ceiling (Bayes-optimal accuracy) and the range the best "
                        "possible model scores on this test split")
    for col in ("step", "task", "train acc", "test acc", "ceiling", "best possible", "lesson"):
        table.add_column(col, justify="right" if "acc" in col or col in ("ceiling", "best possible") else "left")
    for r in rows:
        spread = "" if r.ceiling_range is None else f"{r.ceiling_range.low:.3f}–{r.ceiling_range.high:.3f}"
        table.add_row(r.step, r.task, _fmt(r.train_accuracy), _fmt(r.test_accuracy), _fmt(r.ceiling), spread,
                      r.lesson)
    console.print(table)
    console.print(f"Decision boundaries written to [bold]{out}/[/]")


@study_app.command("hall-petch")
@friendly
def study_hall_petch(
    scenario: Annotated[str, typer.Option(
        help="Noise scenario: 'slide' (calibrated to the FAU slide's R² 0.91 for the line on 1/√d) or 'clean' "
             "(mild-steel scatter, ceiling 0.974).")] = "slide",
    seed: Annotated[int, typer.Option(help="Seed of the data, the folds and the models.")] = 0,
    folds: Annotated[int, typer.Option(help="Folds per repeat of the grouped cross-validation.")] = 5,
    repeats: Annotated[int, typer.Option(help="Repeats of the cross-validation, each reshuffled.")] = 5,
    rope: Annotated[float, typer.Option(help="Region of practical equivalence, in R².")] = 0.01,
    pools: Annotated[int, typer.Option(
        help="Fresh data sets behind the learning curve (the crossover's uncertainty comes from them).")] = 8,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="Task parameter KEY=VALUE, e.g. -p d_error=0.2.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Does an MLP on raw grain size d beat a straight line on the hand-made feature 1/√d? (FAU week 5)

    The `study compare` protocol on the generated data (linear(d), linear(inv_sqrt(d)), mlp(d), gp(d) on
    repeated grouped folds), a learning curve from 30 to 990 crops on fresh data with the crossover's
    uncertainty, and the test split's verdict with its own.  About a minute.
    """
    from neuronlab.studies.hall_petch import run_hall_petch_study

    limits.FOLDS.check(folds, "--folds {}")
    study = run_hall_petch_study(scenario=scenario, seed=seed, folds=folds, repeats=repeats, rope=rope, pools=pools,
                                 task_params=parse_params(param or []))
    if as_json:
        print_json(study.to_dict())
        return
    console.print(study.table(), highlight=False, markup=False, soft_wrap=True)


@practical_app.command("build")
@friendly
def practical_build(
    src: Annotated[Path, typer.Argument(help="An instructor notebook (.py percent script or .ipynb) or a folder.")],
    out: Annotated[Path, typer.Option(help="Folder for the student notebooks.")] = Path("student"),
) -> None:
    """Write student copies: solutions replaced by placeholders, outputs cleared, hidden checks removed."""
    from neuronlab.practicals.build import build

    for built in build(src, out):
        console.print(f"{built.path}  exercises: {', '.join(built.exercises)}", highlight=False, markup=False)


@practical_app.command("check")
@friendly
def practical_check(
    notebook: Annotated[Path, typer.Argument(help="A student (or instructor) notebook to run and grade.")],
    timeout: Annotated[float, typer.Option(help="Seconds each cell may run before it is stopped.")] = 120,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Run a notebook top to bottom and report each exercise: passed, failed, todo, missing or error.

    Exits 1 when an exercise did not pass. Exercises are found by name, so moved cells are fine.
    """
    from neuronlab.practicals import check_notebook

    report = check_notebook(notebook, timeout_per_cell=timeout)
    if as_json:
        print_json(report.to_dict())
    else:
        console.print(report.text(), highlight=False, markup=False)
    if not report.passed:
        raise typer.Exit(1)


@app.command("figures")
@friendly
def figures_cmd(
    out: Annotated[Path, typer.Option(help="Folder for the figures (PNG) and their numbers (JSON).")] = Path(
        "neuronlab-out/figures"
    ),
    fast: Annotated[bool, typer.Option(help="Fewer epochs and samples (a quick look).")] = False,
    seed: Annotated[int, typer.Option(help="Seed of every figure.")] = 0,
    only: Annotated[list[str] | None, typer.Option(help="Only these figures (repeat the option).")] = None,
) -> None:
    """Regenerate every figure the two practicals show, each with the numbers behind it."""
    from neuronlab.figures import figure_summary, regenerate_all

    written = regenerate_all(out, fast=fast, seed=seed, names=only)
    for name, path in written.items():
        console.print(f"{name:22s} {path}", highlight=False)
        if (summary := figure_summary(path)) is not None:  # the figure's verdict on its slide's claim
            console.print(f"{'':22s} {summary}", highlight=False, markup=False)


def main() -> None:
    """Run the CLI; a usage error (unknown option, a value of the wrong type, a missing argument) is one line.

    Typer draws such errors as a multi-line panel; here they read like our own errors (``friendly``): one
    line on stderr naming the problem and the help to read, exit status 2.
    """
    from neuronlab.cli_common import err_console

    try:
        code = app(standalone_mode=False)
    except typer.TyperException as exc:
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ != "NoArgsIsHelpError":  # `neuronlab study` alone: Typer has printed its help
            where = f"{ctx.command_path} --help" if ctx is not None else "neuronlab --help"
            err_console.print(f"[bold red]error:[/] {escape(exc.format_message())} (see {escape(where)})",
                              highlight=False, soft_wrap=True)
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:
        err_console.print("aborted", highlight=False)
        raise SystemExit(1) from None
    raise SystemExit(code if isinstance(code, int) else 0)
