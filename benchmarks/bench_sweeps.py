"""Sweeps and single fits at the speed limit: our engines against their peers, all in one run.

    .venv/bin/python benchmarks/bench_sweeps.py [--quick] [--w1-only | --w2-only | --cli-only]

W1: moons, 200 training points, 2→40→1 ReLU, full-batch Adam, 300 epochs, K configurations differing
in η and α (log-uniform).  Model-epochs/s of loops (one thread; each timed on a sample of the
configurations: a loop's rate does not depend on K) — scikit-learn's MLPClassifier (adam,
batch_size=200, no early stopping, never stopping before 300), ours with the compiled engine (the
default) and with engine="torch", a plain PyTorch loop, skorch — and of the library's batched call
``fit_ensemble`` per K on one thread and on every core.  GFLOP/s counts the three matmul passes
(forward, two backward) and is set against this machine's sgemm peak measured in the same run.

End to end, as users run it (each a fresh process, median of three): ``neuronlab sweep`` on W1 with
K = 256 and 1,024 writing a new SQLite store, against scikit-learn run as a process (its start-up and
data, measured, plus K fits at its loop's rate); ``neuronlab train moons`` (a single fit from the CLI).
Beside them, the start-up floor (a sweep of one run of one epoch, median of five) and the ratio beyond it:
scikit-learn's K fits against our wall time minus that floor; and the inner call, ``run_sweep`` in process
after a warm-up (the largest K), against scikit-learn's K fits alone.

W2: a mixed sweep on moons (widths 2–80, depth 1–3, sigmoid/tanh/relu/leaky_relu, η log-uniform
1e-4…1e-1, α log-uniform 1e-6…1e-2, early stopping with n_iter_no_change=30 and tol=1e-4 on both
sides, ≤300 epochs): ``neuronlab sweep`` as a process (spec → tasks → training → metrics and
histories in SQLite) against a scikit-learn loop that loads the same tasks and fits and scores the
same configurations (leaky_relu → relu, which scikit-learn lacks), timed on every 5th configuration
and scaled ×5.

Prints Markdown tables (what README shows).  --quick: K up to 1024 and 200 W2 configurations.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import subprocess
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
from threadpoolctl import threadpool_limits

from neuronlab.estimators import MLPClassifier
from neuronlab.estimators.batch import fit_ensemble
from neuronlab.experiments.executors import default_threads, run_ensemble
from neuronlab.experiments.runner import expand, run_sweep
from neuronlab.experiments.spec import loads_spec
from neuronlab.store import RunStore
from neuronlab.train.ensemble_fused import train_fused

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
    """scikit-learn at its best here: one BLAS thread (a second one only slows tiny matmuls)."""
    def fit(eta: float, alpha: float, seed: int) -> int:
        with threadpool_limits(limits=1):
            return _sk_fit(X, y, eta, alpha, seed)
    return fit


def _sk_fit(X: np.ndarray, y: np.ndarray, eta: float, alpha: float, seed: int) -> int:
    model = SkMLP((40,), activation="relu", solver="adam", learning_rate_init=eta, alpha=alpha,
                  batch_size=N_TRAIN, max_iter=EPOCHS, tol=0.0, n_iter_no_change=EPOCHS + 1,
                  shuffle=False, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return int(model.n_iter_)


def ours_single(X: np.ndarray, y: np.ndarray, engine: str) -> Callable[[float, float, int], int]:
    def fit(eta: float, alpha: float, seed: int) -> int:
        return int(MLPClassifier((40,), "relu", eta=eta, alpha=alpha, max_epochs=EPOCHS, random_state=seed,
                                 engine=engine).fit(X, y).n_iter_)
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


def w1(ks: list[int], sample: int) -> tuple[list[str], float]:
    X, y = make_moons(N_TRAIN, noise=0.2, random_state=0)
    torch.set_num_threads(1)
    cores = os.cpu_count() or 1
    peaks = {t: sgemm_peak(t) for t in sorted({1, cores})}
    torch.set_num_threads(1)
    configs = w1_configs(max([*ks, sample]))  # --cli-only: no ensemble sizes, the loops still need `sample`
    loops: dict[str, float | None] = {}
    loops["scikit-learn MLPClassifier loop"] = rate(sklearn_fit(X, y), configs[:sample])
    loops["neuronlab MLPClassifier loop (compiled engine, the default)"] = rate(ours_single(X, y, "fused"),
                                                                             configs[:sample])
    loops["neuronlab MLPClassifier loop, engine='torch'"] = rate(ours_single(X, y, "torch"), configs[:sample])
    loops["plain PyTorch loop"] = rate(torch_loop(X, y), configs[:sample])
    for callbacks in (True, False):
        fit = skorch_loop(X, y, callbacks)
        loops[f"skorch{'' if callbacks else ' (callbacks off)'}"] = (
            None if fit is None else rate(fit, configs[:max(2, sample // 4)]))
    sk = loops["scikit-learn MLPClassifier loop"]
    assert sk is not None
    rows = ["sgemm peak (1024², float32, measured now): "
            + ", ".join(f"**{p:.0f} GFLOP/s** on {t} thread{'s' if t > 1 else ''}" for t, p in peaks.items()), "",
            "| W1 peer (loop over configurations) | model-epochs/s | × scikit-learn |", "|---|---:|---:|"]
    for name, value in loops.items():
        rows.append(f"| {name} | {'n/a (not installed)' if value is None else f'{value:,.0f}'} | "
                    f"{'' if value is None else f'{value / sk:.2f}'} |")
    rows += ["", "| K | ensemble | threads | model-epochs/s | × scikit-learn | GFLOP/s "
             "| % of sgemm peak (same threads) | peak MB/model |", "|---:|---|---:|---:|---:|---:|---:|---:|"]
    fit_ensemble([MLPClassifier((40,), max_epochs=2, random_state=0)], X, y)  # warm-up: loads the kernel
    for k in ks:
        for threads in sorted({1, cores}):
            speed, grew = 0.0, 0.0
            for _ in range(REPEATS):
                ests = [MLPClassifier((40,), "relu", eta=eta, alpha=alpha, max_epochs=EPOCHS, random_state=i)
                        for i, (eta, alpha) in enumerate(configs[:k])]
                before = peak_rss_mb()
                start = time.perf_counter()
                errors = fit_ensemble(ests, X, y, threads=threads)
                seconds = time.perf_counter() - start
                grew = max(grew, peak_rss_mb() - before)
                epochs = sum(e.n_iter_ for e, err in zip(ests, errors, strict=True) if err is None)
                speed = max(speed, epochs / seconds)
            gflops = speed * FLOP_PER_MODEL_EPOCH / 1e9
            rows.append(f"| {k} | fit_ensemble | {threads} | {speed:,.0f} | {speed / sk:.1f} | {gflops:.2f} | "
                        f"{100 * gflops / peaks[threads]:.1f} | {grew / k:.3f} |")
            print(rows[-1], file=sys.stderr, flush=True)
            rows.append(kernel_alone(X, y, configs[:k], threads, sk, peaks[threads]))
            print(rows[-1], file=sys.stderr, flush=True)
    return rows, sk


def kernel_alone(X: np.ndarray, y: np.ndarray, configs: list[tuple[float, float]], threads: int, sk: float,
                 peak: float) -> str:
    """The train layer's call alone (``train_fused``: pack K problems, the compiled loop, unpack weights and
    histories) on problems the estimators prepared beforehand: the kernel's rate without the estimators'
    per-model Python (checks, seeding, initial weights, ~0.15-0.2 ms a model)."""
    speed, kernel = 0.0, 0.0
    for _ in range(REPEATS):
        memo: dict = {}
        problems = [MLPClassifier((40,), "relu", eta=eta, alpha=alpha, max_epochs=EPOCHS, random_state=i)
                    .prepare_fit(X, y, memo) for i, (eta, alpha) in enumerate(configs)]
        timings: dict[str, float] = {}
        start = time.perf_counter()
        results = train_fused(problems, threads, timings=timings)
        seconds = time.perf_counter() - start
        epochs = sum(len(r.history) for r in results if not isinstance(r, Exception))
        speed, kernel = max(speed, epochs / seconds), max(kernel, epochs / timings["kernel"])
    return "\n".join(
        f"| {len(configs)} | {what} | {threads} | {rate:,.0f} | {rate / sk:.1f} | "
        f"{rate * FLOP_PER_MODEL_EPOCH / 1e9:.2f} | **{100 * rate * FLOP_PER_MODEL_EPOCH / 1e9 / peak:.1f}** | |"
        for what, rate in (("`train_fused` (packing, compiled loop, unpacking)", speed),
                           ("the compiled loop alone (`train_block`)", kernel)))


# ------------------------------------------------------------------------ end to end, as users run it

W1_SPEC = """
name = "W1"
seeds = [0]
[task]
name = "moons"
params = {{ n_samples = {n} }}
[model]
kind = "mlp"
hidden = [40]
activation = "relu"
[train]
optimizer = "adam"
max_epochs = {epochs}
[sweep]
seed = 0
[sweep.random]
count = {count}
"train.eta" = {{ dist = "log-uniform", low = 1e-4, high = 1e-1 }}
"train.alpha" = {{ dist = "log-uniform", low = 1e-6, high = 1e-2 }}
"""

SK_PROCESS = """
import os, sys, time, warnings
os.environ["OPENBLAS_NUM_THREADS"] = "1"
start = time.perf_counter()
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
X, y = make_moons({n}, noise=0.2, random_state=0)
print(time.perf_counter() - start)
"""


def median_wall(argv: list[str], repeats: int = 3, fresh: Callable[[], None] | None = None) -> float:
    """Median wall time of a whole process (``fresh()`` resets its state before each run)."""
    walls = []
    for _ in range(repeats):
        if fresh is not None:
            fresh()
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env=dict(os.environ, PYTHONWARNINGS="ignore"))
        walls.append(time.perf_counter() - start)
    return float(np.median(walls))


def _remover(path: Path) -> Callable[[], None]:
    return lambda: path.unlink(missing_ok=True)


def end_to_end(sk_rate: float, ks: list[int]) -> list[str]:
    """W1 through ``neuronlab sweep`` and ``neuronlab train moons`` as fresh processes."""
    exe = str(Path(sys.executable).with_name("neuronlab"))
    # moons' training split: 240 of 400 samples (train 0.6); the W1 loops use 200 points, so the sweep's
    # task is sized to give 200 training rows
    n = 334
    rows = ["| end to end (fresh process, median of 3) | wall (s) | scikit-learn as a process (s) | × scikit-learn "
            "| × scikit-learn beyond start-up |", "|---|---:|---:|---:|---:|"]
    sk_start = median_wall([sys.executable, "-c", SK_PROCESS.format(n=n)])  # import + data: paid once per process
    with tempfile.TemporaryDirectory() as tmp:
        # the floor: a sweep of one run of one epoch is all start-up (imports, store, the kernel's disk cache)
        spec = Path(tmp) / "w1_floor.toml"
        spec.write_text(W1_SPEC.format(n=n, epochs=1, count=1))
        db = Path(tmp) / "w1_floor.db"
        floor = median_wall([exe, "sweep", str(spec), "--db", str(db)], repeats=5, fresh=_remover(db))
        rows.append(f"| `neuronlab sweep`, one run of one epoch (start-up alone) | {floor:.2f} | {sk_start:.2f} "
                    f"(import, data) | | |")
        print(rows[-1], file=sys.stderr, flush=True)
        for k in ks:
            spec = Path(tmp) / f"w1_{k}.toml"
            spec.write_text(W1_SPEC.format(n=n, epochs=EPOCHS, count=k))
            db = Path(tmp) / f"w1_{k}.db"
            wall = median_wall([exe, "sweep", str(spec), "--db", str(db)], fresh=_remover(db))
            sk = sk_start + k * EPOCHS / sk_rate
            rows.append(f"| `neuronlab sweep` W1, K = {k:,} (SQLite store included) | {wall:.2f} | {sk:.1f} | "
                        f"**{sk / wall:.1f}** | {(sk - sk_start) / (wall - floor):.1f} |")
            print(rows[-1], file=sys.stderr, flush=True)
        rows.append(in_process(sk_rate, max(ks), n, Path(tmp)))
        print(rows[-1], file=sys.stderr, flush=True)
        wall = median_wall([exe, "train", "moons", "--epochs", str(EPOCHS)])
        sk = sk_start + EPOCHS / sk_rate
        rows.append(f"| `neuronlab train moons --epochs {EPOCHS}` (one fit, scores, ceiling) | {wall:.2f} | {sk:.2f} | "
                    f"{sk / wall:.2f} | |")
    return rows


def in_process(sk_rate: float, k: int, n: int, tmp: Path) -> str:
    """The inner call of ``neuronlab sweep``: ``run_sweep`` on W1 in this process, after a warm-up sweep
    (imports done, the kernel loaded), with the CLI's executor and threads, a new SQLite store each time,
    median of three; against scikit-learn's K fits at its loop's rate (no start-up on either side)."""
    threads = default_threads("ensemble", 1)
    run_sweep(loads_spec(W1_SPEC.format(n=n, epochs=1, count=1)), store=RunStore(tmp / "warm.db"),
              executor="ensemble", threads=threads)
    walls = []
    for i in range(3):
        start = time.perf_counter()
        run_sweep(loads_spec(W1_SPEC.format(n=n, epochs=EPOCHS, count=k)), store=RunStore(tmp / f"inner-{i}.db"),
                  executor="ensemble", threads=threads)
        walls.append(time.perf_counter() - start)
    wall, sk = float(np.median(walls)), k * EPOCHS / sk_rate
    return (f"| `run_sweep` in process (the spec loaded, runs trained, scored and stored; imports and kernel "
            f"loaded), W1, K = {k:,} | {wall:.2f} | {sk:.1f} (K fits) | {sk / wall:.1f} | |")


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
    exe = str(Path(sys.executable).with_name("neuronlab"))
    with tempfile.TemporaryDirectory() as tmp:
        spec_path = Path(tmp) / "w2.toml"
        spec_path.write_text(W2_SPEC.format(count=count))
        db = Path(tmp) / "w2-cli.db"
        cli_wall = median_wall([exe, "sweep", str(spec_path), "--db", str(db)], repeats=1)
        outcomes_store = RunStore(db)
        ours_scores = [r.metrics["test"]["accuracy"] for r in outcomes_store.list_runs() if r.status == "done"]
        assert len(outcomes_store.list_runs()) == count
        ours = cli_wall
        # the figures, timed on a sample in a store of their own
        seconds = {}
        list(run_ensemble(pending[:1], store=RunStore(Path(tmp) / "warm.db"), sweep="w2", base_dir=None,
                          figures=True, threads=1))  # warm-up: the kernel and Matplotlib loaded once
        for figures in (False, True):  # the same sample with and without its PNGs, in this process
            fig_store = RunStore(Path(tmp) / f"fig-{figures}.db")
            start = time.perf_counter()
            list(run_ensemble(pending[:figure_sample], store=fig_store, sweep="w2", base_dir=None, figures=figures,
                              threads=1))
            seconds[figures] = time.perf_counter() - start
    figures_per_run = max(seconds[True] - seconds[False], 0.0) / figure_sample

    start = time.perf_counter()
    sk_scores = []
    limit = threadpool_limits(limits=1)  # scikit-learn at its best on tiny matmuls
    for exp, seed in pending[::5]:  # every 5th configuration, scaled ×5
        task = exp.load_task(seed)
        t = exp.train
        model = make_pipeline(StandardScaler(), SkMLP(
            tuple(exp.model.hidden), activation=SK_ACTIVATION[exp.model.activation or "relu"], solver="adam",
            learning_rate_init=t.eta, alpha=t.alpha, batch_size=len(task.y_train), max_iter=t.max_epochs,
            early_stopping=True, n_iter_no_change=t.n_iter_no_change, validation_fraction=t.validation_fraction,
            tol=t.tol, random_state=seed))  # the same rule as ours: tol = 1e-4, scikit-learn's default
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.filterwarnings("ignore", message=".*batch_size.*clipped")  # full batch after the val split
            model.fit(task.X_train, task.y_train)
        sk_scores.append(model.score(task.X_test, task.y_test))
    sk = 5 * (time.perf_counter() - start)
    limit.restore_original_limits()
    return [
        f"| W2: {count} mixed configurations, end to end | wall time (s) | × scikit-learn | median test accuracy |",
        "|---|---:|---:|---:|",
        f"| scikit-learn loop (fit + score, no store; every 5th configuration, ×5) | {sk:.1f} | 1.0 | "
        f"{np.median(sk_scores):.3f} |",
        f"| `neuronlab sweep` as a process → SQLite store (metrics, histories) | {ours:.1f} | **{sk / ours:.1f}** | "
        f"{np.median(ours_scores):.3f} |",
        f"| + two PNG figures per run (measured on {figure_sample} runs) | {ours + figures_per_run * count:.1f} | "
        f"{sk / (ours + figures_per_run * count):.1f} | |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="K up to 1024, 200 W2 configurations")
    parser.add_argument("--w1-only", action="store_true")
    parser.add_argument("--w2-only", action="store_true")
    parser.add_argument("--cli-only", action="store_true", help="W1's loops (for the peer's rate), then end to end")
    parser.add_argument("--ks", type=lambda s: [int(k) for k in s.split(",")], default=None,
                        help="W1's K values, comma-separated (default: 1,16,64,256,1024[,4096])")
    args = parser.parse_args()
    print(f"torch {torch.__version__} (1 thread), {os.cpu_count()} CPUs; "
          f"{'quick' if args.quick else 'full'} run\n")
    if not args.w2_only:
        ks = args.ks or ([1, 16, 64, 256, 1024] if args.quick else [1, 16, 64, 256, 1024, 4096])
        rows, sk_rate = w1([] if args.cli_only else ks, sample=4 if args.quick else 16)
        print("\n".join(rows), "\n", flush=True)
        if not args.w1_only:
            print("\n".join(end_to_end(sk_rate, [256, 1024])), "\n", flush=True)
    if not (args.w1_only or args.cli_only):
        print("\n".join(w2(200 if args.quick else 1000, figure_sample=10 if args.quick else 20)), flush=True)


if __name__ == "__main__":
    main()
