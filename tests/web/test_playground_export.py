"""Export of a trained playground network (issue 14): the Python script and the JSON, each rebuilding our
own estimator, predict what the session predicts.

The oracle is the session itself (``Session.predict`` / ``predict_proba``).  Every script is RUN in a real
Python process (one harness process imports all of them, as a student's ``from export import model``
would; one more runs a script as ``python file.py``), with no torch imported.  The endpoints are tested
on the real uvicorn server the web tests start; a diverged network and an unknown session are attacked.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from neuronlab.errors import ConfigError, DataError, DivergedError
from neuronlab.playground import FEATURES, PlaygroundConfig, Session
from neuronlab.playground.export import FORMAT, NetworkExport, load_network, network_export
from neuronlab.playground.export_script import FEATURE_CODE, render_script

ALL_FEATURES = tuple(FEATURES)
# name → (config, epochs): every kind, 1-D and 2-D regression, bias off, each activation, every feature.
CASES: dict[str, tuple[dict[str, Any], int]] = {
    "binary_moons": ({"task": "moons"}, 30),
    "multiclass_blobs": ({"task": "blobs", "hidden": (5,), "activation": "relu", "optimizer": "adam",
                          "eta": 0.03}, 30),
    "regression_1d_sin": ({"task": "sin", "features": ("x1", "x1^2", "sin(x1)"), "hidden": (6, 3)}, 30),
    "regression_2d_plane": ({"task": "plane", "hidden": (4,), "eta": 0.05}, 20),
    "bias_off_xor": ({"task": "xor", "bias": False, "hidden": (6,), "activation": "relu"}, 30),
    "no_hidden_layer": ({"task": "gaussians", "hidden": ()}, 10),
    "every_feature_spirals": ({"task": "spirals", "features": ALL_FEATURES, "hidden": (8, 4)}, 20),
    **{f"activation_{a}": ({"task": "circles", "activation": a, "hidden": (3, 3)}, 15)
       for a in ("step", "sigmoid", "tanh", "relu", "leaky_relu", "identity")},
}


@dataclass
class Case:
    session: Session
    export: NetworkExport
    X: np.ndarray  # the test split and points around and beyond the data


def _inputs(session: Session, seed: int) -> np.ndarray:
    X = np.concatenate([session.task.X_train, session.task.X_test])
    lo, hi = X.min(axis=0), X.max(axis=0)
    wide = np.random.default_rng(seed).uniform(lo - (hi - lo), hi + (hi - lo), size=(60, X.shape[1]))
    return np.concatenate([session.task.X_test, wide])


@pytest.fixture(scope="module")
def cases() -> dict[str, Case]:
    out = {}
    for k, (name, (config, epochs)) in enumerate(CASES.items()):
        session = Session(PlaygroundConfig(**config))
        session.train(epochs)
        if name == "binary_moons":  # a weight set by hand, then more training, is part of the state
            session.set_weight(0, 1, 0, 1.25)
            session.train(5)
        out[name] = Case(session, network_export(session), _inputs(session, k))
    return out


HARNESS = textwrap.dedent("""
    import contextlib, importlib.util, io, json, sys
    import numpy as np

    cases = json.load(open(sys.argv[1]))
    out = {}
    for name, case in cases.items():
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):  # importing a script prints nothing
            spec = importlib.util.spec_from_file_location("export_" + name, case["path"])
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        X = np.array(case["X"])
        out[name] = {"printed": printed.getvalue(), "predict": module.model.predict(X).tolist(),
                     "proba": None if case["regression"] else module.model.predict_proba(X).tolist()}
    out["torch imported"] = "torch" in sys.modules
    json.dump(out, open(sys.argv[2], "w"))
""")


@pytest.fixture(scope="module")
def ran(cases: dict[str, Case], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every case's script written to disk and imported by one real Python process; its answers."""
    folder = tmp_path_factory.mktemp("exports")
    todo = {}
    for name, case in cases.items():
        (folder / name).mkdir()
        path = folder / name / case.export.filename("py")
        path.write_text(render_script(case.export))
        todo[name] = {"path": str(path), "X": case.X.tolist(), "regression": case.session.kind == "regression"}
    (folder / "cases.json").write_text(json.dumps(todo))
    (folder / "harness.py").write_text(HARNESS)
    done = subprocess.run([sys.executable, "harness.py", "cases.json", "out.json"], cwd=folder, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads((folder / "out.json").read_text()))


def _same_as_session(session: Session, X: np.ndarray, predict: Any, proba: Any) -> None:
    """Equal to the session's predictions within its float32 rounding (the session computes in float32, the
    estimator in float64 from the very same weights): 1e-6; a label may differ only where the session
    itself cannot tell (its top two probabilities within 1e-6)."""
    if session.kind == "regression":
        np.testing.assert_allclose(np.asarray(predict, dtype=float), session.predict(X), rtol=1e-6,
                                   atol=1e-6 * session.y_std)
        return
    theirs = session.predict_proba(X)
    np.testing.assert_allclose(np.asarray(proba, dtype=float), theirs, rtol=0, atol=1e-6)
    top2 = np.sort(theirs, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 1e-6
    assert clear.mean() > 0.9
    assert np.array_equal(np.asarray(predict)[clear], session.predict(X)[clear])


@pytest.mark.parametrize("name", list(CASES))
def test_the_script_run_in_its_own_process_predicts_what_the_session_does(
        name: str, cases: dict[str, Case], ran: dict[str, Any]) -> None:
    case, out = cases[name], ran[name]
    assert out["printed"] == ""
    _same_as_session(case.session, case.X, out["predict"], out["proba"])


def test_the_scripts_need_no_torch(ran: dict[str, Any]) -> None:
    assert ran["torch imported"] is False


@pytest.mark.parametrize("name", list(CASES))
def test_the_json_loads_back_into_a_pipeline_that_predicts_the_same(name: str, cases: dict[str, Case]) -> None:
    case = cases[name]
    pipeline = load_network(case.export.json())
    _same_as_session(case.session, case.X, pipeline.predict(case.X),
                     None if case.session.kind == "regression" else pipeline.predict_proba(case.X))


def test_the_json_holds_what_the_format_promises(cases: dict[str, Case]) -> None:
    case = cases["binary_moons"]
    data = json.loads(case.export.json())
    session, snap = case.session, case.session.snapshot()
    assert data["format"] == FORMAT and data["version"] == 1
    assert data["config"] == session.config.model_dump(mode="json") and data["task"] == "moons"
    assert data["epoch"] == snap.epoch == 35 and data["edits"] == session.state()["edits"] != []
    assert data["kind"] == "binary" and data["classes"] == [0, 1] and data["features"] == ["x1", "x2"]
    assert data["scaler"] == {"mean": session.scaler.mean_.tolist(), "scale": session.scaler.scale_.tolist()}
    assert data["target"] is None and data["widths"] == [2, 4, 4, 1] and data["activation"] == "tanh"
    for layer, (W, b) in zip(data["layers"], snap.layers, strict=True):  # every digit survives the text
        assert np.array_equal(np.array(layer["weights"]), W) and np.array_equal(np.array(layer["biases"]), b)
    sin = json.loads(cases["regression_1d_sin"].export.json())
    assert sin["target"] == {"mean": cases["regression_1d_sin"].session.y_mean,
                             "scale": cases["regression_1d_sin"].session.y_std}
    assert sin["classes"] is None and sin["inputs"] == ["x"]
    assert all(layer["biases"] is None for layer in json.loads(cases["bias_off_xor"].export.json())["layers"])


def test_each_feature_line_of_the_script_is_the_playgrounds_feature() -> None:
    S = np.random.default_rng(1).normal(size=(200, 2)) * 3
    assert list(FEATURE_CODE) == list(FEATURES)
    for name, code in FEATURE_CODE.items():
        assert np.array_equal(eval(code, {"np": np, "S": S}), FEATURES[name](S)), name


def test_the_filename_names_task_and_epoch_with_safe_characters(cases: dict[str, Case]) -> None:
    assert cases["binary_moons"].export.filename("py") == "neuronlab-moons-epoch35.py"
    odd = NetworkExport({"config": {"task": 'csv:a b"/../x'}, "epoch": 3}, np.zeros((0, 2)), np.zeros(0))
    assert odd.filename("json") == "neuronlab-csv-a-b-x-epoch3.json"


def _diverged() -> Session:
    session = Session(PlaygroundConfig(task="sinh", features=("x1",), activation="identity", eta=10, hidden=(8, 8)))
    session.train(50)
    assert session.snapshot().error is not None
    return session


def test_a_diverged_network_is_not_exported() -> None:
    with pytest.raises(DivergedError, match="diverged"):
        network_export(_diverged())


def test_a_document_that_is_not_an_export_is_one_clear_line(cases: dict[str, Case]) -> None:
    good = json.loads(cases["binary_moons"].export.json())
    bad_shape = json.loads(json.dumps(good))
    bad_shape["layers"][1]["weights"] = bad_shape["layers"][1]["weights"][:2]
    bad_inputs = {**good, "scaler": {"mean": [0.0], "scale": [1.0]}}
    for doc, message in [
        ("{not json", "the export is not JSON"),
        ({"format": "keras"}, f"not a {FORMAT} document"),
        ({**good, "version": 2}, "version 2 is not one this neuronlab reads"),
        ({k: v for k, v in good.items() if k != "layers"}, "missing a part"),
        ({**good, "features": ["x3"]}, "unknown feature 'x3'"),
        ({**good, "kind": "ranking"}, "kind must be binary, multiclass or regression"),
        (bad_shape, "coefs[2] has shape (1, 4): it takes 4 inputs, but layer 1 gives 2 outputs"),
    ]:
        with pytest.raises(ConfigError) as err:
            load_network(doc)
        assert message in str(err.value) and "\n" not in str(err.value), (message, str(err.value))
    with pytest.raises(DataError, match=r"X must be rows of 2 raw input\(s\)"):
        load_network(good).predict(np.zeros((3, 1)))  # one column for a 2-input task is refused, not broadcast
    with pytest.raises(DataError, match=r"X must be rows of 1 raw input\(s\)"):
        load_network(bad_inputs).predict(np.zeros((3, 2)))


# -- the endpoints, on the real server ---------------------------------------------------------------------


def _start(lab_url: str, config: dict[str, Any], epoch: int) -> str:
    created = httpx.post(f"{lab_url}/api/playground", json={"config": config, "epoch": epoch}, timeout=60)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def test_the_endpoints_download_what_the_session_predicts(lab_url: str, tmp_path: Path) -> None:
    sid = _start(lab_url, {"task": "moons", "hidden": [5, 3], "features": ["x1", "x2", "x1*x2"]}, 40)
    X = np.random.default_rng(2).uniform(-2, 3, size=(40, 2))
    served = httpx.post(f"{lab_url}/api/playground/{sid}/predict", json={"X": X.tolist()}, timeout=30).json()["y"]

    got = httpx.get(f"{lab_url}/api/playground/{sid}/export.json", timeout=30)
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/json")
    assert got.headers["content-disposition"] == 'attachment; filename="neuronlab-moons-epoch40.json"'
    assert np.array_equal(load_network(got.text).predict(X), np.asarray(served, dtype=int))

    script = httpx.get(f"{lab_url}/api/playground/{sid}/export.py", timeout=30)
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/x-python")
    assert script.headers["content-disposition"] == 'attachment; filename="neuronlab-moons-epoch40.py"'
    path = tmp_path / "neuronlab-moons-epoch40.py"
    path.write_text(script.text)
    run = subprocess.run([sys.executable, path.name], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    rows = [line.rsplit(" ", 2) for line in run.stdout.splitlines() if line.startswith("[")]
    assert len(rows) == 5 and all(ours == theirs for _, ours, theirs in rows), run.stdout
    assert "class probabilities" in run.stdout


def test_an_unknown_session_is_a_404_and_a_diverged_one_a_409(lab_url: str) -> None:
    for suffix in ("py", "json"):
        missing = httpx.get(f"{lab_url}/api/playground/nosuchsession/export.{suffix}", timeout=30)
        assert missing.status_code == 404 and "no playground session" in missing.json()["detail"]
    sid = _start(lab_url, {"task": "sinh", "features": ["x1"], "activation": "identity", "eta": 10,
                           "hidden": [8, 8]}, 50)
    for suffix in ("py", "json"):
        refused = httpx.get(f"{lab_url}/api/playground/{sid}/export.{suffix}", timeout=30)
        assert refused.status_code == 409, refused.text
        detail = refused.json()["detail"]
        assert "diverged" in detail and "\n" not in detail and "content-disposition" not in refused.headers
