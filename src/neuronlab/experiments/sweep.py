"""Sweeps as data: expand grid and random axes into points, and apply a point to an experiment.

An axis is a dotted key into an experiment (``"train.eta"``, ``"model.hidden"``, ``"task.params.noise"``);
a list element is addressed by its index (``"model.hidden.0"``) and ``*`` means every element
(``"model.hidden.*"``: the same width in every hidden layer).  Everything here works on plain dicts,
so the Pydantic models in :mod:`neuronlab.experiments.spec` stay the only place that validates.

Random axes are drawn from one seeded NumPy Generator, point by point and axis by axis in the order
written, so a sweep expands to the same points on every machine and every run.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

Point = dict[str, Any]  # axis path -> value

# Keys that identify or repeat an experiment rather than configure it: sweeping them means nothing.
NOT_AXES = ("name", "notes", "seeds")


def split_path(path: str) -> list[str]:
    return path.split(".")


def check_axis(data: Mapping[str, Any], path: str, *, free: Sequence[str] = ()) -> None:
    """Raise ValueError unless ``path`` addresses a key of ``data``.

    Below a ``free`` path (``task.params``: the loader's keywords, checked later by loading the task)
    any key is accepted.
    """
    if split_path(path)[0] in NOT_AXES:
        raise ValueError(f"{path!r} cannot be a sweep axis: every point already runs every seed; "
                         f"sweep a key of [task], [model], [train] or [evaluate]")
    node: Any = data
    done: list[str] = []
    for seg in split_path(path):
        if ".".join(done) in free:
            return
        if isinstance(node, Mapping):
            if seg not in node:
                where = f"[{'.'.join(done)}]" if done else "the top level"
                raise ValueError(f"sweep axis {path!r} is not a key of the experiment; {where} has "
                                 f"{', '.join(map(repr, sorted(node)))}")
            node = node[seg]
        elif isinstance(node, list):
            if seg == "*" and node:
                node = node[0]
            elif seg.isdigit() and int(seg) < len(node):
                node = node[int(seg)]
            else:
                raise ValueError(f"sweep axis {path!r}: {'.'.join(done)} is a list of {len(node)}; "
                                 f"address an element by index 0..{len(node) - 1} or all of them by '*'")
        else:
            raise ValueError(f"sweep axis {path!r}: {'.'.join(done)} is a value, not a table")
        done.append(seg)


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` in ``data`` in place; ``*`` sets every element of a list."""
    *parents, last = split_path(path)
    nodes: list[Any] = [data]
    for seg in parents:
        nodes = [child for node in nodes for child in _children(node, seg, path)]
    for node in nodes:
        if isinstance(node, list):
            for i in _indices(node, last, path):
                node[i] = copy.deepcopy(value)
        else:
            node[last] = copy.deepcopy(value)


def _children(node: Any, seg: str, path: str) -> list[Any]:
    if isinstance(node, list):
        return [node[i] for i in _indices(node, seg, path)]
    if isinstance(node, dict):
        return [node.setdefault(seg, {})]
    raise ValueError(f"sweep axis {path!r} descends into a value, not a table")


def _indices(node: list[Any], seg: str, path: str) -> range:
    if seg == "*":
        return range(len(node))
    if not seg.isdigit() or int(seg) >= len(node):
        raise ValueError(f"sweep axis {path!r}: index {seg} is out of range for a list of {len(node)}")
    return range(int(seg), int(seg) + 1)


def apply_point(data: Mapping[str, Any], point: Point) -> dict[str, Any]:
    """A copy of ``data`` with ``point`` applied, parents before children.

    Applying ``model.hidden`` before ``model.hidden.*`` lets one axis choose the depth and another the
    width of every layer.
    """
    out = copy.deepcopy(dict(data))
    for path in sorted(point, key=lambda p: len(split_path(p))):  # stable: written order among equals
        set_path(out, path, point[path])
    return out


def grid_points(grid: Mapping[str, Sequence[Any]]) -> list[Point]:
    """The cartesian product of the axes, the first axis varying slowest (as written)."""
    keys = list(grid)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*(grid[k] for k in keys))]


def draw(rng: np.random.Generator, dist: Mapping[str, Any]) -> Any:
    """One value from a distribution table (``dist`` = uniform | log-uniform | choice).

    Integer axes (``int = true``) include both ends: uniform draws an integer in [low, high];
    log-uniform draws floor(exp(u)) with u uniform in [log low, log(high + 1)), so each decade of
    widths is equally likely, as it is for the continuous version.
    """
    kind = dist["dist"]
    if kind == "choice":
        values = list(dist["values"])
        return copy.deepcopy(values[int(rng.integers(len(values)))])
    low, high, integer = float(dist["low"]), float(dist["high"]), bool(dist.get("int", False))
    if kind == "uniform":
        if integer:
            return int(rng.integers(int(low), int(high), endpoint=True))
        return float(rng.uniform(low, high))
    if kind == "log-uniform":
        if integer:
            return min(int(high), math.floor(math.exp(rng.uniform(math.log(low), math.log(high + 1)))))
        return float(math.exp(rng.uniform(math.log(low), math.log(high))))
    raise ValueError(f"unknown distribution {kind!r}; use 'uniform', 'log-uniform' or 'choice'")


def random_points(axes: Mapping[str, Mapping[str, Any]], count: int, seed: int) -> list[Point]:
    """``count`` points, each axis drawn in written order from ``np.random.default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    return [{path: draw(rng, dist) for path, dist in axes.items()} for _ in range(count)]


def combine(grid: list[Point], random: list[Point]) -> list[Point]:
    """Every grid point with every random point (the same random draws for each grid point, so the
    grid's values are compared on equal terms); either alone when the other is absent."""
    if not grid:
        return random
    if not random:
        return grid
    return [{**g, **r} for g in grid for r in random]


def format_value(value: Any) -> str:
    """Short, readable values for point names: 3 significant digits, TOML-like lists and booleans."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return str(value)


def point_label(point: Point) -> str:
    return ", ".join(f"{path}={format_value(v)}" for path, v in point.items())
