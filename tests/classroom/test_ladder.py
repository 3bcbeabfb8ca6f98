"""The Ladder rule (Blum & Hardt 2015) worked by hand, and its invariants over any score sequence."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neuronlab.classroom.ladder import derived_step, ladder, ladder_update, round_to_step


def test_small_gains_publish_nothing_new_and_values_are_rounded() -> None:
    # eta = 0.05: 0.612 → 0.60 published; 0.64 beats 0.60 by 0.04 ≤ eta → stays 0.60;
    # 0.66 beats it by 0.06 > eta → 0.65; 0.30 (worse) → stays; 0.9049 → 0.90.
    assert ladder([0.612, 0.64, 0.66, 0.30, 0.9049], 0.05) == [0.6, 0.6, 0.65, 0.65, 0.9]


def test_gain_of_exactly_eta_is_not_enough() -> None:
    assert ladder_update(0.5, 0.51, 0.01) == 0.5
    assert ladder_update(0.5, 0.5101, 0.01) == 0.51


def test_first_submission_is_always_published_even_when_negative() -> None:
    assert ladder_update(None, -3.14159, 0.01) == -3.14
    assert ladder([], 0.1) == []


def test_rounding_prints_clean_decimals() -> None:
    assert str(round_to_step(0.7000000001, 0.1)) == "0.7"
    assert round_to_step(0.125, 0.25) == 0.0 and round_to_step(0.13, 0.25) == 0.25


@pytest.mark.parametrize("eta", [0.0, -0.1, math.nan, math.inf])
def test_bad_step_is_refused(eta: float) -> None:
    with pytest.raises(ValueError, match="eta"):
        ladder_update(None, 0.5, eta)


def test_non_finite_score_is_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        ladder_update(0.5, math.nan, 0.01)


@given(st.lists(st.floats(min_value=-1, max_value=1), min_size=1, max_size=40),
       st.sampled_from([0.001, 0.01, 0.05, 0.1]))
def test_published_values_never_fall_and_stay_near_the_best(scores: list[float], eta: float) -> None:
    published = ladder(scores, eta)
    assert all(p is not None for p in published)
    values = [p for p in published if p is not None]
    assert all(b >= a for a, b in itertools.pairwise(values))  # a board never goes down
    for k, value in enumerate(values):
        best = max(scores[: k + 1])
        # Within a step (plus rounding) of the best score so far, and every value a multiple of eta.
        assert best - 1.5 * eta - 1e-9 <= value <= best + eta / 2 + 1e-9
        assert abs(value / eta - round(value / eta)) < 1e-6
    changes = sum(1 for a, b in zip([None, *values], values, strict=False) if a != b)
    assert changes <= 1 + (max(scores) - scores[0]) / eta + 1  # few releases: that is what resists probing


def test_a_gain_of_exactly_one_step_is_not_published_despite_float_noise() -> None:
    assert 0.7 + 0.1 < 0.8  # binary floating point: the naive comparison would publish this gain of exactly η
    assert ladder_update(0.7, 0.8, 0.1) == 0.7
    assert ladder_update(0.7, 0.825, 0.1) == 0.8


@pytest.mark.parametrize(("n_public", "step"), [(1, 1.0), (4, 0.5), (10, 0.2), (40, 0.1), (100, 0.05), (200, 0.05),
                                                (400, 0.025), (1000, 0.02), (3600, 0.01)])
def test_derived_step_is_one_standard_error_rounded_up_to_a_step_that_divides_one(n_public: int, step: float) -> None:
    assert derived_step(n_public) == step
    assert step >= 1 / (2 * math.sqrt(n_public)) and step >= min(2 / n_public, 1.0)
    assert abs(1 / step - round(1 / step)) < 1e-9  # 1.0 is a publishable value


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_derived_step_needs_a_public_row(bad: int) -> None:
    with pytest.raises(ValueError, match="at least one row"):
        derived_step(bad)


@given(st.integers(min_value=1, max_value=5000), st.data())
def test_no_single_changed_label_is_ever_published_at_the_derived_step(n: int, data: st.DataObject) -> None:
    # Whatever the published value and the exact score behind it (k right of n), one more right label
    # is a gain of 1/n: never more than the derived step above what the board shows.
    eta = derived_step(n)
    k = data.draw(st.integers(min_value=0, max_value=n - 1))
    published = ladder_update(None, k / n, eta)
    assert ladder_update(published, (k + 1) / n, eta) == published
