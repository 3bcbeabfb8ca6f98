"""``neuronlab class ...``: the scoreboard from a terminal (thin faces over neuronlab.classroom).

The instructor's side (create, add-task, codes, close, export) works on the store; the student's side
(join, fetch, submit) reaches the class through the lab's HTTP API (``--url``) or the store (``--db``),
through :mod:`neuronlab.practicals.scoreboard`.  Tokens print once and are stored only as digests; pass
the instructor token with ``--token`` or ``NEURONLAB_CLASS_TOKEN``, a student's with ``--token`` or
``NEURONLAB_STUDENT_TOKEN`` (both keep it out of the shell history).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from neuronlab.cli_common import console, friendly, parse_params, print_json

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
                         params=parse_params(param or []), csv_text=csv_text, target=target, kind=kind,
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


# -- the student's side ------------------------------------------------------------------------------------

UrlOption = Annotated[str | None, typer.Option(
    "--url", envvar="NEURONLAB_LAB_URL", help="The lab's address, as `neuronlab lab` printed it (or --db).")]
StudentDbOption = Annotated[str | None, typer.Option(
    "--db", help="Or the class's store itself (a URL or SQLite path), instead of --url.")]
StudentTokenOption = Annotated[str | None, typer.Option(
    "--token", envvar="NEURONLAB_STUDENT_TOKEN", help="Your student token (from joining the class).")]
CodeOption = Annotated[str | None, typer.Option(
    "--code", help="A join code from your instructor: join the class first (with --name) and print your token.")]
NameOption = Annotated[str | None, typer.Option("--name", help="Your name on the board (with --code).")]
ClassOption = Annotated[int | None, typer.Option("--class", help="The class id, to find a task by its name.")]
TaskArgument = Annotated[str, typer.Argument(help="The class task: its id, or its name in your class.")]


def _board(url: str | None, db: str | None, token: str | None, class_id: int | None, code: str | None,
           name: str | None) -> Any:
    """The class as this student sees it; with ``--code``, join it first and print the new token once."""
    from neuronlab.errors import ConfigError
    from neuronlab.practicals.scoreboard import connect

    if code is not None and not name:
        raise ConfigError("joining with --code needs --name (your name on the board)")
    board = connect(url=url, db=db, token=token, class_id=class_id)
    if code is not None and name is not None:
        try:
            new_token = board.join(code, name)
        except BaseException:
            board.close()
            raise
        console.print(f"joined class {board.class_id} as {name!r}. Your student token (shown once, keep it; "
                      "pass it as --token or NEURONLAB_STUDENT_TOKEN from now on):", highlight=False, markup=False,
                      soft_wrap=True)
        print(new_token)
    return board


@class_app.command("join")
@friendly
def join_cmd(code: Annotated[str, typer.Argument(help="The join code from your instructor.")],
             name: Annotated[str, typer.Option("--name", help="Your name on the board.")],
             url: UrlOption = None, db: StudentDbOption = None) -> None:
    """Join a class with a single-use join code and print your student token (shown once: keep it)."""
    with _board(url, db, None, None, code, name):
        pass


@class_app.command("fetch")
@friendly
def fetch_cmd(
    task: TaskArgument,
    out: Annotated[Path, typer.Option("--out", help="Where to write the test inputs: .csv (id + features) or "
                                                    ".npy (row i = test id i).")] = Path("test_inputs.csv"),
    url: UrlOption = None, db: StudentDbOption = None, token: StudentTokenOption = None,
    class_id: ClassOption = None, code: CodeOption = None, name: NameOption = None,
) -> None:
    """Write a class task's test inputs to a file: the rows to predict (their labels stay on the scoreboard)."""
    from neuronlab.practicals.scoreboard_files import write_inputs

    with _board(url, db, token, class_id, code, name) as board:
        inputs = board.fetch(task)
    write_inputs(inputs, out)
    ref = inputs.task
    console.print(f"wrote {len(inputs.X)} test inputs of task {ref.id} {ref.name!r} ({', '.join(ref.feature_names)})"
                  f" to {out}; predict every row, then `neuronlab class submit {ref.id} PREDICTIONS.csv`",
                  highlight=False, markup=False, soft_wrap=True)


@class_app.command("submit")
@friendly
def submit_cmd(
    task: TaskArgument,
    predictions: Annotated[Path | None, typer.Argument(
        help="Predictions: CSV id,prediction, JSON, or .npy in test-id order (or --run).")] = None,
    run: Annotated[int | None, typer.Option("--run", help="Or a stored run: trained again from its spec and "
                                                          "seed, it predicts the task's test inputs.")] = None,
    runs_db: Annotated[str | None, typer.Option(
        "--runs-db", help="The store holding --run (default: --db if given, else $NEURONLAB_DB).")] = None,
    url: UrlOption = None, db: StudentDbOption = None, token: StudentTokenOption = None,
    class_id: ClassOption = None, code: CodeOption = None, name: NameOption = None,
    as_json: JsonOption = False,
) -> None:
    """Submit predictions for a class task's test inputs; prints your board value (the Ladder's, not the score).

    The file is checked first (one prediction per test id, classes of the task): a malformed one is
    refused here and costs none of your submissions.
    """
    from neuronlab.errors import ConfigError
    from neuronlab.practicals.scoreboard_files import read_predictions, run_predictions

    if (predictions is None) == (run is None):
        raise ConfigError("give a predictions file or --run ID (a stored run), exactly one")
    with _board(url, db, token, class_id, code, name) as board:
        if run is not None:
            inputs = board.fetch(task)
            values: Any = run_predictions(run, inputs, db=runs_db or db)
        else:
            assert predictions is not None
            values = read_predictions(predictions)
        done = board.submit(task, values)
    if as_json:
        print_json(done.__dict__)
        return
    board_value = "—" if done.published is None else f"{done.published:g}"
    console.print(f"submission {done.id} to task {done.task_id}: {done.status}; your board value {board_value}"
                  f"{' (new best)' if done.new_best else ''}", highlight=False, markup=False, soft_wrap=True)


@class_app.command("share")
@friendly
def share_cmd(
    run_id: Annotated[int, typer.Argument(help="A recorded run (see `neuronlab runs list`).")],
    note: Annotated[str | None, typer.Option(help="What you tried and what you saw: the feed shows it.")] = None,
    url: UrlOption = None,
    db: StudentDbOption = None,
    runs_db: Annotated[str | None, typer.Option(
        "--runs-db", help="With --url: the store holding the run (default: $NEURONLAB_DB).")] = None,
    token: StudentTokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Put a recorded run on your class's feed with a note: uploaded to the lab (--url; its record, no
    figures nor predictions), or in place when --db is the class's own store."""
    from neuronlab.errors import ConfigError
    from neuronlab.practicals.lab import share_run

    if url is not None and db is not None:
        raise ConfigError("give --url (the class's lab) or --db (the class's store), not both; "
                          "--runs-db names the store holding the run")
    shared = share_run(run_id, token=token, note=note, url=url, db=db if url is None else runs_db)
    if as_json:
        print_json(shared.__dict__)
        return
    console.print(f"run {run_id} is on the feed of class {shared.class_id} as run {shared.run_id}, by "
                  f"{shared.author}", highlight=False, markup=False, soft_wrap=True)
