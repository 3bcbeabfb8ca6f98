"""``neuronlab study compare``: does one model beat another on your own CSV, honestly?"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from neuronlab.cli_common import console, friendly
from neuronlab.cli_runs import DbOption


def register(study_app: typer.Typer) -> None:
    """Add ``compare`` to the ``study`` command group."""
    study_app.command("compare")(compare_cmd)


@friendly
def compare_cmd(
    data: Annotated[Path, typer.Argument(help="A CSV file (a header line, numeric feature columns, the target), "
                                              "or a study spec (.toml: data, target, groups, models, folds, "
                                              "repeats, rope, seed).")],
    target: Annotated[str | None, typer.Option(help="The column to predict (CSV).")] = None,
    model: Annotated[list[str] | None, typer.Option(
        "--model", "-m", help='A model and its features, e.g. "linear(inv_sqrt(d))", "mlp(d)", "gp(d, T)"; '
                              "give two or more (CSV).")] = None,
    groups: Annotated[str | None, typer.Option(
        help="Column of group ids (e.g. specimen): folds keep each group whole.")] = None,
    repeats: Annotated[int, typer.Option(help="Repeats of the cross-validation, each reshuffled.")] = 10,
    folds: Annotated[int, typer.Option(help="Folds per repeat.")] = 5,
    rope: Annotated[float, typer.Option(
        help="Region of practical equivalence: differences within ±ROPE (in R² or accuracy) do not matter.")] = 0.01,
    seed: Annotated[int, typer.Option(help="Seed of the folds and the models.")] = 0,
    test_fraction: Annotated[float, typer.Option(
        help="Hold this share of the rows (whole groups) out of the study and score every model once on it at "
             "the end, with a bootstrap interval (0: none).")] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    html: Annotated[Path | None, typer.Option(
        "--html", help="Folder for a static report.html with figures (and result.json).")] = None,
    db: DbOption = None,
    record: Annotated[bool, typer.Option(help="Record every model × fold in the run store.")] = True,
) -> None:
    """Compare models on DATA with repeated (grouped) cross-validation and two tests fit for it.

    Same folds for every model; paired fold-wise differences judged by the Nadeau–Bengio corrected
    t-test and the Bayesian correlated t-test with a ROPE; the leakage gap (with --groups), learning
    curves with their crossover, and the noise ceiling from replicate rows.
    """
    from neuronlab.errors import ConfigError
    from neuronlab.studies.compare import compare
    from neuronlab.studies.compare_report import table_text, to_json, write_html

    if data.suffix.lower() == ".toml":
        from neuronlab.studies.compare_spec import load_compare_spec

        spec, data = load_compare_spec(data)
        target, model, groups = spec.target, list(spec.models), spec.groups
        folds, repeats, rope, seed, test_fraction = spec.folds, spec.repeats, spec.rope, spec.seed, spec.test_fraction
    if target is None or not model:
        raise ConfigError("name the column to predict with --target and the models with --model (two or more), "
                          "or give a study spec (.toml)")
    result = compare(data, target, model, groups=groups, folds=folds, repeats=repeats, rope=rope, seed=seed,
                     test_fraction=test_fraction)
    recorded = None
    if record:
        from neuronlab.store import RunStore
        from neuronlab.studies.compare_store import record_compare

        recorded = record_compare(RunStore(db), result)
    page = write_html(result, html) if html is not None else None
    if as_json:
        sys.stdout.write(to_json(result) + "\n")
        return
    console.print(table_text(result), highlight=False, markup=False, soft_wrap=True)
    if recorded is not None:
        console.print(f"recorded {recorded.added} runs ({recorded.already} already in the store) as sweep "
                      f"{recorded.sweep}", highlight=False, markup=False, soft_wrap=True)
    if page is not None:
        console.print(f"report written to {page}", highlight=False, markup=False, soft_wrap=True)
