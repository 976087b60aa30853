"""Theorem 1 and Proposition 1 of Seddik et al. against Monte Carlo (about 3 standard errors)."""

from __future__ import annotations

import numpy as np
import pytest

from collapse.figures.seddik import theorem1_data
from collapse.schemes import FullySynthetic
from collapse.statistical import simulate
from collapse.theory.seddik import collapse_probability_bounds, collapse_time_bounds, expected_sigma


def test_eq6_one_step_is_the_binomial_second_moment() -> None:
    # E||p^(1)||^2 = S0 + (1 - S0)/n, from E[X^2] = nq(1-q) + n^2 q^2 for X ~ Bin(n, q).
    p = np.array([0.5, 0.3, 0.2])
    n = 7
    exact = sum((n * q * (1 - q) + n**2 * q**2) / n**2 for q in p)
    assert expected_sigma(1, n, p @ p) == pytest.approx(exact, rel=1e-14)
    assert expected_sigma(0, n, 0.3) == pytest.approx(0.3)


def test_bounds_are_ordered_and_meet_where_expected() -> None:
    lower, upper = collapse_time_bounds(np.int64(10), 0.38, 3)
    assert 1 < lower < upper
    # n = 1 collapses at once: both bounds of eq. (8) equal 1.
    assert collapse_time_bounds(1, 0.5, 2) == (pytest.approx(1.0), pytest.approx(1.0))
    lo, hi = collapse_probability_bounds(np.arange(50), 10, 0.38, 3)
    assert (lo <= hi).all()


@pytest.mark.parametrize("bad", [0.0, 1.5, float("nan")])
def test_s0_out_of_range_is_an_error(bad: float) -> None:
    with pytest.raises(ValueError, match="s0 must lie in"):
        expected_sigma(1, 10, bad)


@pytest.fixture(scope="module")
def theorem1() -> object:
    return theorem1_data(p=(0.5, 0.3, 0.2), n=10, runs=4000, generations=30, seed=123)


def test_eq6_matches_monte_carlo(theorem1) -> None:  # type: ignore[no-untyped-def]
    z = theorem1.sigma_z()
    assert z.size == 30
    # 30 correlated comparisons (the same chains at every m): each within 4 SE, most within 3.
    assert np.abs(z).max() < 4.0
    assert (np.abs(z) < 3.0).mean() >= 0.9


def test_eq7_and_eq8_bound_the_monte_carlo(theorem1) -> None:  # type: ignore[no-untyped-def]
    summary = theorem1.summary()
    assert summary["rho_within_bounds"] == summary["rho_generations"]
    slack = 3 * theorem1.se_T
    assert (theorem1.mean_T + slack >= theorem1.T_lower).all()
    assert (theorem1.mean_T - slack <= theorem1.T_upper).all()


def test_eq6_rejects_a_wrong_closed_form(theorem1) -> None:  # type: ignore[no-untyped-def]
    # The same comparison fails for a plausible wrong formula, (1 - 1/n)^(2m): the test can fail.
    m = np.arange(theorem1.sigma_mean.size)
    wrong = 1 - (1 - 1 / theorem1.n) ** (2 * m) * (1 - theorem1.p @ theorem1.p)
    ok = theorem1.sigma_se > 1e-12
    z = (theorem1.sigma_mean[ok] - wrong[ok]) / theorem1.sigma_se[ok]
    assert np.abs(z).max() > 10


def test_proposition1_collapse_frequencies_approach_p() -> None:
    p = np.array([0.6, 0.3, 0.1])
    runs = 20000
    run = simulate(FullySynthetic(5), np.tile(p, (runs, 1)), np.random.default_rng(7))
    freq = np.bincount(run.collapse_token, minlength=3) / runs
    se = np.sqrt(p * (1 - p) / runs)
    assert (np.abs(freq - p) < 3 * se).all(), (freq, p)
