"""The playground's library side: determinism, replay, hand-set weights, features, live metrics, the neuron."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from neuronlab.errors import ConfigError, DataError, TaskError
from neuronlab.evaluate import classification_report, regression_report
from neuronlab.nn.neuron import Neuron
from neuronlab.playground import Datasets, NeuronConfig, NeuronStepper, PlaygroundConfig, Session, WeightEdit, frames
from neuronlab.playground.budget import Budget, OverBudget, Work
from neuronlab.playground.neuron import neuron_inputs


def weights(session: Session) -> list[np.ndarray]:
    return [p.copy() for W, b in session.snapshot().layers for p in (W, b) if p is not None]


def same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_same_seed_same_initial_weights_and_reset_returns_to_them() -> None:
    cfg = PlaygroundConfig(task="xor", seed=3)
    s1, s2 = Session(cfg), Session(cfg)
    assert same(weights(s1), weights(s2))
    assert not same(weights(s1), weights(Session(cfg.model_copy(update={"seed": 4}))))
    start = weights(s1)
    s1.train(20)
    assert s1.epoch == 20 and not same(weights(s1), start)
    s1.reset()
    assert s1.epoch == 0 and same(weights(s1), start)


def test_training_lowers_the_loss_and_moves_the_boundary() -> None:
    s = Session(PlaygroundConfig(task="moons", eta=0.5))
    before = s.frame()
    s.train(150)
    after = s.frame()
    assert after["train_loss"] < 0.8 * before["train_loss"]
    assert after["metrics"]["test"]["accuracy"] > 0.8
    assert after["boundary"]["data"] != before["boundary"]["data"]
    assert after["epoch"] == 150 and len(s.history) == 150


def test_replay_of_epoch_and_edits_reproduces_the_state_exactly() -> None:
    cfg = PlaygroundConfig(task="circles", features=("x1", "x2", "x1^2"), hidden=(3,), batch_size=16,
                           optimizer="adam", eta=0.05)
    live = Session(cfg)
    for _ in range(4):
        live.train(3)
    live.set_weight(0, 1, 2, 1.5)
    live.set_weight(1, 0, None, -0.25)
    live.train(7)
    replayed = Session(cfg)
    replayed.replay(live.epoch, [WeightEdit(**e) for e in live.state()["edits"]])
    assert replayed.epoch == 19
    assert same(weights(live), weights(replayed))
    assert replayed.frame()["boundary"] == live.frame()["boundary"]


def test_set_weight_by_hand_and_its_errors() -> None:
    s = Session(PlaygroundConfig(hidden=(2,)))
    s.set_weight(0, 1, 0, 2.5)
    frame = s.frame()
    assert frame["weights"][0]["W"][1][0] == 2.5
    s.set_weight(1, 0, None, -1.0)
    assert s.frame()["weights"][1]["b"][0] == -1.0
    for layer, row, col in [(2, 0, 0), (0, 2, 0), (0, 0, 2)]:
        with pytest.raises(ConfigError, match="layer"):
            s.set_weight(layer, row, col, 1.0)
    with pytest.raises(ConfigError, match="finite"):
        s.set_weight(0, 0, 0, float("nan"))
    with pytest.raises(ConfigError, match="bias"):
        Session(PlaygroundConfig(bias=False)).set_weight(0, 0, None, 1.0)


def test_features_are_standardised_inputs_mapped() -> None:
    s = Session(PlaygroundConfig(features=("x1", "x2", "x1*x2", "sin(x2)")))
    S = (s.task.X_train - s.task.X_train.mean(0)) / s.task.X_train.std(0)
    np.testing.assert_allclose(s.features(s.task.X_train), np.column_stack([S[:, 0], S[:, 1], S[:, 0] * S[:, 1],
                                                                           np.sin(S[:, 1])]), atol=1e-12)
    assert s.widths == (4, 4, 4, 1)


@pytest.mark.parametrize(("config", "error", "match"), [
    (dict(task="sin"), ConfigError, "one input"),
    (dict(task="iris"), TaskError, "1 or 2 inputs"),
    (dict(task="nope"), TaskError, "unknown task"),
    (dict(task="sin", features=("x1",), loss="cross_entropy"), ConfigError, "classification"),
    (dict(task="moons", loss="mae"), ConfigError, "regression loss"),
    (dict(task="hall_petch", features=("x1",), noise=0.1), TaskError, "no noise"),
])
def test_bad_configs_say_what_to_do(config: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        Session(PlaygroundConfig.model_validate(config))


@pytest.mark.parametrize("bad", [dict(hidden=(4,) * 7), dict(hidden=(65,)), dict(features=("x3",)), dict(eta=0),
                                 dict(activation="swish"), dict(train_ratio=0.95), dict(colour="red")])
def test_config_refuses_out_of_range_values(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        PlaygroundConfig.model_validate(bad)


def test_regularisation_shrinks_the_weights() -> None:
    norms = {}
    for reg in ("none", "l1", "l2"):
        s = Session(PlaygroundConfig(task="xor", hidden=(8,), regularization=reg, alpha=0.0 if reg == "none" else 0.5,
                                     optimizer="adam", eta=0.05))
        s.train(100)
        norms[reg] = sum(float(np.abs(W).sum()) for W, _ in s._layers())
    assert norms["l1"] < 0.8 * norms["none"]
    assert norms["l2"] < 0.8 * norms["none"]


@pytest.mark.parametrize("task", ["blobs", "moons"])
def test_mse_loss_trains_classifiers(task: str) -> None:
    s = Session(PlaygroundConfig(task=task, loss="mse", optimizer="adam", eta=0.05))
    first = s.frame()["train_loss"]
    s.train(60)
    assert s.frame()["train_loss"] < first


def test_multiclass_and_regression_frames() -> None:
    blobs = Session(PlaygroundConfig(task="blobs"))
    b = blobs.frame()["boundary"]
    assert b["kind"] == "class" and set(frames.decode(b["data"])) <= {0, 1, 2}
    assert len(blobs.frame()["metrics"]["test"]["confusion_matrix"]) == 3
    sin = Session(PlaygroundConfig(task="sin", features=("x1", "sin(x1)"), optimizer="adam", eta=0.05))
    sin.train(200)
    frame = sin.frame()
    assert frame["boundary"]["kind"] == "curve" and len(frame["boundary"]["x"]) == frames.CURVE
    assert frame["metrics"]["test"]["r2"] > 0.8  # sin(x1) is the right feature
    x = np.array(frame["boundary"]["x"])
    inside = (x > -2.5) & (x < 2.5)
    assert np.abs(np.array(frame["boundary"]["y"])[inside] - np.sin(x[inside])).max() < 0.35  # in the task's units


def test_divergence_stops_the_session_with_a_message() -> None:
    s = Session(PlaygroundConfig(task="sinh", features=("x1", "x1^2"), hidden=(16, 16), activation="identity",
                                 eta=10.0))
    s.train(200)
    assert s.error is not None and "eta" in s.error
    epoch = s.epoch
    s.train(5)
    assert s.epoch == epoch and s.frame()["error"] == s.error


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_live_metrics_match_the_evaluate_reports(n_classes: int) -> None:
    rng = np.random.default_rng(n_classes)
    y, p = rng.integers(0, n_classes, 97), rng.integers(0, n_classes, 97)
    p[:3] = 0  # some agreement, some not
    fast = frames.live_metrics("binary" if n_classes == 2 else "multiclass", y, p, n_classes)
    slow = classification_report(y, p, labels=np.arange(n_classes))
    for key in ("accuracy", "precision", "recall"):
        assert fast[key] == pytest.approx(slow[key], abs=1e-12)
    assert fast["confusion_matrix"] == slow["confusion_matrix"]


def test_live_regression_metrics_match_the_evaluate_report() -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(size=50)
    p = y + rng.normal(scale=0.3, size=50)
    fast, slow = frames.live_metrics("regression", y, p, None), regression_report(y, p)
    for key in ("r2", "mse", "mae"):
        assert fast[key] == pytest.approx(slow[key], rel=1e-12)


def test_encode_and_grid_orientation() -> None:
    q = frames.decode(frames.encode(np.array([-1.0, 0.0, 1.0, 5.0]), -1.0, 1.0))
    assert q.tolist() == [0, 128, 255, 255]
    ext = frames.Extent(0.0, 1.0, 0.0, 2.0)
    pts = ext.points(3, 2)
    assert pts[0].tolist() == [0.0, 2.0] and pts[-1].tolist() == [1.0, 0.0]  # row 0 is the top of the image


def test_neuron_stepper_reports_neuron_step() -> None:
    cfg = NeuronConfig(task="and", eta=0.1, alpha=0.01, seed=2)
    stepper = NeuronStepper(cfg)
    X, t, _ = neuron_inputs(cfg)
    oracle = Neuron(2, "sigmoid", seed=2)
    for _ in range(3):
        w = oracle.w.copy()
        trace = oracle.step(X, t, 0.1, 0.01)
        shown = stepper.step()
        np.testing.assert_allclose(shown["dw"], trace.dw, rtol=1e-12)
        # the seed's equations by hand: Δw = −η Σ g − η α w with g = δ x, δ = y − t (sigmoid + cross-entropy)
        y = 1 / (1 + np.exp(-(X @ w + shown["b"])))
        np.testing.assert_allclose(shown["dw"], -0.1 * ((y - t)[:, None] * X).sum(0) - 0.1 * 0.01 * w, rtol=1e-9)
        assert shown["rows"][0]["e"] == pytest.approx(t[0] - y[0])
        np.testing.assert_allclose(shown["w_new"], oracle.w)
    assert len(shown["rows"]) == cfg.show and shown["step"] == 3


def test_neuron_refuses_multiclass() -> None:
    with pytest.raises(ConfigError, match="multiclass"):
        NeuronStepper(NeuronConfig(task="blobs"))


def test_uploaded_tables() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    rows = "\n".join(f"{a},{b},{'yes' if a + b > 0 else 'no'}" for a, b in X)
    datasets = Datasets()
    key = datasets.add(f"u,v,label\n{rows}\n", "label")
    s = Session(PlaygroundConfig(task=f"csv:{key}"), csv_loader=datasets.load)
    assert s.kind == "binary" and s.info()["class_names"] == ["no", "yes"]
    with pytest.raises(DataError, match="no target column"):
        datasets.add(f"u,v,label\n{rows}\n", "colour")
    with pytest.raises(DataError, match="at most"):
        datasets.add("x" * 1_000_001, "label")
    with pytest.raises(TaskError, match="upload the CSV again"):
        Session(PlaygroundConfig(task="csv:0000"), csv_loader=datasets.load)


def test_replay_is_bounded_in_work() -> None:
    s = Session(PlaygroundConfig(task="moons", batch_size=10))  # 200 training rows: 20 steps per epoch
    with pytest.raises(OverBudget, match=r"400,000 optimiser steps.*save the session as a run"):
        s.replay(20_000, [])
    assert s.epoch == 0
    s.replay(50, [], budget=Budget())  # a short one is fine


def test_the_budget_names_the_limit_and_what_to_change() -> None:
    budget = Budget()
    issue = Session(PlaygroundConfig(n_samples=2000, train_ratio=0.5, batch_size=1, hidden=(64,) * 6))
    with pytest.raises(OverBudget, match=r"1,000,000 optimiser steps of a 21,057-parameter network.*5 s one request"
                                         r".*at most \d+ here"):
        budget.check_step(issue.shape(), 1000)  # the issue's request: ~1.8 M steps there, 1 M here
    widest = Session(PlaygroundConfig(n_samples=2000, train_ratio=0.9, batch_size=1, hidden=(64,) * 6,
                                      features=("x1", "x2", "x1^2", "x2^2", "x1*x2")))
    with pytest.raises(OverBudget, match=r"1 epoch is 1,800 optimiser steps.*one frame may take; use a bigger batch"):
        # one epoch outgrows what a stop may wait for (~0.3 s here: a lab that sets a tighter frame cap)
        Budget(frame_seconds=0.1).check_step(widest.shape(), 1)
    small = Session(PlaygroundConfig()).shape()
    budget.check_step(small, 1000)
    with pytest.raises(OverBudget, match=r"more than the 5 s one request may take; ask for fewer epochs \(at most"):
        budget.check_step(Session(PlaygroundConfig(batch_size=1)).shape(), 1000)
    with pytest.raises(OverBudget, match="fewer epochs per frame"):
        budget.check_frame(Session(PlaygroundConfig(batch_size=1, n_samples=400)).shape(), 100)
    assert Budget.from_env({"NEURONLAB_PLAYGROUND_SESSIONS_PER_CLIENT": "20"}).sessions_per_client == 20
    with pytest.raises(ConfigError, match="SESSIONS_PER_CLIENT must be a number"):
        Budget.from_env({"NEURONLAB_PLAYGROUND_SESSIONS_PER_CLIENT": "many"})


def test_training_stops_when_its_work_says_so_and_readers_never_wait() -> None:
    s = Session(PlaygroundConfig(batch_size=1))  # 200 steps an epoch: slow enough to watch
    work = Work(wall_seconds=60)
    box: dict[str, int] = {}
    trainer = threading.Thread(target=lambda: box.update(ran=s.train(10_000, stop=work)))
    trainer.start()
    deadline = time.monotonic() + 30
    while s.epoch < 2:  # the snapshot moves while training runs
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert s.frame()["epoch"] >= 2 and s.state()["epoch"] >= 2  # answered while the trainer holds the session
    work.cancel("the client went away")
    trainer.join(timeout=10)
    assert not trainer.is_alive() and box["ran"] == s.epoch < 10_000
    assert work() == "the client went away"
    shutdown = threading.Event()
    shutdown.set()
    assert Work(60, shutdown)() == "the lab is shutting down" and s.train(5, stop=Work(60, shutdown)) == 0
    assert Work(0)() is not None and "time limit" in str(Work(0)())


def test_a_two_input_regression_table_draws_a_value_heatmap() -> None:
    rng = np.random.default_rng(3)
    X = rng.uniform(-2, 2, size=(80, 2))
    rows = "\n".join(f"{a:.4f},{b:.4f},{a * b + 3:.4f}" for a, b in X)
    datasets = Datasets()
    key = datasets.add(f"p,q,z\n{rows}\n", "z")
    s = Session(PlaygroundConfig(task=f"csv:{key}", features=("x1", "x2", "x1*x2"), hidden=(), optimizer="adam",
                                 eta=0.05), csv_loader=datasets.load)
    s.train(300)
    frame = s.frame()
    assert s.kind == "regression" and frame["boundary"]["kind"] == "value"
    assert frame["boundary"]["lo"] < 3 < frame["boundary"]["hi"]  # in the table's units
    assert frame["metrics"]["test"]["r2"] > 0.95  # x1·x2 is the whole function
