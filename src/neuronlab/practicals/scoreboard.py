"""The student's side of the class scoreboard: fetch a class task's test inputs, submit predictions for them.

    board = connect(url="http://127.0.0.1:8000", token=MY_TOKEN)      # the lab over HTTP, or db="class.db"
    inputs = board.fetch("moons")                                    # the class task's own test inputs
    board.submit("moons", model.predict(inputs.X))                   # one prediction per row, in id order

Why this exists: a class task draws its test set with a secret seed, so ``load_task("moons", seed=0).X_test``
is *another* set of points of the same size, and predictions for it score at chance.  The test inputs
must come from the scoreboard.  ``neuronlab class fetch`` / ``class submit`` and the §3.3 notebook are
thin faces over this module.

Two ways to reach a class: the lab's HTTP API (``url``; what students have) or the store directly
(``db``; an instructor's machine, or tests).  Both answer with the same plain records.  Predictions are
read and checked here, with the scoreboard's own reader, before anything is sent: a file with the wrong
number of rows or a class the task does not have is refused locally and costs no submission.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from neuronlab.classroom import predictions as preds
from neuronlab.classroom.errors import AuthError, ClosedError, ForbiddenError, NotFoundError, QuotaError
from neuronlab.errors import ConfigError, DataError, NeuronlabError

TIMEOUT_S = 30.0
_BY_STATUS: dict[int, type[NeuronlabError]] = {401: AuthError, 403: ForbiddenError, 404: NotFoundError,
                                                409: ClosedError, 429: QuotaError}


@dataclass(frozen=True)
class TaskRef:
    """What a student may know of a class task: no labels, only their names (``labels``) for classes."""

    id: int
    class_id: int
    name: str
    kind: str
    metric: str
    labels: tuple[str, ...] | None
    n_test: int
    feature_names: tuple[str, ...]
    status: str


@dataclass(frozen=True)
class Inputs:
    """A class task's test inputs: row ``i`` of ``X`` is test id ``i``."""

    task: TaskRef
    X: np.ndarray  # (n_test, n_features)

    def to_csv(self) -> str:
        lines = [",".join(["id", *self.task.feature_names])]
        lines += [",".join([str(i), *(repr(float(v)) for v in row)]) for i, row in enumerate(self.X)]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Submitted:
    """The scoreboard's answer to a submission: the Ladder's published value, never the exact score."""

    id: int
    task_id: int
    student: str
    status: str
    published: float | None
    new_best: bool


class Backend(Protocol):
    """One way to reach a class: each call answers with the JSON-shaped record the HTTP API gives."""

    def me(self, token: str) -> dict[str, Any]: ...
    def class_info(self, class_id: int) -> dict[str, Any]: ...
    def task(self, task_id: int) -> dict[str, Any]: ...
    def inputs(self, task_id: int) -> dict[str, Any]: ...
    def train(self, task_id: int) -> dict[str, Any]: ...
    def submit(self, task_id: int, token: str, csv_text: str) -> dict[str, Any]: ...
    def join(self, code: str, name: str) -> dict[str, Any]: ...
    def close(self) -> None: ...


class HttpBackend:
    """The lab's JSON API (``/api/class/...``); its 4xx answers become the classroom's own errors."""

    def __init__(self, url: str) -> None:
        import httpx

        self.url = url.rstrip("/")
        if not self.url.startswith(("http://", "https://")):
            raise ConfigError(f"--url must start with http:// or https://, got {url[:60]!r}; e.g. "
                              "http://127.0.0.1:8000 (what `neuronlab lab` printed)")
        self._client = httpx.Client(base_url=self.url, timeout=TIMEOUT_S)

    def _call(self, method: str, path: str, *, token: str | None = None, content_type: str | None = None,
              **kwargs: Any) -> dict[str, Any]:
        import httpx

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            response = self._client.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise ConfigError(f"cannot reach the lab at {self.url} ({type(exc).__name__}: {exc}); check the URL "
                              "and that `neuronlab lab` is running there") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.is_success and isinstance(body, dict):
            return body
        detail = body.get("detail") if isinstance(body, dict) else None
        if not isinstance(detail, str):  # FastAPI's validation errors, or not a neuronlab lab at all
            detail = (f"the lab at {self.url} answered {response.status_code} to {method} {path}; is this the URL "
                      "`neuronlab lab` printed?")
        raise _BY_STATUS.get(response.status_code, DataError)(detail)

    def me(self, token: str) -> dict[str, Any]:
        return self._call("GET", "/api/class/me", token=token)

    def class_info(self, class_id: int) -> dict[str, Any]:
        return self._call("GET", f"/api/class/classes/{class_id}")

    def task(self, task_id: int) -> dict[str, Any]:
        return self._call("GET", f"/api/class/tasks/{task_id}")

    def inputs(self, task_id: int) -> dict[str, Any]:
        return self._call("GET", f"/api/class/tasks/{task_id}/inputs")

    def train(self, task_id: int) -> dict[str, Any]:
        return self._call("GET", f"/api/class/tasks/{task_id}/train")

    def submit(self, task_id: int, token: str, csv_text: str) -> dict[str, Any]:
        return self._call("POST", f"/api/class/tasks/{task_id}/submissions", token=token, content_type="text/csv",
                          content=csv_text.encode())

    def join(self, code: str, name: str) -> dict[str, Any]:
        return self._call("POST", "/api/class/join", json={"code": code, "name": name})

    def close(self) -> None:
        self._client.close()


class StoreBackend:
    """The store itself, through :class:`~neuronlab.classroom.Classroom` (the same calls the web routes make)."""

    def __init__(self, db: str | None) -> None:
        from neuronlab.classroom import Classroom

        self.room = Classroom(db)

    def me(self, token: str) -> dict[str, Any]:
        return dataclasses.asdict(self.room.whoami(token=token))

    def class_info(self, class_id: int) -> dict[str, Any]:
        return dataclasses.asdict(self.room.class_info(class_id=class_id))

    def task(self, task_id: int) -> dict[str, Any]:
        return dataclasses.asdict(self.room.task_info(task_id=task_id))

    def inputs(self, task_id: int) -> dict[str, Any]:
        found = self.room.test_inputs(task_id=task_id)
        return {"task_id": found.task_id, "feature_names": list(found.feature_names),
                "rows": [list(row) for row in found.rows]}

    def train(self, task_id: int) -> dict[str, Any]:
        found = self.room.train_data(task_id=task_id)
        return {"task_id": found.task_id, "feature_names": list(found.feature_names),
                "rows": [list(row) for row in found.rows], "targets": list(found.targets)}

    def submit(self, task_id: int, token: str, csv_text: str) -> dict[str, Any]:
        return dataclasses.asdict(self.room.submit(task_id=task_id, student_token=token, predictions=csv_text,
                                                   format="csv"))

    def join(self, code: str, name: str) -> dict[str, Any]:
        member, token = self.room.join(code=code, name=name)
        return {"class_id": member.class_id, "member_id": member.id, "name": member.name, "token": token}

    def close(self) -> None:
        self.room.close()


class Scoreboard:
    """A class, reached one way or the other, as one student (``token``) sees it."""

    def __init__(self, backend: Backend, *, token: str | None = None, class_id: int | None = None) -> None:
        self.backend, self.token, self.class_id = backend, token or None, class_id

    def __enter__(self) -> Scoreboard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.backend.close()

    def join(self, code: str, name: str) -> str:
        """Join the class of a single-use join code; the student token (shown once) is kept and returned."""
        answer = self.backend.join(code, name)
        self.token, self.class_id = str(answer["token"]), int(answer["class_id"])
        return self.token

    def task(self, task: int | str) -> TaskRef:
        """A task by id, or by its name in the student's class; a token of another class is refused here."""
        text = str(task).strip()
        if text.isdigit() and not 1 <= int(text) < 2**31:
            raise NotFoundError(f"no task {text}; check the task id")
        info = self.backend.task(int(text)) if text.isdigit() else self._by_name(text)
        if self.token:
            me = self.backend.me(self.token)  # checks the token: a wrong one is refused before any work
            if me.get("role") != "student":
                raise ForbiddenError("this is for students: use the student token you got when joining the class")
            if int(me["class_id"]) != int(info["class_id"]):
                raise ForbiddenError(f"task {info['id']} ({info['name']!r}) belongs to another class than your "
                                     "token's; check the task id")
        return TaskRef(id=int(info["id"]), class_id=int(info["class_id"]), name=str(info["name"]),
                       kind=str(info["kind"]), metric=str(info["metric"]),
                       labels=None if info.get("labels") is None else tuple(map(str, info["labels"])),
                       n_test=int(info["n_test"]), feature_names=tuple(info["feature_names"]),
                       status=str(info["status"]))

    def _by_name(self, name: str) -> dict[str, Any]:
        class_id = self.class_id
        if class_id is None and self.token:
            class_id = int(self.backend.me(self.token)["class_id"])
        if class_id is None:
            raise ConfigError(f"{name!r} is a task name: give the class (--class ID) or your token to look it up, "
                              "or give the task id")
        tasks = self.backend.class_info(class_id)["tasks"]
        for same in (lambda t: t["name"] == name, lambda t: t["name"].lower() == name.lower()):
            found = [t for t in tasks if same(t)]
            if found:
                return dict(found[0])
        names = ", ".join(repr(t["name"]) for t in tasks) or "none yet"
        raise NotFoundError(f"class {class_id} has no task {name!r}; its tasks: {names}")

    def fetch(self, task: int | str) -> Inputs:
        """The task's test inputs (no labels: they never leave the scoreboard)."""
        ref = self.task(task)
        rows = self.backend.inputs(ref.id)["rows"]
        X = np.asarray(rows, dtype=float).reshape(len(rows), len(ref.feature_names))  # (n_test, n_features)
        return Inputs(ref, X)

    def training_rows(self, task: int | str) -> tuple[np.ndarray, np.ndarray]:
        """The rows the class task gives to learn from: ``X`` and ``y`` (class indices, or numbers)."""
        ref = self.task(task)
        data = self.backend.train(ref.id)
        X = np.asarray(data["rows"], dtype=float).reshape(len(data["rows"]), len(ref.feature_names))
        if ref.labels is None:
            return X, np.asarray(data["targets"], dtype=float)
        index = {label: k for k, label in enumerate(ref.labels)}
        return X, np.asarray([index[str(t)] for t in data["targets"]], dtype=np.int64)

    def submit(self, task: int | str, predictions: Any) -> Submitted:
        """Submit one prediction per test id: an array or list in id order, or ``(ids, values)`` from a file.

        Checked first with the scoreboard's reader (row count, ids, classes): a malformed submission is
        refused here, one line, and costs nothing of the quota.
        """
        if not self.token:
            raise AuthError("submitting needs your student token (--token or NEURONLAB_STUDENT_TOKEN), or a join "
                            "code to join the class first")
        ref = self.task(task)
        if ref.status == "closed":
            raise ClosedError(f"task {ref.name!r} is closed; see its final ranking on the board")
        ids, values = predictions if isinstance(predictions, tuple) else in_order(predictions)
        aligned = preds.align(list(ids), list(values), n=ref.n_test, labels=ref.labels)
        answer = self.backend.submit(ref.id, self.token, _as_csv(aligned, ref.labels))
        return Submitted(id=int(answer["id"]), task_id=int(answer["task_id"]), student=str(answer["student"]),
                         status=str(answer["status"]), published=answer.get("published"),
                         new_best=bool(answer.get("new_best")))


def connect(*, url: str | None = None, db: str | None = None, token: str | None = None,
            class_id: int | None = None) -> Scoreboard:
    """The class at the lab's ``url`` (HTTP) or in the store ``db``: exactly one of them."""
    if (url is None) == (db is None):
        raise ConfigError("give the lab's address (--url http://HOST:PORT) or the store (--db), exactly one")
    backend: Backend = HttpBackend(url) if url is not None else StoreBackend(db)
    return Scoreboard(backend, token=token, class_id=class_id)


def in_order(values: Any) -> tuple[list[int], list[Any]]:
    """Predictions given in test-id order (an array, a tensor, a list) as ``(ids, values)``."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    array = np.asarray(values)
    if array.ndim == 2 and 1 in array.shape:
        array = array.ravel()
    if array.ndim != 1:
        raise DataError(f"predictions must be one value per test row (a flat array), got shape {array.shape}")
    return list(range(len(array))), array.tolist()


def _as_csv(aligned: np.ndarray, labels: tuple[str, ...] | None) -> str:
    """``id,prediction`` rows: class names for a classification task, numbers for a regression."""
    cells = [labels[int(v)] for v in aligned] if labels is not None else [repr(float(v)) for v in aligned]
    return "id,prediction\n" + "".join(f"{i},{cell}\n" for i, cell in enumerate(cells))
