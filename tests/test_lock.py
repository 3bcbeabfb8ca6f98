"""The lock: every package this environment runs on is the version constraints.txt pins.

CI installs through scripts/setup.sh, which passes ``-c constraints.txt``; these tests fail when a
package slipped past the lock (a new dependency nobody locked, a pin pip ignored, a hand edit), so
what the suite tested is what a lab installed next term will get.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
UNLOCKED = {"neuronlab", "pip", "setuptools", "wheel"}  # ourselves, and the installer's own tools


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)(\[[^\]]*\])?==([^\s;]+)", line)
        assert match, f"constraints.txt: {line!r} is not an exact pin (name==version)"
        pins[canonicalize_name(match[1])] = match[3]
    return pins


def test_every_installed_package_is_pinned_at_its_installed_version() -> None:
    pins = _pins()
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    unpinned = sorted(n for n in installed if n not in pins and n not in UNLOCKED)
    assert not unpinned, f"installed but not in constraints.txt (run scripts/lock.sh): {unpinned}"
    # ``==2.13.0`` admits the CPU wheel's local label ``2.13.0+cpu`` and nothing else
    drifted = {n: (v, pins[n]) for n, v in installed.items()
               if n in pins and not SpecifierSet(f"=={pins[n]}").contains(v, prereleases=True)}
    assert not drifted, f"installed version differs from the lock (installed, locked): {drifted}"


def test_every_declared_dependency_is_locked_and_torch_is_the_cpu_pin() -> None:
    pins = _pins()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        declared += extra
    missing = sorted(str(r) for r in map(Requirement, declared) if canonicalize_name(r.name) not in pins)
    assert not missing, f"declared in pyproject.toml but not locked (run scripts/lock.sh): {missing}"
    for spec in map(Requirement, declared):  # the lock satisfies what we declare
        name = canonicalize_name(spec.name)
        assert spec.specifier.contains(pins[name], prereleases=True), f"{name}=={pins[name]} violates {spec}"
    assert pins["torch"] == "2.13.0"
