"""A comparison study as a TOML file, so it is kept, shared and re-run like any experiment spec::

    data = "hall_petch.csv"            # relative to this file's folder
    target = "yield_MPa"
    groups = "specimen"                # optional
    models = ["linear(inv_sqrt(d_um))", "mlp(d_um)"]
    folds = 5                          # optional, as the CLI's defaults
    repeats = 10
    rope = 0.01
    seed = 0
    test_fraction = 0.2                # optional: held out, scored once at the end
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from neuronlab import limits
from neuronlab.errors import ConfigError


class CompareSpec(BaseModel):
    """What ``neuronlab study compare`` takes, as data."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    data: str = Field(min_length=1)
    target: str = Field(min_length=1)
    groups: str | None = None
    models: list[str] = Field(min_length=2)
    folds: int = Field(default=5, ge=2, le=limits.FOLDS.default)
    repeats: int = Field(default=10, ge=1, le=100)
    rope: float = Field(default=0.01, ge=0)
    seed: int = Field(default=0, ge=0, lt=2**32)
    test_fraction: float = Field(default=0.0, ge=0, le=0.5)  # a held-out split scored once at the end


def load_compare_spec(path: str | Path) -> tuple[CompareSpec, Path]:
    """The spec and its data file's path (relative paths from the spec's folder); one-line errors."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    try:
        spec = CompareSpec.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "the file"
        raise ConfigError(f"{path}: {where}: {err['msg']}") from None
    data = Path(spec.data)
    return spec, data if data.is_absolute() else path.parent / data
