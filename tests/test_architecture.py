"""The package's shape, checked: layers import one way, no module reaches into another's underscored
names, the default CLI paths never import torch, and no core file grows past ~400 lines
(ARCHITECTURE.md's picture, as tests)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "src" / "neuronlab"

# Bottom to top: a package may import only packages before it (and itself).  The faces (cli*, web,
# __init__, demo) sit above everything.
LAYERS = ["errors", "limits", "config", "store", "tasks", "nn", "train", "estimators", "evaluate", "model_selection",
          "plots", "experiments", "studies", "figures", "classroom", "practicals", "report", "playground"]
CORE = ["config", "nn", "train", "estimators", "model_selection", "evaluate", "tasks"]
MAX_CORE_LINES = 420


def _package(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    """The neuronlab packages a module imports, anywhere in it (function-level imports count too)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "neuronlab":
            names = [node.module] if node.module != "neuronlab" else [f"neuronlab.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.split(".")[0] == "neuronlab"]
        out.update(n.split(".")[1] for n in names if "." in n)
    return out


def test_layers_import_one_way() -> None:
    wrong = []
    for path in ROOT.rglob("*.py"):
        pkg = _package(path)
        if pkg not in LAYERS:
            continue
        for target in _imports(path) - {pkg}:
            if target not in LAYERS or LAYERS.index(target) > LAYERS.index(pkg):
                wrong.append(f"{path.relative_to(ROOT)} imports neuronlab.{target}")
    assert not wrong, "\n".join(sorted(wrong))


def private_reaches(source: str) -> list[tuple[int, str]]:
    """Where ``source`` uses another neuronlab module's underscored name: imported by name
    (``from neuronlab.x import _helper``) or through an imported module or class (``x._helper``,
    ``Cls._helper``).  Dunder names are public protocol, not private."""
    tree = ast.parse(source)
    private = lambda name: name.startswith("_") and not name.startswith("__")  # noqa: E731
    found, bound = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "neuronlab":
            for alias in node.names:
                if private(alias.name):
                    found.append((node.lineno, f"from {node.module} import {alias.name}"))
                bound.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            bound.update(a.asname or a.name.split(".")[0] for a in node.names if a.name.split(".")[0] == "neuronlab")
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and private(node.attr) and isinstance(node.value, ast.Name)
                and node.value.id in bound):
            found.append((node.lineno, f"{node.value.id}.{node.attr}"))
    return sorted(found)


def test_the_private_name_scan_catches_each_form() -> None:
    source = ("from neuronlab.train import fused\nfrom neuronlab.nn.init import _seed, uniform_init\n"
              "import neuronlab.limits as lim\nfrom neuronlab.estimators import MLPClassifier\n"
              "fused._pack(1)\nlim._cache\nMLPClassifier._check_params\nuniform_init.__doc__\nself._own\n")
    assert [what for _, what in private_reaches(source)] == [
        "from neuronlab.nn.init import _seed", "fused._pack", "lim._cache", "MLPClassifier._check_params"]


def test_no_module_reaches_into_anothers_private_names() -> None:
    wrong = [f"{path.relative_to(ROOT)}:{line}: {what}" for path in sorted(ROOT.rglob("*.py"))
             for line, what in private_reaches(path.read_text())]
    assert not wrong, "\n".join(wrong)


def test_no_core_file_is_long() -> None:
    long = {str(p.relative_to(ROOT)): n for pkg in CORE for p in (ROOT / pkg).rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_CORE_LINES}
    long.update({"config.py": n} if (n := len((ROOT / "config.py").read_text().splitlines())) > MAX_CORE_LINES else {})
    assert not long


@pytest.mark.slow
@pytest.mark.parametrize("argv", [
    ["train", "moons", "--epochs", "20"],
    ["train", "sin", "--model", "neuron", "--epochs", "20"],
    ["tasks"],
])
def test_the_default_cli_paths_do_not_import_torch(argv: list[str], tmp_path: Path) -> None:
    """The NumPy engine (the CLI's one-off fit), the compiled engine and the NumPy neuron are the
    defaults: torch (~2 s to import) is loaded only by the PyTorch practical's paths (``engine="torch"``,
    ``backend="torch"``), and Numba (~0.7 s with the cached kernel) only by the kernel's (sweeps, a
    library ``fit``)."""
    code = ("import atexit, sys\n"
            "atexit.register(lambda: sys.stderr.write('TORCH=' + str('torch' in sys.modules) + '\\n'))\n"
            "atexit.register(lambda: sys.stderr.write('NUMBA=' + str('numba' in sys.modules) + '\\n'))\n"
            "from neuronlab.cli import main\n"
            f"sys.argv = ['neuronlab', *{argv!r}]\n"
            "main()\n")
    env = dict(os.environ, NEURONLAB_HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "TORCH=False" in done.stderr and "NUMBA=False" in done.stderr


@pytest.mark.slow
def test_the_kernel_path_does_import_numba(tmp_path: Path) -> None:
    """The NUMBA probe above can fail: ``--engine fused`` loads the kernel."""
    code = ("import atexit, sys\n"
            "atexit.register(lambda: sys.stderr.write('NUMBA=' + str('numba' in sys.modules) + '\\n'))\n"
            "from neuronlab.cli import main\n"
            "sys.argv = ['neuronlab', 'train', 'moons', '--epochs', '5', '--engine', 'fused']\n"
            "main()\n")
    env = dict(os.environ, NEURONLAB_HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "NUMBA=True" in done.stderr


@pytest.mark.slow
def test_the_torch_engine_does_import_torch(tmp_path: Path) -> None:
    """The check above can fail: the same probe sees torch when a path uses it."""
    code = ("import sys\nfrom sklearn.datasets import make_moons\nfrom neuronlab.estimators import MLPClassifier\n"
            "X, y = make_moons(50, random_state=0)\nMLPClassifier((3,), max_epochs=2, engine='torch').fit(X, y)\n"
            "print('torch' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert done.stdout.strip() == "True"
