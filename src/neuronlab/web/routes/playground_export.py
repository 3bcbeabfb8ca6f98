"""Download a playground session's trained network: a runnable Python script, or JSON.

``GET /api/playground/{sid}/export.py`` and ``.../export.json`` (the formats:
:mod:`neuronlab.playground.export`).  The session comes through ``SessionDep`` like every playground
route (an unknown or expired one is a 404 JSON); an export reads the last published weights, so it
never waits for training and may be taken while the page plays.  A diverged network has nothing to
export: 409 with one line saying what to do, as ``predict`` answers.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio
from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from neuronlab.errors import DivergedError
from neuronlab.playground import Session
from neuronlab.playground.export import NetworkExport, StillTraining, network_export
from neuronlab.playground.export_script import render_script
from neuronlab.web.deps import SessionDep

router = APIRouter(prefix="/api", tags=["playground"])


def _download(session: Session, suffix: str, media_type: str, render: Callable[[NetworkExport], str]) -> Response:
    try:
        export = network_export(session)
    except (DivergedError, StillTraining) as exc:
        raise HTTPException(409, str(exc)) from None
    disposition = f'attachment; filename="{export.filename(suffix)}"'  # the name holds [A-Za-z0-9_.-] only
    return Response(render(export), media_type=media_type, headers={"Content-Disposition": disposition})


@router.get("/playground/{sid}/export.py", response_class=Response,
            responses={200: {"content": {"text/x-python": {}}}, 404: {}, 409: {}})
async def export_python(session: SessionDep) -> Response:
    """The network as a self-contained Python script building ``neuronlab.MLPClassifier``/``MLPRegressor``
    with its weights behind the session's input pipeline; run, it predicts a few test points."""
    return await anyio.to_thread.run_sync(_download, session, "py", "text/x-python; charset=utf-8", render_script)


@router.get("/playground/{sid}/export.json", response_class=Response,
            responses={200: {"content": {"application/json": {}}}, 404: {}, 409: {}})
async def export_json(session: SessionDep) -> Response:
    """The network as JSON: config, scaler, features, widths, weights and biases per layer (format and
    version keys; ``neuronlab.playground.export.load_network`` reads it back into our estimator)."""
    return await anyio.to_thread.run_sync(_download, session, "json", "application/json",
                                          NetworkExport.json)
