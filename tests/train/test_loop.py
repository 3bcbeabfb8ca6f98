"""The training loop: optimisers descend, batches partition each epoch, α matches its formula,
early stopping restores the best epoch, divergence is reported with its epoch."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from neuronlab.errors import ConfigError, DivergedError
from neuronlab.nn.mlp import MLP, head_metric
from neuronlab.train.loop import EarlyStopping, History, batch_indices, fit_module


def _sin_data(n: int = 64, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    X = torch.rand(n, 1, generator=g, dtype=torch.float64) * 6 - 3
    return X, torch.sin(X)


def _mlp(widths: tuple[int, ...] = (1, 16, 1), seed: int = 0) -> MLP:
    torch.manual_seed(seed)
    return MLP(widths, "tanh").double()


@pytest.mark.parametrize(("optimizer", "eta"), [("sgd", 0.1), ("momentum", 0.05), ("adam", 0.01)])
def test_each_optimizer_reduces_the_loss(optimizer: str, eta: float) -> None:
    X, y = _sin_data()
    history = fit_module(_mlp(), X, y, loss_fn=F.mse_loss, eta=eta, optimizer=optimizer, max_epochs=150,
                         generator=torch.Generator().manual_seed(0))
    assert len(history) == 150 and history.stopped_epoch == 150
    assert history.train_loss[-1] < 0.3 * history.train_loss[0]
    assert all(math.isnan(v) for v in history.val_loss)  # no validation set: NaN columns


def test_momentum_is_not_plain_sgd() -> None:
    X, y = _sin_data()
    runs = [fit_module(_mlp(), X, y, loss_fn=F.mse_loss, eta=0.05, optimizer=o, max_epochs=20,
                       generator=torch.Generator().manual_seed(0)).train_loss for o in ("sgd", "momentum")]
    assert runs[0][0] == runs[1][0]  # same start
    assert runs[0][-1] != runs[1][-1]


def test_batch_indices_partition_a_fresh_shuffle_each_epoch() -> None:
    g = torch.Generator().manual_seed(0)
    first, second = batch_indices(50, 16, g), batch_indices(50, 16, g)
    assert first is not None and second is not None
    assert [len(b) for b in first] == [16, 16, 16, 2]
    assert sorted(torch.cat(first).tolist()) == list(range(50))
    assert not torch.equal(torch.cat(first), torch.cat(second))
    assert batch_indices(50, None, g) is None and batch_indices(50, 50, g) is None


class CountingSGD(torch.optim.SGD):
    steps = 0

    def step(self, closure=None):  # type: ignore[no-untyped-def, override]
        CountingSGD.steps += 1
        return super().step(closure)


@pytest.mark.parametrize(("batch_size", "per_epoch"), [(None, 1), (16, 4), (50, 1), (7, 8)])
def test_one_optimizer_step_per_mini_batch(batch_size: int | None, per_epoch: int) -> None:
    X, y = _sin_data(50)
    module = _mlp()
    CountingSGD.steps = 0
    optimizer = CountingSGD(module.parameters(), lr=0.01)
    fit_module(module, X, y, loss_fn=F.mse_loss, eta=0.01, optimizer=optimizer, batch_size=batch_size,
               max_epochs=3, generator=torch.Generator().manual_seed(0))
    assert CountingSGD.steps == 3 * per_epoch


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_weight_decay_is_half_alpha_squared_weights_per_batch_sample(reduction: str) -> None:
    """One full-batch SGD step, the loss and the update worked out by hand."""
    X, y = _sin_data(10)
    module = _mlp((1, 3, 1))
    W1, b1 = module.layers[0].weight.detach().clone(), module.layers[0].bias.detach().clone()
    W2, b2 = module.layers[1].weight.detach().clone(), module.layers[1].bias.detach().clone()
    alpha, eta, n = 0.3, 0.1, 10
    data_loss = lambda out, t: F.mse_loss(out, t, reduction=reduction)  # noqa: E731

    history = fit_module(module, X, y, loss_fn=data_loss, eta=eta, alpha=alpha, optimizer="sgd", max_epochs=1,
                         reduction=reduction, generator=torch.Generator().manual_seed(0))

    # forward and data-loss gradient by hand: out = tanh(X W1ᵀ + b1) W2ᵀ + b2
    h = torch.tanh(X @ W1.T + b1)  # (n, 3)
    e = h @ W2.T + b2 - y  # (n, 1)
    scale = 1.0 / n if reduction == "mean" else 1.0  # the data loss's own reduction
    penalty = 0.5 * alpha * (W1.pow(2).sum() + W2.pow(2).sum()) * scale  # biases are not decayed
    expected_loss = (e.pow(2).sum() * scale + penalty).item()
    assert history.train_loss[0] == pytest.approx(expected_loss, rel=1e-12)

    dout = 2 * e * scale  # (n, 1) ∂L/∂out
    gW2 = dout.T @ h + alpha * scale * W2
    dh = (dout @ W2) * (1 - h**2)  # (n, 3)
    gW1 = dh.T @ X + alpha * scale * W1
    torch.testing.assert_close(module.layers[1].weight.detach(), W2 - eta * gW2, rtol=0, atol=1e-12)
    torch.testing.assert_close(module.layers[0].weight.detach(), W1 - eta * gW1, rtol=0, atol=1e-12)
    torch.testing.assert_close(module.layers[1].bias.detach(), b2 - eta * dout.sum(0), rtol=0, atol=1e-12)
    torch.testing.assert_close(module.layers[0].bias.detach(), b1 - eta * dh.sum(0), rtol=0, atol=1e-12)


def _noisy_classification(seed: int) -> tuple[torch.Tensor, ...]:
    """Small noisy data a wide net overfits: the val metric peaks, then falls or wanders."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(120, 2, generator=g, dtype=torch.float64)
    y = ((X[:, :1] + 0.8 * torch.randn(120, 1, generator=g, dtype=torch.float64)) > 0).double()
    return X[:80], y[:80], X[80:], y[80:]


def test_early_stopping_restores_the_best_epoch() -> None:
    """Default metric −val loss: continuous, so each epoch's weights give a different value."""
    X, y, X_val, y_val = _noisy_classification(0)
    module = _mlp((2, 64, 64, 1))
    loss = F.binary_cross_entropy_with_logits
    history = fit_module(module, X, y, loss_fn=loss, eta=0.02, optimizer="adam", max_epochs=2000,
                         X_val=X_val, y_val=y_val, n_iter_no_change=20,
                         generator=torch.Generator().manual_seed(0))
    assert history.metric_name == "neg_val_loss"
    assert history.stopped_epoch < 2000  # overfitting set in, so it stopped early
    assert history.val_metric == [-v for v in history.val_loss]
    best = max(history.val_metric)
    assert history.best_epoch == history.val_metric.index(best) + 1
    assert history.stopped_epoch - history.best_epoch == 21  # more than n_iter_no_change, as scikit-learn
    assert history.val_metric[-1] < best
    with torch.no_grad():
        assert -loss(module(X_val), y_val).item() == best  # the final weights ARE the best epoch's


def test_early_stopping_with_a_metric_keeps_the_earliest_tie() -> None:
    X, y, X_val, y_val = _noisy_classification(1)
    metric = head_metric("binary")
    history = fit_module(_mlp((2, 16, 1)), X, y, loss_fn=F.binary_cross_entropy_with_logits, eta=0.01,
                         max_epochs=300, X_val=X_val, y_val=y_val, metric_fn=metric, metric_name="accuracy",
                         n_iter_no_change=15, generator=torch.Generator().manual_seed(0))
    best = max(history.val_metric)
    assert history.metric_name == "accuracy"
    assert history.best_epoch == history.val_metric.index(best) + 1  # ties keep the earliest epoch


def test_early_stopping_counts_improvements_smaller_than_tol_as_none() -> None:
    stopper = EarlyStopping(n_iter_no_change=2, tol=0.1)
    assert stopper.update(1, 0.5)  # first is a new best
    assert stopper.update(2, 0.55) and stopper.count == 1  # better, but by less than tol
    assert not stopper.update(3, 0.54) and stopper.count == 2 and not stopper.should_stop
    assert not stopper.update(4, 0.5) and stopper.should_stop  # more than n_iter_no_change in a row
    assert stopper.best_epoch == 2


def test_early_stopping_follows_scikit_learn_on_ties_and_the_count() -> None:
    """The rule of ``sklearn.neural_network.MLPClassifier._update_no_improvement_count``, replayed on
    score sequences with plateaus (accuracy on a small validation set): ties reset the count at
    tol = 0, and training stops once the count exceeds n_iter_no_change."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        scores = np.round(rng.uniform(0, 1, 40) * 4) / 4  # coarse steps: many ties
        n, tol = int(rng.integers(1, 5)), float(rng.choice([0.0, 0.1]))
        best, count, sk_stop = -np.inf, 0, None
        for epoch, score in enumerate(scores, start=1):  # scikit-learn's bookkeeping, verbatim
            count = count + 1 if score < best + tol else 0
            best = max(best, score)
            if count > n:
                sk_stop = epoch
                break
        stopper, ours = EarlyStopping(n, tol), None
        for epoch, score in enumerate(scores, start=1):
            stopper.update(epoch, float(score))
            if stopper.should_stop:
                ours = epoch
                break
        assert ours == sk_stop


def test_same_generator_seed_same_history_and_weights() -> None:
    X, y = _sin_data()
    runs = []
    for _ in range(2):
        module = _mlp()
        h = fit_module(module, X, y, loss_fn=F.mse_loss, eta=0.01, batch_size=10, max_epochs=5,
                       generator=torch.Generator().manual_seed(7))
        runs.append((h.to_dict(), module.layers[0].weight.detach().clone()))
    assert runs[0][0] == runs[1][0]
    assert torch.equal(runs[0][1], runs[1][1])


def test_history_continues_across_calls_and_converts_to_dict() -> None:
    X, y = _sin_data()
    module, history = _mlp(), History()
    for _ in range(2):
        fit_module(module, X, y, loss_fn=F.mse_loss, eta=0.01, max_epochs=3, history=history,
                   generator=torch.Generator().manual_seed(0))
    assert history.epoch == [1, 2, 3, 4, 5, 6] and len(history) == 6
    d = history.to_dict()
    assert set(d) == {f.name for f in dataclasses.fields(History)}  # every field, nothing else
    assert d == dataclasses.asdict(history) and d["stopped_epoch"] == 6
    d["train_loss"].append(0.0)  # a copy: the history is not changed through it
    assert len(history.train_loss) == 6


def test_on_epoch_end_can_stop_training() -> None:
    X, y = _sin_data()
    history = fit_module(_mlp(), X, y, loss_fn=F.mse_loss, eta=0.01, max_epochs=100,
                         on_epoch_end=lambda h: len(h) >= 4, generator=torch.Generator().manual_seed(0))
    assert len(history) == 4


def test_divergence_raises_with_the_epoch_and_a_smaller_eta() -> None:
    X, y = _sin_data()
    with pytest.raises(DivergedError, match=r"loss became NaN at epoch \d+ \(eta=50.0\).*e\.g\. 5\b") as err:
        fit_module(_mlp((1, 32, 1)), X * 10, y, loss_fn=F.mse_loss, eta=50.0, optimizer="sgd",
                   max_epochs=200, generator=torch.Generator().manual_seed(0))
    assert 1 <= err.value.epoch < 200


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"optimizer": "rmsprop"}, "unknown optimizer 'rmsprop'; choose one of 'adam', 'momentum', 'sgd'"),
    ({"eta": 0.0}, "eta must be a number > 0"),
    ({"eta": -1.0}, "eta must be a number > 0"),
    ({"alpha": -1e-3}, "alpha must be a number >= 0"),
    ({"max_epochs": 0}, "max_epochs must be an integer >= 1 and <= 100,000"),
    ({"batch_size": 0}, "batch_size must be an integer >= 1"),
    ({"optimizer": "momentum", "momentum": 1.0}, "momentum must be a number >= 0 and < 1 .*got 1.0"),
])
def test_bad_settings_raise_config_error(kwargs: dict[str, object], message: str) -> None:
    X, y = _sin_data()
    settings: dict[str, object] = {"eta": 0.01, **kwargs}
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        fit_module(_mlp(), X, y, loss_fn=F.mse_loss, generator=torch.Generator().manual_seed(0),
                   **settings)  # type: ignore[arg-type]


def test_penalty_leaves_biases_alone() -> None:
    """With zero data gradient, weight decay shrinks weights geometrically and leaves biases."""
    module = _mlp((1, 4, 1))
    with torch.no_grad():
        module.layers[1].weight.zero_()  # the output ignores W1: only the penalty moves it
    W1, b1 = module.layers[0].weight.detach().clone(), module.layers[0].bias.detach().clone()
    X, y = _sin_data(8)
    fit_module(module, X, y, loss_fn=lambda out, t: 0.0 * out.sum(), eta=0.1, alpha=0.5, optimizer="sgd",
               max_epochs=1, reduction="sum", generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(module.layers[0].weight.detach(), W1 * (1 - 0.1 * 0.5))
    assert torch.equal(module.layers[0].bias.detach(), b1)


def test_training_runs_single_threaded_and_restores_the_setting() -> None:
    X, y = _sin_data()
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        seen: list[int] = []
        fit_module(_mlp(), X, y, loss_fn=F.mse_loss, eta=0.01, max_epochs=2,
                   on_epoch_end=lambda h: seen.append(torch.get_num_threads()) and None,
                   generator=torch.Generator().manual_seed(0))
        assert seen == [1, 1] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_history_lengths_agree() -> None:
    h = History()
    h.append(1, 0.5)
    h.append(2, 0.4, 0.3, 0.9)
    assert len(h.train_loss) == len(h.val_loss) == len(h.val_metric) == len(h) == 2
    assert math.isnan(h.val_loss[0]) and h.val_metric[1] == 0.9 and h.stopped_epoch == 2
    assert np.isfinite(h.train_loss).all()
