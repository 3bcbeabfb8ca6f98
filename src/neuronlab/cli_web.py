"""``neuronlab lab``: the class lab in the browser (a thin face over :func:`neuronlab.web.serve`)."""

from __future__ import annotations

from typing import Annotated

import typer

from neuronlab.cli_common import friendly


def register(app: typer.Typer) -> None:
    """Add the ``lab`` command to the main app."""
    app.command("lab")(lab_cmd)


@friendly
def lab_cmd(
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this machine only; 0.0.0.0: every "
                                           "address, with --allowed-host).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    db: Annotated[str | None, typer.Option("--db", help="Store URL or SQLite path (default: $NEURONLAB_DB, "
                                           "else ~/.local/share/neuronlab).")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes serving the lab over the one store (a class "
                                              "on a multi-core machine: one per core).", min=1, max=64)] = 1,
    allowed_host: Annotated[list[str] | None, typer.Option(
        "--allowed-host", help="A further Host name students may use (this machine's name, the load "
                               "balancer's); repeat it for several; '*' allows any.")] = None,
) -> None:
    """Start the lab (playground, single neuron, runs, scoreboard) and print its URL; Ctrl+C stops it."""
    from neuronlab.web import serve

    serve(host=host, port=port, db=db, workers=workers, allowed_host=allowed_host or ())
