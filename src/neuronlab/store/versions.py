"""The software a run was made with, read from package metadata so the store never imports torch."""

from __future__ import annotations

import functools
import platform
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES = ("numpy", "scipy", "scikit-learn", "torch", "neuronlab")


def _git_commit() -> str | None:
    """HEAD of the checkout neuronlab runs from (with ``+dirty`` for uncommitted changes), else None."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}+dirty" if dirty else commit or None


def environment_versions() -> dict[str, str | None]:
    """``{"python": "3.11.9", "numpy": "2.4.0", …, "git": "<commit>"}`` of this process."""
    return dict(_versions())


@functools.cache
def _versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    versions["git"] = _git_commit()
    return versions
