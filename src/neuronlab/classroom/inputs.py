"""Checking what a caller passes the classroom: names, fractions, quotas and row ids.

The CLI and the web routes hand over what a person typed, so every bad value ends here as one
``ConfigError`` line that names the value and the range it must lie in.
"""

from __future__ import annotations

from typing import Any

from neuronlab.errors import ConfigError


def row_id(value: Any) -> int:
    """A row id as the database takes it; anything else names no row (never a driver error)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        return 0
    return value


def clean_name(name: Any, what: str, limit: int) -> str:
    """``name`` with its whitespace runs collapsed, if 1 to ``limit`` printable characters remain."""
    text = " ".join(str(name).split()) if isinstance(name, str) else ""
    if not text or len(text) > limit or any(not ch.isprintable() for ch in text):
        raise ConfigError(f"the {what} must be 1 to {limit} printable characters, got {short(name)}")
    return text


def short(value: Any) -> str:
    """``repr(value)`` cut to 40 characters, so an error line stays one line whatever was sent."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def fraction(what: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise ConfigError(f"{what} must be a number strictly between 0 and 1, got {short(value)}")
    return float(value)


def positive(what: str, value: Any, *, maximum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= maximum:
        raise ConfigError(f"{what} must be a number in (0, {maximum}], got {short(value)}")
    return float(value)


def quota(what: str, value: Any) -> int | None:
    """A submission quota: a whole number ≥ 1, or None for no limit."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**31:
        raise ConfigError(f"{what} must be a whole number ≥ 1 (or left out for no limit), got {short(value)}")
    return value


def printable(text: str) -> str:
    """``text`` safe for any database column and any page: control and lone-surrogate characters become ``?``."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)
