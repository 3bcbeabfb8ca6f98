"""What produced a run: library versions and the git commit, recorded with every run."""

from __future__ import annotations

import functools
import platform
import subprocess
from importlib import metadata
from pathlib import Path


@functools.cache
def versions() -> dict[str, str | None]:
    """Python, numpy, torch, scikit-learn and neuronlab versions, and the source tree's git commit."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for dist in ("numpy", "torch", "scikit-learn", "neuronlab"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    out["git_commit"] = _git_commit()
    return out


def _git_commit() -> str | None:
    """The commit of the checkout neuronlab runs from (None when installed from a wheel)."""
    here = Path(__file__).resolve().parent
    try:
        proc = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = proc.stdout.strip()
    return commit if proc.returncode == 0 and len(commit) == 40 else None
