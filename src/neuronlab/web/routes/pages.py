"""The HTML pages: thin Jinja2 shells; the JavaScript modules under /static fetch the JSON API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from neuronlab.store import StoreError
from neuronlab.web.deps import StoreDep
from neuronlab.web.routes.runs import RunId, lab_wide

router = APIRouter(include_in_schema=False)


def _page(request: Request, name: str, **context: Any) -> HTMLResponse:
    templates = request.app.state.templates
    context.setdefault("scoreboard", request.app.state.scoreboard)
    response: HTMLResponse = templates.TemplateResponse(request, name, context)
    return response


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/playground")


@router.get("/playground", response_class=HTMLResponse)
def playground(request: Request) -> HTMLResponse:
    return _page(request, "playground.html", page="playground")


@router.get("/neuron", response_class=HTMLResponse)
def neuron(request: Request) -> HTMLResponse:
    return _page(request, "neuron.html", page="neuron")


@router.get("/runs", response_class=HTMLResponse)
def runs(request: Request) -> HTMLResponse:
    return _page(request, "runs.html", page="runs")


@router.get("/runs/compare", response_class=HTMLResponse)
def compare(request: Request, ids: Annotated[str, Query(max_length=200, pattern=r"^\d+(,\d+)*$")]) -> HTMLResponse:
    return _page(request, "compare.html", page="runs", ids=ids)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run(request: Request, run_id: RunId, store: StoreDep) -> HTMLResponse:
    lab_wide(store, run_id)  # a class's run is on its feed, not in the open run browser
    try:
        record = store.get(run_id)
    except StoreError as exc:
        raise HTTPException(404, str(exc)) from None
    return _page(request, "run.html", page="runs", run=record)
