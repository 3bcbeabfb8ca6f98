"""``neuronlab class ...``: the instructor's side of the scoreboard (thin faces over neuronlab.classroom).

Tokens print once and are stored only as digests; pass the instructor token with ``--token`` or, to
keep it out of the shell history, the environment variable ``NEURONLAB_CLASS_TOKEN``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from neuronlab.cli_common import console, friendly, print_json

class_app = typer.Typer(help="Run a class scoreboard: tasks with withheld labels, join codes, rankings.",
                        no_args_is_help=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Store URL or SQLite path (default: $NEURONLAB_DB, else ~/.local/share/neuronlab)."),
]
TokenOption = Annotated[
    str, typer.Option("--token", envvar="NEURONLAB_CLASS_TOKEN", help="The instructor token `class create` printed.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def register(app: typer.Typer) -> None:
    """Add ``neuronlab class ...`` to the main app."""
    app.add_typer(class_app, name="class")


def _room(db: str | None) -> Any:
    from neuronlab.classroom import Classroom

    return Classroom(db)


@class_app.command("create")
@friendly
def create_cmd(name: Annotated[str, typer.Argument(help="The class's name.")], db: DbOption = None,
               as_json: JsonOption = False) -> None:
    """Create a class and print its instructor token (shown once: keep it)."""
    room = _room(db)
    cls, token = room.create_class(name=name)
    room.close()
    if as_json:
        print_json({"class_id": cls.id, "name": cls.name, "instructor_token": token})
        return
    console.print(f"class {cls.id} {cls.name!r} created.\ninstructor token (shown once, keep it secret):",
                  highlight=False)
    print(token)


@class_app.command("add-task")
@friendly
def add_task_cmd(
    class_id: Annotated[int, typer.Argument(help="The class id.")],
    token: TokenOption,
    task: Annotated[str | None, typer.Option(help="A built-in task (see `neuronlab tasks`).")] = None,
    param: Annotated[list[str] | None, typer.Option(help="A task parameter KEY=VALUE (repeatable).")] = None,
    csv: Annotated[Path | None, typer.Option(help="Or a CSV table, with --target.")] = None,
    target: Annotated[str | None, typer.Option(help="The CSV's target column.")] = None,
    kind: Annotated[str | None, typer.Option(help="binary, multiclass or regression (default: inferred).")] = None,
    name: Annotated[str | None, typer.Option(help="Name on the board (default: the task's).")] = None,
    test_fraction: Annotated[float, typer.Option(help="Held-out test rows of a CSV.")] = 0.3,
    public_fraction: Annotated[float | None, typer.Option(
        help="Test rows scored on the public board (default: the class default, half).")] = None,
    quota_per_day: Annotated[str, typer.Option(
        help="Submissions per student per UTC day: a number, 0 for no limit, or 'default' (printed).")] = "default",
    quota_total: Annotated[str, typer.Option(
        help="Submissions per student in all: a number, 0 for no limit, or 'default' (printed).")] = "default",
    ladder_step: Annotated[str, typer.Option(
        help="The Ladder's step η (smaller gains are not published): a number, or 'derived' from the public "
             "part's size (one standard error of its accuracy, at least two rows; printed).")] = "derived",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a task whose test labels stay on the server (a secret seed unless --param seed=... is given).

    A generated task (moons, xor, sin, ...) gets a test set of 150 public rows unless --param sets
    n_samples or test_fraction; a board small enough for a probing student to read gets one warning line.
    """
    from neuronlab.classroom.risk import board_warning
    from neuronlab.cli import _parse_params
    from neuronlab.errors import DataError

    csv_text = None
    if csv is not None:
        try:
            csv_text = csv.read_bytes()
        except OSError as exc:
            raise DataError(f"cannot read {csv} ({exc.strerror}); check the path") from None
    # Only the rules the instructor named are passed: the rest are the service's defaults, declared once
    # in neuronlab.classroom.defaults (and printed below).
    rules: dict[str, Any] = {"ladder_step": _number(ladder_step, "--ladder-step", "derived")}
    for key, text in (("quota_per_day", quota_per_day), ("quota_total", quota_total)):
        if text.strip().lower() != "default":
            rules[key] = _limit(text, "--" + key.replace("_", "-"))
    if public_fraction is not None:
        rules["public_fraction"] = public_fraction
    room = _room(db)
    info = room.add_task(class_id=class_id, instructor_token=token, name=name, task=task,
                         params=_parse_params(param or []), csv_text=csv_text, target=target, kind=kind,
                         test_fraction=test_fraction, **rules)
    room.close()
    warning = board_warning(info)
    if as_json:
        print_json({"task_id": info.id, "name": info.name, "kind": info.kind, "n_test": info.n_test,
                    "n_public": info.n_public, "ladder_step": info.ladder_step, "quota_per_day": info.quota_per_day,
                    "quota_total": info.quota_total, "warning": warning})
        return
    console.print(f"task {info.id} {info.name!r} added: {info.kind}, {info.n_test} test rows "
                  f"({info.n_public} public), scored by {info.metric}", highlight=False)
    derived = " (derived from the public rows)" if rules["ladder_step"] is None else ""
    console.print(f"ladder step {info.ladder_step:g}{derived}; submissions per student: "
                  f"{_shown(info.quota_per_day)} a day, {_shown(info.quota_total)} in all", highlight=False)
    if warning is not None:
        console.print(f"warning: {warning}", highlight=False, markup=False, soft_wrap=True)


def _number(text: str, option: str, word: str) -> float | None:
    """A rule given as a number, or ``word`` (None: the service chooses); the service checks the bounds."""
    from neuronlab.errors import ConfigError

    if text.strip().lower() == word:
        return None
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"{option} must be a number or {word!r}, got {text[:40]!r}") from None


def _limit(text: str, option: str) -> int | None:
    """A quota: a whole number, 0 for no limit (None for the service)."""
    from neuronlab.errors import ConfigError

    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise ConfigError(f"{option} must be 'default', 0 (no limit) or a whole number ≥ 1, got {text[:40]!r}")
    return value or None


def _shown(quota: int | None) -> str:
    return "no limit" if quota is None else str(quota)


@class_app.command("codes")
@friendly
def codes_cmd(class_id: Annotated[int, typer.Argument(help="The class id.")], token: TokenOption,
              n: Annotated[int, typer.Option("-n", help="How many single-use codes.")] = 1,
              db: DbOption = None) -> None:
    """Print ``n`` single-use join codes, one a line (hand one to each student)."""
    room = _room(db)
    codes = room.issue_join_codes(class_id=class_id, instructor_token=token, n=n)
    room.close()
    print("\n".join(codes))


@class_app.command("close")
@friendly
def close_cmd(task_id: Annotated[int, typer.Argument(help="The task id.")], token: TokenOption,
              db: DbOption = None, as_json: JsonOption = False) -> None:
    """Close the task to submissions and print its private ranking."""
    room = _room(db)
    final = room.close_task(task_id=task_id, instructor_token=token)
    room.close()
    if as_json:
        print_json([row.__dict__ for row in final])
        return
    for row in final:
        console.print(f"{row.rank:>3}  {row.private_score:.4f}  {row.student}", highlight=False)


@class_app.command("export")
@friendly
def export_cmd(task_id: Annotated[int, typer.Argument(help="The task id.")], token: TokenOption,
               out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
               db: DbOption = None) -> None:
    """Every submission of the task with its exact public and private scores, as CSV."""
    room = _room(db)
    text = room.export_csv(task_id=task_id, instructor_token=token)
    room.close()
    if out is None:
        print(text, end="")
    else:
        out.write_text(text)
