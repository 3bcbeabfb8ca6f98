"""What the practicals' notebooks share: set-up in one call, and experiments recorded in the run store.

The §3.3 slides say "document as you go! (Jupyter is really bad for this.)".  So each experiment in the
notebooks is a spec — TOML text the student edits — run by the experiment runner and recorded in the
store, where ``neuronlab runs list``, ``runs compare`` and the report find it later.  A run already
recorded is not run again: executing a notebook a second time reads the same numbers back.

The practical's last outcome is "communicating progress with your peers": ``share_run`` puts a recorded
run on the class feed with a note, signed by the student's token (``neuronlab class share`` is the same
from a terminal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from neuronlab.store import RunStore

# Spec keys that read better by their table's name ("task.name" → "task", "model.kind" → "model").
_BY_TABLE = {"name", "kind"}


def notebook_setup() -> RunStore:
    """Once at the top of a practical: figures inline, torch on one thread, and the run store.

    The store is ``$NEURONLAB_DB`` if set, else the default store (``neuronlab runs list`` shows it).
    """
    import torch

    import neuronlab.plots  # noqa: F401  (imported first: it selects the Agg backend, switched back below)
    from neuronlab.store import RunStore

    try:
        from IPython import get_ipython
    except ImportError:  # not in Jupyter: plots go to files anyway
        shell = None
    else:
        shell = get_ipython()
    if shell is not None and "IPKernelApp" in shell.config:
        shell.run_line_magic("matplotlib", "inline")
    torch.set_num_threads(1)  # these models are tiny: extra threads only wait for each other
    store = RunStore()
    print(f"runs are recorded in {store!r}")
    return store


def record_runs(spec_toml: str, *, store: RunStore | None = None) -> pd.DataFrame:
    """Run an experiment or sweep (TOML text) and record it; one row per (point, seed) with its scores.

    Columns: ``run`` (the store's id), the swept parameters, ``seed``, ``status``, the headline metric
    (accuracy or R²) on ``train``/``val``/``test``, ``cv`` (mean score under cross-validation, when the
    spec asks for it) and the task's ``ceiling``.  Points recorded earlier are read back, not re-run.
    """
    import pandas as pd

    from neuronlab.experiments.runner import expand, run_sweep
    from neuronlab.experiments.spec import SweepSpec, loads_spec
    from neuronlab.store import RunStore

    store = RunStore() if store is None else store
    spec = loads_spec(spec_toml, source="<notebook spec>")
    run_sweep(spec, store=store)
    axes: list[str] = []
    if isinstance(spec, SweepSpec):
        axes = [*spec.sweep.grid, *(spec.sweep.random.axes if spec.sweep.random else {})]
    runs = {(r.spec_hash, r.seed): r for r in reversed(store.list_runs()) if not r.oneoff}  # newest wins
    rows = []
    for experiment, seed in expand(spec):
        run = runs.get((experiment.spec_hash(), seed))
        params = experiment.flat_params()
        row: dict[str, Any] = {"run": None if run is None else run.id}
        row.update({_label(axis): params.get(axis) for axis in axes})
        row.update(seed=seed, status="missing" if run is None else run.status)
        metrics = {} if run is None else run.metrics
        for split in ("train", "val", "test"):
            row[split] = _headline(metrics.get(split))
        if "cv" in metrics:
            row["cv"] = metrics["cv"].get("mean")
        row["ceiling"] = metrics.get("ceiling")
        rows.append(row)
    return pd.DataFrame(rows)


def run_history(run_id: int, *, store: RunStore | None = None) -> dict[str, Any]:
    """A recorded run's per-epoch history, ready for ``plot_learning_curves``."""
    from neuronlab.errors import DataError
    from neuronlab.store import RunStore

    record = (RunStore() if store is None else store).get(int(run_id))
    if not record.history:
        raise DataError(f"run {run_id} has no per-epoch history (linear models and GPs have none)")
    history: dict[str, Any] = dict(record.history)
    history["epoch"] = list(range(1, len(next(iter(history.values()))) + 1))
    history["metric_name"] = "accuracy" if "accuracy" in (record.metrics.get("val") or {}) else "r2"
    return history


@dataclass(frozen=True)
class Shared:
    """A run on the class feed: its id in the class's store (not the local one, when uploaded)."""

    run_id: int
    class_id: int
    author: str
    note: str | None


def share_run(run_id: int, *, token: str | None, note: str | None = None, url: str | None = None,
              db: str | None = None, store: RunStore | None = None) -> Shared:
    """Put a recorded run on your class's feed with ``note``, as the student of ``token``.

    ``url`` (the lab's address, what students have): the run's record — spec, parameters, metrics, no
    figures nor predictions — is read from ``store`` (default: ``db``, else ``$NEURONLAB_DB``) and saved
    in the class on the lab.  Without ``url``, ``db`` is the class's own store (an instructor's machine,
    a lab-wide PostgreSQL) and the run, already there, is put in the class where it is.
    """
    from neuronlab.classroom import ClassFeed, Classroom
    from neuronlab.store import RunStore

    if url is None:
        room = Classroom(db)
        feed = ClassFeed(room)
        try:
            entry = feed.share(token=token, run_id=int(run_id), note=note)
        finally:
            feed.close()
            room.close()
        return Shared(run_id=entry.run_id, class_id=entry.class_id, author=entry.author, note=entry.note)
    local = store if store is not None else RunStore(db)
    record = local.get(int(run_id))
    body = {"experiment": record.experiment, "task": record.task, "model": record.model, "seed": record.seed,
            "spec": record.spec, "params": record.params, "metrics": record.metrics, "note": note,
            "status": "done" if record.status == "running" else record.status}
    data = _post(url, "/api/class/runs", token, body)
    return Shared(run_id=int(data["run_id"]), class_id=int(data["class_id"]), author=str(data["author"]),
                  note=data.get("note"))


def _post(url: str, path: str, token: str | None, body: dict[str, Any]) -> dict[str, Any]:
    """POST JSON to the lab; its 4xx answer becomes the classroom's own one-line error."""
    import httpx

    from neuronlab.classroom.errors import AuthError, ForbiddenError, NotFoundError
    from neuronlab.errors import ConfigError

    base = url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ConfigError(f"--url must start with http:// or https://, got {url[:60]!r}")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.post(base + path, json=body, headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        raise ConfigError(f"cannot reach the lab at {base} ({type(exc).__name__}); check the URL and that "
                          "`neuronlab lab` is running there") from None
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.is_success and isinstance(data, dict):
        return data
    detail = data.get("detail") if isinstance(data, dict) else None
    if not isinstance(detail, str):
        detail = f"the lab at {base} answered {response.status_code} to POST {path}"
    error = {401: AuthError, 403: ForbiddenError, 404: NotFoundError}.get(response.status_code, ConfigError)
    raise error(detail)


def _label(axis: str) -> str:
    table, _, key = axis.rpartition(".")
    return table.split(".")[0] if key in _BY_TABLE and table else key


def _headline(split: Any) -> float | None:
    if not isinstance(split, dict):
        return None
    value = split.get("accuracy", split.get("r2"))
    return None if value is None else float(value)
