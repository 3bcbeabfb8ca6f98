"""Sweeps at the speed limit: the batched ensemble against its peers, all in one run.

    .venv/bin/python benchmarks/bench_sweeps.py [--quick] [--w1-only | --w2-only]

W1: moons, 200 training points, 2→40→1 ReLU, full-batch Adam, 300 epochs, K configurations differing
in η and α (log-uniform).  Model-epochs/s for our ensemble (per K; the fused backend on one thread and
on every core, the torch backend at K = 256 for reference), and for loops (one thread) of our estimator,
scikit-learn's MLPClassifier (adam, batch_size=200, no early stopping, never stopping before 300),
a plain PyTorch loop and skorch (each loop timed on a sample of the configurations: a loop's rate
does not depend on K).  GFLOP/s counts the three matmul passes (forward, two backward) and is set
against this machine's sgemm peak measured in the same run; memory is the growth of the process's
peak RSS over the ensemble call, per model.  Times include preparing the estimators (validation,
initial weights) and writing them back, as ``fit`` would.

W2: a mixed sweep on moons (widths 2–80, depth 1–3, sigmoid/tanh/relu/leaky_relu, η log-uniform
1e-4…1e-1, α log-uniform 1e-6…1e-2, early stopping n_iter_no_change=30, ≤300 epochs), end to end:
spec → tasks → training → metrics and histories written to a SQLite store, against a scikit-learn
loop that loads the same tasks and fits and scores the same configurations (leaky_relu → relu, which
scikit-learn lacks).  Figures (two PNGs per run, ~0.4 s each run with Matplotlib) are timed
separately: they cost more than the training.

Prints Markdown tables (what README shows).  --quick: K up to 1024 and 200 W2 configurations.
--compile: W1 also times the ensemble with its epoch step under ``torch.compile`` (``fit_ensemble(...,
compile=True)``), after a 2-epoch warm-up fit of the same K models (every chunk shape compiled), whose
time is reported as compile time;
--ks 256: only those K.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np
import torch
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLP
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuronlab.experiments.executors import run_ensemble
from neuronlab.experiments.runner import expand
from neuronlab.experiments.spec import loads_spec
from neuronlab.nn.estimators import MLPClassifier
from neuronlab.store import RunStore
from neuronlab.train.ensemble import fit_ensemble

EPOCHS = 300
N_TRAIN = 200
FLOP_PER_MODEL_EPOCH = 3 * 2 * N_TRAIN * (2 * 40 + 40 * 1)  # forward + two backward matmuls: 1.44e5


def sgemm_peak(threads: int = 1) -> float:
    """GFLOP/s of a 1024² float32 matmul, best of several: this machine's compute roof, measured now."""
    torch.set_num_threads(threads)
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    best = math.inf
    for _ in range(10):
        start = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * 1024**3 / best / 1e9


def w1_configs(k: int) -> list[tuple[float, float]]:
    rng = np.random.default_rng(0)
    return [(float(10 ** rng.uniform(-4, -1)), float(10 ** rng.uniform(-6, -2))) for _ in range(k)]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


REPEATS = 3  # every rate is the best of this many timings: the shared machine's other jobs only slow things down


def rate(loop: Callable[[float, float, int], int], configs: list[tuple[float, float]]) -> float:
    """Model-epochs/s of ``loop(eta, alpha, seed) -> epochs trained`` over the configurations."""
    loop(*configs[0], 0)  # warm-up: first-call imports and allocations are not the loop's speed
    best = 0.0
    for _ in range(REPEATS):
        start = time.perf_counter()
        epochs = sum(loop(eta, alpha, i) for i, (eta, alpha) in enumerate(configs))
        best = max(best, epochs / (time.perf_counter() - start))
    return best


def sklearn_fit(X: np.ndarray, y: np.ndarray) -> Callable[[float, float, int], int]:
    def fit(eta: float, alpha: float, seed: int) -> int:
        model = SkMLP((40,), activation="relu", solver="adam", learning_rate_init=eta, alpha=alpha,
                      batch_size=N_TRAIN, max_iter=EPOCHS, tol=0.0, n_iter_no_change=EPOCHS + 1,
                      shuffle=False, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        return int(model.n_iter_)
    return fit


def ours_single(X: np.ndarray, y: np.ndarray) -> Callable[[float, float, int], int]:
    def fit(eta: float, alpha: float, seed: int) -> int:
        return int(MLPClassifier((40,), "relu", eta=eta, alpha=alpha, max_epochs=EPOCHS, random_state=seed)
                   .fit(X, y).n_iter_)
    return fit


def torch_loop(X: np.ndarray, y: np.ndarray) -> Callable[[float, float, int], int]:
    Xt, yt = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32)[:, None]

    def fit(eta: float, alpha: float, seed: int) -> int:
        torch.manual_seed(seed)
        hidden, out = torch.nn.Linear(2, 40), torch.nn.Linear(40, 1)
        net = torch.nn.Sequential(hidden, torch.nn.ReLU(), out)
        opt = torch.optim.Adam(net.parameters(), lr=eta)
        loss_fn = torch.nn.BCEWithLogitsLoss()
        for _ in range(EPOCHS):
            opt.zero_grad()
            penalty = hidden.weight.square().sum() + out.weight.square().sum()
            loss = loss_fn(net(Xt), yt) + 0.5 * alpha / N_TRAIN * penalty
            loss.backward()
            opt.step()
        return EPOCHS
    return fit


def skorch_loop(X: np.ndarray, y: np.ndarray, callbacks: bool) -> Callable[[float, float, int], int] | None:
    try:
        from skorch import NeuralNetBinaryClassifier
    except ImportError:
        return None
    Xf, yf = X.astype(np.float32), y.astype(np.float32)

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = torch.nn.Sequential(torch.nn.Linear(2, 40), torch.nn.ReLU(), torch.nn.Linear(40, 1))

        def forward(self, X: torch.Tensor) -> torch.Tensor:
            return self.body(X).squeeze(-1)

    def fit(eta: float, alpha: float, seed: int) -> int:
        torch.manual_seed(seed)
        net = NeuralNetBinaryClassifier(Net, max_epochs=EPOCHS, lr=eta, optimizer=torch.optim.Adam, batch_size=N_TRAIN,
                                        train_split=None, verbose=0, callbacks="disable" if not callbacks else None)
        net.fit(Xf, yf)
        return EPOCHS
    return fit


def w1(ks: list[int], sample: int, compile: bool = False) -> list[str]:
    X, y = make_moons(N_TRAIN, noise=0.2, random_state=0)
    torch.set_num_threads(1)
    peak = sgemm_peak(1)
    configs = w1_configs(max(ks))
    loops: dict[str, float | None] = {}
    loops["scikit-learn MLPClassifier loop"] = rate(sklearn_fit(X, y), configs[:sample])
    loops["neuronlab MLPClassifier loop"] = rate(ours_single(X, y), configs[:sample])
    loops["plain PyTorch loop"] = rate(torch_loop(X, y), configs[:sample])
    for callbacks in (True, False):
        fit = skorch_loop(X, y, callbacks)
        loops[f"skorch{'' if callbacks else ' (callbacks off)'}"] = (
            None if fit is None else rate(fit, configs[:max(2, sample // 4)]))
    sk = loops["scikit-learn MLPClassifier loop"]
    assert sk is not None
    rows = [f"sgemm peak (1024², float32, 1 thread, measured now): **{peak:.0f} GFLOP/s**", "",
            "| W1 peer (loop over configurations) | model-epochs/s | × scikit-learn |", "|---|---:|---:|"]
    for name, value in loops.items():
        rows.append(f"| {name} | {'n/a (not installed)' if value is None else f'{value:,.0f}'} | "
                    f"{'' if value is None else f'{value / sk:.2f}'} |")
    cores = os.cpu_count() or 1
    rows += ["", "| K | ensemble | threads | model-epochs/s | × scikit-learn | GFLOP/s | % of sgemm peak "
             "| peak MB/model |", "|---:|---|---:|---:|---:|---:|---:|---:|"]
    fit_ensemble([MLPClassifier((40,), max_epochs=2, random_state=0)], X, y)  # warm-up: loads the kernel
    compile_seconds: dict[int, float] = {}
    variants = [("fused", 1, False), ("fused", cores, False)]
    for k in ks:
        runs = variants + ([("torch", 1, False)] if k == 256 else []) + ([("torch", 1, True)] if compile else [])
        for backend, threads, compiled in runs:
            if threads > 1 and cores == 1:
                continue
            if compiled:  # compile (or fetch from inductor's cache) every chunk shape of this K, timed apart
                start = time.perf_counter()
                fit_ensemble([MLPClassifier((40,), "relu", eta=eta, alpha=alpha, max_epochs=2, random_state=i)
                              for i, (eta, alpha) in enumerate(configs[:k])], X, y, threads=1, compile=True)
                compile_seconds[k] = time.perf_counter() - start
            speed, grew = 0.0, 0.0
            for _ in range(REPEATS):
                ests = [MLPClassifier((40,), "relu", eta=eta, alpha=alpha, max_epochs=EPOCHS, random_state=i)
                        for i, (eta, alpha) in enumerate(configs[:k])]
                before = peak_rss_mb()
                start = time.perf_counter()
                errors = fit_ensemble(ests, X, y, threads=threads, compile=compiled, backend=backend)
                seconds = time.perf_counter() - start
                grew = max(grew, peak_rss_mb() - before)
                epochs = sum(e.n_iter_ for e, err in zip(ests, errors, strict=True) if err is None)
                speed = max(speed, epochs / seconds)
            gflops = speed * FLOP_PER_MODEL_EPOCH / 1e9
            name = backend + (" compiled" if compiled else "")
            rows.append(f"| {k} | {name} | {threads} | {speed:,.0f} | {speed / sk:.1f} | {gflops:.2f} | "
                        f"{100 * gflops / peak:.1f} | {grew / k:.3f} |")
            print(rows[-1], file=sys.stderr, flush=True)
    if compile_seconds:
        rows += ["", "compile time (warm-up fit of the K models for 2 epochs; inductor's on-disk cache shortens it): "
                 + ", ".join(f"K = {k}: {s:.1f} s" for k, s in compile_seconds.items())]
    return rows


W2_SPEC = """
name = "W2 mixed sweep"
seeds = [0]

[task]
name = "moons"

[model]
kind = "mlp"
hidden = [32]

[train]
optimizer = "adam"
max_epochs = 300
early_stopping = true
n_iter_no_change = 30

[sweep]
seed = 0

[sweep.random]
count = {count}
"model.hidden" = {{ dist = "choice", values = [[32], [32, 32], [32, 32, 32]] }}
"model.hidden.*" = {{ dist = "uniform", low = 2, high = 80, int = true }}
"model.activation" = {{ dist = "choice", values = ["sigmoid", "tanh", "relu", "leaky_relu"] }}
"train.eta" = {{ dist = "log-uniform", low = 1e-4, high = 1e-1 }}
"train.alpha" = {{ dist = "log-uniform", low = 1e-6, high = 1e-2 }}
"""

SK_ACTIVATION = {"sigmoid": "logistic", "tanh": "tanh", "relu": "relu", "leaky_relu": "relu"}


def w2(count: int, figure_sample: int) -> list[str]:
    torch.set_num_threads(1)
    spec = loads_spec(W2_SPEC.format(count=count))
    pending = expand(spec)
    cores = os.cpu_count() or 1
    # (processes, kernel threads each): one process on one core, then the whole machine both ways
    layouts = [(1, 1)] + ([(1, cores), (cores, 1)] if cores > 1 else [])
    ours_by: dict[tuple[int, int], float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for jobs, threads in layouts:
            store = RunStore(Path(tmp) / f"w2-{jobs}-{threads}.db")
            start = time.perf_counter()
            outcomes = list(run_ensemble(pending, store=store, sweep="w2", base_dir=None, figures=False,
                                         jobs=jobs, threads=threads))
            ours_by[(jobs, threads)] = time.perf_counter() - start
            assert len(store.list_runs()) == count
        ours = ours_by[(1, 1)]
        # the figures, timed on a sample in a store of their own
        fig_store = RunStore(Path(tmp) / "fig.db")
        start = time.perf_counter()
        list(run_ensemble(pending[:figure_sample], store=fig_store, sweep="w2", base_dir=None, figures=True,
                          threads=1))
        with_figs = time.perf_counter() - start
    figures_per_run = max(with_figs - ours * figure_sample / count, 0.0) / figure_sample
    ours_scores = [o.score for o in outcomes if o.score is not None]

    start = time.perf_counter()
    sk_scores = []
    for exp, seed in pending:
        task = exp.load_task(seed)
        t = exp.train
        model = make_pipeline(StandardScaler(), SkMLP(
            tuple(exp.model.hidden), activation=SK_ACTIVATION[exp.model.activation or "relu"], solver="adam",
            learning_rate_init=t.eta, alpha=t.alpha, batch_size=len(task.y_train), max_iter=t.max_epochs,
            early_stopping=True, n_iter_no_change=t.n_iter_no_change, validation_fraction=t.validation_fraction,
            tol=0.0, random_state=seed))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.filterwarnings("ignore", message=".*batch_size.*clipped")  # full batch after the val split
            model.fit(task.X_train, task.y_train)
        sk_scores.append(model.score(task.X_test, task.y_test))
    sk = time.perf_counter() - start
    return [
        f"| W2: {count} mixed configurations, end to end | wall time (s) | × scikit-learn | median test accuracy |",
        "|---|---:|---:|---:|",
        f"| scikit-learn loop (fit + score, no store) | {sk:.1f} | 1.0 | {np.median(sk_scores):.3f} |",
        *(f"| neuronlab ensemble → SQLite store (metrics, histories): {j} process{'es' if j > 1 else ''} × "
          f"{t} kernel thread{'s' if t > 1 else ''} | {w:.1f} | {sk / w:.1f} | {np.median(ours_scores):.3f} |"
          for (j, t), w in ours_by.items()),
        f"| + two PNG figures per run (measured on {figure_sample} runs) | {ours + figures_per_run * count:.1f} | "
        f"{sk / (ours + figures_per_run * count):.1f} | |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="K up to 1024, 200 W2 configurations")
    parser.add_argument("--w1-only", action="store_true")
    parser.add_argument("--w2-only", action="store_true")
    parser.add_argument("--compile", action="store_true", help="W1 also with the epoch step under torch.compile")
    parser.add_argument("--ks", type=lambda s: [int(k) for k in s.split(",")], default=None,
                        help="W1's K values, comma-separated (default: 1,16,64,256,1024[,4096])")
    args = parser.parse_args()
    print(f"torch {torch.__version__} (1 thread), {os.cpu_count()} CPUs; "
          f"{'quick' if args.quick else 'full'} run\n")
    if not args.w2_only:
        ks = args.ks or ([1, 16, 64, 256, 1024] if args.quick else [1, 16, 64, 256, 1024, 4096])
        print("\n".join(w1(ks, sample=4 if args.quick else 16, compile=args.compile)), "\n", flush=True)
    if not args.w1_only:
        print("\n".join(w2(200 if args.quick else 1000, figure_sample=10 if args.quick else 20)), flush=True)


if __name__ == "__main__":
    main()
