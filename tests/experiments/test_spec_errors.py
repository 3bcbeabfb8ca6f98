"""Pydantic errors as one line: an unknown key inside a random axis's distribution names that table's keys."""

from __future__ import annotations

import pytest

from neuronlab.experiments.spec import SpecError, loads_spec

BASE = 'name = "x"\n[task]\nname = "sin"\n[sweep.random]\ncount = 2\n'

CASES = {
    # The distribution's own keys, not the [sweep.random] table's (count and the axes) it sits in.
    "uniform": ('"train.eta" = { dist = "uniform", low = 0.1, high = 1.0, lo = 1 }\n',
                "unknown key 'sweep.random.\"train.eta\".lo' in [sweep.random.\"train.eta\"]; "
                "allowed keys: dist, high, int, low"),
    "log-uniform, unquoted": ('train.eta = { dist = "log-uniform", low = 0.1, high = 1.0, hi = 2 }\n',
                              "unknown key 'sweep.random.\"train.eta\".hi' in [sweep.random.\"train.eta\"]; "
                              "allowed keys: dist, high, int, low"),
    "choice": ('"model.activation" = { dist = "choice", values = ["relu"], value = "tanh" }\n',
               "unknown key 'sweep.random.\"model.activation\".value' in [sweep.random.\"model.activation\"]; "
               "allowed keys: dist, values"),
    # An axis spelt like a tag is still the axis: only the segment after an axis is the tag.
    "axis named like a tag": ('uniform = { dist = "choice", values = [] }\n',
                              "sweep.random.uniform.values must have at least 1 item(s), got []"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_errors_inside_a_distribution_name_the_distribution(case: str) -> None:
    text, expected = CASES[case]
    with pytest.raises(SpecError) as info:
        loads_spec(BASE + text, source="sweep.toml")
    assert str(info.value) == f"sweep.toml: {expected}"
