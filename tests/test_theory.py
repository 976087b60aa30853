"""Theorem 1 and Proposition 1 of Seddik et al. against Monte Carlo (about 3 standard errors)."""

from __future__ import annotations

import numpy as np
import pytest

from collapse.pages.theory_seddik_theorem1 import data as theorem1_data
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


# --- Theorem 2 (eq. 9): the printed form against the recursion of its own proof ---------------

from collapse.markov import count_states, exact_chain  # noqa: E402
from collapse.pages.theory_seddik_theorem2 import data as theorem2_data  # noqa: E402
from collapse.schemes import PartiallySynthetic  # noqa: E402
from collapse.theory.seddik import (  # noqa: E402
    deviation_bound,
    log_g,
    max_synthetic_samples,
    max_synthetic_samples_eq11,
    partially_synthetic_sigma,
    partially_synthetic_sigma_printed,
)


def _nu_recursion(p: np.ndarray, n: int, N: int, generations: int) -> np.ndarray:
    """S_m from the per-token recursion (15) of the paper's proof, iterated numerically."""
    total = N + n
    nu = p / N + (1 - 1 / N) * p**2
    out = [p @ p, nu.sum()]
    cross = (p + (N - 1) * p**2) / N  # E[y^(0) p^(m-1)], constant for m >= 2
    for _ in range(2, generations + 1):
        nu = (p / total + (N**2 - N) / total**2 * p**2 + (n**2 - n) / total**2 * nu
              + 2 * n * N * cross / total**2)
        out.append(nu.sum())
    return np.array(out)


@pytest.mark.parametrize(("n", "N"), [(10, 2), (10, 5), (3, 7), (100, 100)])
def test_corrected_eq9_solves_the_proofs_recursion_and_printed_does_not(n: int, N: int) -> None:
    p = np.array([0.5, 0.3, 0.2])
    m = np.arange(12)
    recursion = _nu_recursion(p, n, N, 11)
    np.testing.assert_allclose(partially_synthetic_sigma(m, n, N, p @ p), recursion, rtol=1e-12)
    printed = partially_synthetic_sigma_printed(m[2:], n, N, p @ p)
    assert np.abs(printed - recursion[2:]).max() > 1e-9  # the printed form is off everywhere


def test_monte_carlo_decides_for_the_corrected_eq9() -> None:
    data = theorem2_data(n=10, N_values=(2, 5), runs=100_000, generations=6, seed=3)
    z_corrected, z_printed = data.z("corrected"), data.z("printed")
    assert np.abs(z_corrected).max() < 4.0
    assert np.abs(z_printed).max() > 10.0


def test_partially_synthetic_first_generation_is_the_real_data() -> None:
    # S_1 = 1/N + (1 - 1/N) S0, the empirical distribution of N real samples
    assert partially_synthetic_sigma(1, 10, 4, 0.38) == pytest.approx(0.25 + 0.75 * 0.38)
    assert partially_synthetic_sigma(0, 10, 4, 0.38) == pytest.approx(0.38)


def test_partially_synthetic_scheme_matches_corrected_eq9_at_paper_scale() -> None:
    from collapse.distributions import power_law
    from collapse.statistical import simulate as sim

    p = power_law(600, 52, 0.1)
    runs = 4000
    result = sim(PartiallySynthetic(10, 100), np.tile(p, (runs, 1)), np.random.default_rng(4),
                 generations=20)
    se = result.sigma.std(axis=1, ddof=1) / np.sqrt(runs)
    z = (result.sigma.mean(axis=1) - partially_synthetic_sigma(np.arange(21), 10, 100, 0.1))[1:]
    assert np.abs(z / se[1:]).max() < 4.0


# --- Theorem 3 and eq. (11) ----------------------------------------------------------------------


def test_g_n_s_follows_its_three_cases() -> None:
    c0 = np.e**3 / (2 * np.pi)
    c1 = 6 * np.e / np.pi**1.5
    assert log_g(10, 600) == pytest.approx(np.log(c1 * 600) + c0 * 10 / (2 * np.e))
    assert log_g(100, 100) == pytest.approx(np.log(c1 * 100) + 50 * np.log(c0 * 100 / 100))
    assert log_g(100, 10) == pytest.approx(np.log(2.0**10 - 2))


def test_eq11_is_sufficient_for_the_theorem3_bound() -> None:
    for s, N, eps in [(50, 10**6, 0.1), (1000, 10**9, 0.05), (10, 10**6, 0.05)]:
        allowed = int(np.floor(max_synthetic_samples_eq11(s, N, eps)))
        assert allowed >= 1
        assert deviation_bound(allowed, N, s) < eps  # every n allowed by (11) meets the bound
        exact = max_synthetic_samples(s, N, eps)
        assert exact >= allowed
        assert deviation_bound(exact + 1, N, s) >= eps


def test_theorem3_bound_holds_for_simulated_deviation() -> None:
    from collapse.statistical import simulate as sim

    p = np.array([0.4, 0.3, 0.2, 0.1])
    n, N = 5, 10**6
    result = sim(PartiallySynthetic(n, N), np.tile(p, (200, 1)), np.random.default_rng(0),
                 generations=10)
    assert result.deviation[2:].mean(axis=1).max() < deviation_bound(n, N, p.size)


# --- the exact chain ------------------------------------------------------------------------


def test_count_states_enumerates_compositions() -> None:
    states = count_states(4, 3)
    assert states.shape == (15, 3) and (states.sum(axis=1) == 4).all()
    assert len({tuple(r) for r in states}) == 15


def test_exact_chain_reproduces_eq6_and_proposition1_to_rounding() -> None:
    p = np.array([0.45, 0.35, 0.2])
    chain = exact_chain(p, 12)
    np.testing.assert_allclose(chain.transition.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(chain.expected_sigma(40), expected_sigma(np.arange(41), 12, p @ p),
                               atol=1e-12)
    np.testing.assert_allclose(chain.absorption_probabilities(), p, atol=1e-12)
    lower, upper = collapse_time_bounds(12, p @ p, 3)
    assert lower <= chain.expected_collapse_time() <= upper


def test_exact_chain_law_matches_monte_carlo() -> None:
    p = np.array([0.6, 0.4])
    chain = exact_chain(p, 15)
    runs = 40000
    times = simulate(FullySynthetic(15), np.tile(p, (runs, 1)),
                     np.random.default_rng(8)).collapse_time
    se = times.std(ddof=1) / np.sqrt(runs)
    assert abs(times.mean() - chain.expected_collapse_time()) < 3 * se
    cdf = chain.collapse_cdf(60)
    mc = (times[None, :] <= np.arange(61)[:, None]).mean(axis=1)
    binom_se = np.sqrt(np.maximum(cdf * (1 - cdf), 1e-12) / runs)
    assert (np.abs(mc - cdf) < 4 * binom_se + 1e-12).all()


def test_exact_chain_refuses_huge_state_spaces() -> None:
    with pytest.raises(ValueError, match="states; the exact chain supports at most"):
        exact_chain(np.full(10, 0.1), 40)


# --- Wang et al.: the count model of Theorem 2.1 ----------------------------------------------


def test_wang_closed_form_with_realized_alphas_reproduces_the_corpus() -> None:
    from collapse.pages.theory_wang_theorem21 import data as wang_count_model_data

    data = wang_count_model_data(p=0.7, N=200, rates=(1.0, 0.05), generations=40, runs=50,
                                 seed=5)
    np.testing.assert_allclose(data.closed_form[:, 1:], data.corpus_p[:, 1:], atol=1e-12)


def test_wang_replace_is_a_martingale_that_fixes_and_accumulate_does_not() -> None:
    from collapse.pages.theory_wang_theorem21 import data as wang_count_model_data

    data = wang_count_model_data(p=0.5, N=50, rates=(1.0,), generations=150, runs=2000, seed=2)
    final = data.p_hat[0, -1]
    assert abs(final.mean() - 0.5) < 3 * final.std(ddof=1) / np.sqrt(final.size)
    assert ((final == 0) | (final == 1)).mean() > 0.5  # Wright–Fisher: most runs fixed
    acc = data.p_hat[1, -1]
    assert ((acc == 0) | (acc == 1)).mean() < 0.01
    assert acc.std() < final.std() / 2
