"""A playground run's learning curve has the test loss too (issue 14: "the learning curve shows train loss
only"), on the real server: play a few frames, save, read the run back from the run store's API."""

from __future__ import annotations

import math

import httpx


def test_a_saved_run_keeps_the_test_loss_of_every_frame_at_its_epoch(lab_url: str) -> None:
    created = httpx.post(f"{lab_url}/api/playground", json={"config": {"task": "moons", "hidden": [3]}}, timeout=60)
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    drawn = {}  # epoch → the test loss the page drew for that frame
    for _ in range(4):  # the page plays 5 epochs a frame: a test loss every 5th epoch
        frame = httpx.post(f"{lab_url}/api/playground/{sid}/step", json={"epochs": 5, "curve": False},
                           timeout=60).json()["frame"]
        drawn[frame["epoch"]] = frame["test_loss"]
    assert sorted(drawn) == [5, 10, 15, 20]

    saved = httpx.post(f"{lab_url}/api/playground/{sid}/save", timeout=60)
    assert saved.status_code == 201, saved.text
    run = httpx.get(f"{lab_url}/api/runs/{saved.json()['run_id']}", timeout=30).json()
    history = run["history"]
    assert len(history["train_loss"]) == 20 and all(math.isfinite(v) for v in history["train_loss"])
    test = history["test_loss"]  # the key the run page's chart labels "test loss" (not "validation")
    assert len(test) == 20  # epoch k at index k - 1, as train_loss
    for epoch in range(1, 21):
        if epoch in drawn:
            assert math.isclose(test[epoch - 1], drawn[epoch], rel_tol=1e-9), epoch
        else:
            assert test[epoch - 1] is None, epoch  # no frame there: nothing made up
    assert "val_loss" not in history  # the playground has no validation split


def test_a_replayed_url_records_the_curve_the_replay_logged(lab_url: str) -> None:
    """A session opened from its URL at epoch 30 logs one curve point per epoch (as the page would have
    drawn them): every epoch of the run has its test loss."""
    created = httpx.post(f"{lab_url}/api/playground", json={"config": {"task": "xor"}, "epoch": 30}, timeout=60)
    sid = created.json()["id"]
    curve = {e: te for e, _, te in created.json()["state"]["curve"]}
    run_id = httpx.post(f"{lab_url}/api/playground/{sid}/save", timeout=60).json()["run_id"]
    test = httpx.get(f"{lab_url}/api/runs/{run_id}", timeout=30).json()["history"]["test_loss"]
    assert len(test) == 30 and all(math.isclose(test[e - 1], curve[e], rel_tol=1e-9) for e in range(1, 31))
