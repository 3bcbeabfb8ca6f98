"""A comparison study as text for the terminal, JSON for scripts, and a static HTML page with figures.

Figures are built with Matplotlib's object API (``Figure``, no pyplot): no backend is selected, no global
state is touched, so drawing is safe in a notebook or a server thread and importing this module is cheap.
The HTML is one self-contained file (figures inlined as PNG data URLs, no remote assets): it opens
offline and can be mailed to a colleague.  Its three figures are the evidence behind each verdict: the
fold-wise differences of every pair, the posterior of each mean difference with the ROPE shaded, and
each model's learning curve over the training size.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from neuronlab.studies.compare import CompareResult


def table_text(result: CompareResult, *, ceiling: str | None = None) -> str:
    """The result as plain text: one line per model, the verdict per pair, the curves, leak and ceiling.

    ``ceiling``: a line to print instead of the replicate-based ceiling (a generator's known one)."""
    p = result.protocol
    groups = f", grouped by {result.groups} ({result.n_groups} groups)" if result.groups else ""
    lines = [f"{result.name}: {result.target} from {result.n_rows} rows{groups}; {p.repeats} × {p.folds}-fold "
             f"cross-validation (seed {p.seed}), {result.metric} per test fold, ROPE ±{p.rope:g}",
             f"{'model':<32}{'mean':>8}{'sd':>8}" + (f"{'KFold':>9}{'leak':>8}" if result.groups else "")]
    for m in result.models:
        line = f"{m.label:<32}{m.mean:>8.3f}{m.std:>8.3f}"
        if m.leak is not None:
            line += f"{m.leak.kfold_mean:>9.3f}{m.leak.gap:>+8.3f}" + ("  leaks" if m.leak.leaks else "")
        lines.append(line)
    lines.append("")
    for pair in result.pairs:
        lines.append(pair.verdict)
        lines.append(f"  corrected t-test: t = {pair.corrected.t:.2f}, p = {pair.corrected.p:.3f} "
                     f"(the plain paired t-test would say p = {pair.naive.p:.3f})")
        if pair.curve_sentence:
            lines.append(f"  {pair.curve_sentence}")
    lines.extend(h.sentence() for h in result.holdout)
    leaky = [m for m in result.models if m.leak is not None and m.leak.leaks]
    if result.groups:
        lines.append("leakage: " + ("; ".join(f"KFold flatters {m.label} by {m.leak.gap:+.3f} (> fold spread "
                                               f"{m.leak.spread:.3f})" for m in leaky if m.leak)
                                    if leaky else "no model gains more from ungrouped KFold than its fold spread"))
    if ceiling is not None:
        lines.append(ceiling)
    elif result.ceiling is not None:
        lines.append(result.ceiling.sentence())
    elif result.kind == "regression":
        lines.append("noise ceiling: no replicates (rows of one group with equal inputs) to estimate it from")
    return "\n".join(lines)


def to_json(result: CompareResult) -> str:
    """The whole result for scripts (non-finite numbers as null)."""
    return json.dumps(finite(result.to_dict()), indent=2)


def finite(value: object) -> object:
    """``value`` with every non-finite float as None, containers walked: JSON without NaN."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


# -- figures ----------------------------------------------------------------------------------------


def differences_figure(result: CompareResult) -> Figure:
    """Every pair's fold-wise differences a − b (one dot per fold), its mean and the ROPE band."""
    fig = Figure(figsize=(7.0, 0.9 + 0.7 * max(len(result.pairs), 1)))
    ax = fig.subplots()
    rng = np.random.default_rng(0)
    for row, pair in enumerate(result.pairs):
        jitter = rng.uniform(-0.15, 0.15, size=pair.diffs.size)
        ax.scatter(pair.diffs, row + jitter, s=12, alpha=0.6)
        ax.plot([pair.posterior.mean] * 2, [row - 0.3, row + 0.3], color="black", lw=2)
    ax.axvspan(-result.protocol.rope, result.protocol.rope, color="grey", alpha=0.2, label="ROPE")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(range(len(result.pairs)), [f"{p.a} − {p.b}" for p in result.pairs])
    ax.set_xlabel(f"difference in {result.metric} per test fold")
    ax.set_title("Fold-wise differences (bar: mean)")
    ax.legend(loc="best")
    return fig


def posterior_figure(result: CompareResult) -> Figure:
    """The posterior density of each pair's mean difference, with the ROPE shaded."""
    fig = Figure(figsize=(7.0, 4.0))
    ax = fig.subplots()
    for pair in result.pairs:
        post = pair.posterior
        low, high = post.interval(0.999)
        if post.scale == 0:
            ax.axvline(post.mean, label=f"{pair.a} − {pair.b}")
            continue
        x = np.linspace(low, high, 400)
        ax.plot(x, post.pdf(x), label=f"{pair.a} − {pair.b}")
    ax.axvspan(-result.protocol.rope, result.protocol.rope, color="grey", alpha=0.2, label="ROPE")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(f"mean difference in {result.metric}")
    ax.set_ylabel("posterior density")
    ax.set_title("Bayesian correlated t-test: posterior of the mean difference")
    ax.legend(loc="best", fontsize="small")
    return fig


def curve_figure(result: CompareResult) -> Figure:
    """Each model's mean score against the number of training rows (same test folds at every size)."""
    fig = Figure(figsize=(7.0, 4.0))
    ax = fig.subplots()
    sizes = [c.n_train for c in result.curve]
    for m in result.models:
        ax.plot(sizes, [c.scores[m.label] for c in result.curve], marker="o", label=m.label)
    if result.ceiling is not None:
        ax.axhline(result.ceiling.r2, color="black", ls="--", lw=1, label="noise ceiling")
    ax.set_xlabel("training rows")
    ax.set_ylabel(f"mean {result.metric} on the test folds")
    ax.set_title("Learning curves")
    ax.legend(loc="best", fontsize="small")
    return fig


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def write_html(result: CompareResult, directory: str | Path) -> Path:
    """Write ``report.html`` (figures inline) and ``result.json`` into ``directory``; the page's path."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    figures = {"Fold-wise differences": differences_figure(result), "Posterior of the difference":
               posterior_figure(result), "Learning curves": curve_figure(result)}
    body = "".join(f'<h2>{html.escape(title)}</h2><img alt="{html.escape(title)}" '
                   f'src="data:image/png;base64,{_png(fig)}">' for title, fig in figures.items())
    verdicts = "".join(f"<li>{html.escape(p.verdict)}</li>" for p in result.pairs)
    page = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Comparison: "
            f"{html.escape(result.name)}</title><style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto}}"
            f"pre{{background:#f4f4f4;padding:1rem;overflow-x:auto}}img{{max-width:100%}}</style></head><body>"
            f"<h1>Does one model beat another on {html.escape(result.name)}?</h1><ul>{verdicts}</ul>"
            f"<pre>{html.escape(table_text(result))}</pre>{body}</body></html>")
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    (out / "result.json").write_text(to_json(result), encoding="utf-8")
    return path
