"""A spec's validation errors as one line: ``<file>: <dotted key> <what is wrong and what is allowed>``.

Pydantic reports every error with a path of field names; a person wrote TOML keys.  This module turns
the first error into the key as written (``sweep.random."train.eta".low``, ``model.hidden[1]``) and a
sentence, and for an unknown key it walks the models to list the keys that table allows.

It knows pydantic, not our tables (only the wording of a bad ``dist`` tag is the sweep's): a spec model
that the generic walk would describe wrongly says so with a class attribute (a ``ClassVar``, which
pydantic leaves alone), so this module imports none of them and every spec module can use it:

- ``more_keys``: keys the table takes besides its fields, shown in "allowed keys" (ExperimentSpec's
  ``sweep``, which the loader takes off first; RandomAxes's free axis keys);
- ``tagged``: on a table with free keys (``extra="allow"``), each tag of its values' tagged union and
  the model it selects; pydantic puts the tag in the path after the free key, people never write it;
- ``inline_table``: a field whose keys the file writes at its top level (SweepSpec's ``base``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from neuronlab.errors import NeuronlabError


class SpecError(NeuronlabError, ValueError):
    """An experiment or sweep file cannot be used; the one-line message names the file and the key."""


M = TypeVar("M", bound=BaseModel)


def validate(cls: type[M], data: Any, source: str, *, base_dir: str | Path | None = None) -> M:
    """``cls`` from ``data``, or a SpecError naming ``source`` and the first bad key (and how many more)."""
    try:
        return cls.model_validate(data, context={"base_dir": str(base_dir or "")})
    except ValidationError as err:
        errors = err.errors(include_url=False)
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        raise SpecError(f"{source}: {describe(cls, errors[0])}{more}") from None


TYPE_WORDS = {
    "float_type": "a number", "int_type": "an integer", "bool_type": "true or false",
    "string_type": "a string",
    "list_type": "a list", "tuple_type": "a list", "dict_type": "a table", "model_type": "a table",
    "model_attributes_type": "a table", "finite_number": "a finite number",
}
COMPARE = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}


def describe(root: type[BaseModel], error: Any) -> str:
    """One pydantic error as ``<dotted key> <what is wrong and what is allowed>``."""
    loc, kind, ctx = tuple(error["loc"]), error["type"], error.get("ctx") or {}
    inline = getattr(root, "inline_table", None)
    if inline is not None and loc[:1] == (inline,):
        loc, root = loc[1:], next(models_in(root.model_fields[inline].annotation))
    key = format_loc(_walk(root, loc)[1])
    got = short(error.get("input"))
    if kind == "extra_forbidden":
        table, allowed = _allowed_keys(root, loc[:-1])
        return f"unknown key {key!r} in {table}; allowed keys: {', '.join(allowed)}"
    if kind == "missing":
        return f"{key} is required"
    if kind in TYPE_WORDS:
        return f"{key} must be {TYPE_WORDS[kind]}, got {got}"
    if kind in COMPARE:
        bound = next(iter(ctx.values()))
        return f"{key} must be {COMPARE[kind]} {bound:g}, got {got}"
    if kind == "literal_error":
        return f"{key} must be one of {ctx['expected']}, got {got}"
    if kind == "too_short":
        return f"{key} must have at least {ctx['min_length']} item(s), got {got}"
    if kind == "union_tag_invalid":
        return f"{key}.dist must be one of {ctx['expected_tags']}, got {ctx['tag']!r}"
    if kind == "union_tag_not_found":
        return f"{key} needs dist = 'uniform', 'log-uniform' or 'choice'"
    if kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
        return f"{key} {message}" if key else message
    return f"{key}: {error['msg']}" if key else str(error["msg"])


def format_loc(loc: list[Any] | tuple[Any, ...]) -> str:
    """A path as a TOML key: ``a.b[0]``, with a dotted segment quoted (``random."train.eta"``)."""
    out = ""
    for seg in loc:
        if isinstance(seg, int):
            out += f"[{seg}]"
        else:
            seg = f'"{seg}"' if "." in seg else seg
            out += f".{seg}" if out else seg
    return out


def short(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters so a one-line error stays one short line."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def models_in(ann: Any) -> Iterator[type[BaseModel]]:
    """The pydantic models in a field's annotation (``RandomAxes | None`` → RandomAxes)."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        yield ann
    for arg in getattr(ann, "__args__", ()):
        yield from models_in(arg)


def _walk(root: type[BaseModel], loc: tuple[Any, ...]) -> tuple[type[BaseModel] | None, list[Any]]:
    """The model ``loc`` ends in (None: below the models, in a list, dict or value) and ``loc`` as a
    person writes it, without the tags pydantic adds after a free key."""
    cls: type[BaseModel] | None = root
    shown: list[Any] = []
    tags: Mapping[str, type[BaseModel]] = {}
    for seg in loc:
        if seg in tags:  # the segment after a free key: its tagged union's tag
            cls, tags = tags[seg], {}
            continue
        tags = {}
        shown.append(seg)
        if cls is None:
            continue
        if cls.model_config.get("extra") == "allow" and seg not in cls.model_fields:
            tags = getattr(cls, "tagged", {})  # a free key (a sweep axis); the table stays the same
            continue
        field = cls.model_fields.get(seg)
        cls = next(models_in(getattr(field, "annotation", None)), None)
    return cls, shown


def _allowed_keys(root: type[BaseModel], loc: tuple[Any, ...]) -> tuple[str, list[str]]:
    """The table a key was found in and the keys that table allows (by walking the models)."""
    cls, shown = _walk(root, loc)
    if cls is None:
        return "this table", []
    table = f"[{format_loc(shown)}]" if shown else "the top level"
    keys = [f.alias or name for name, f in cls.model_fields.items()]
    return table, sorted([*keys, *getattr(cls, "more_keys", ())])
