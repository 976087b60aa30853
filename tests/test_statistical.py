"""The vectorised simulator: distributions, absorption, determinism, validation, every scheme."""

from __future__ import annotations

import numpy as np
import pytest

from collapse.distributions import random_simplex, sum_of_squares, support_size
from collapse.schemes import (
    Accumulate,
    AccumulateSubsample,
    FullySynthetic,
    MostRecent,
    PartiallySynthetic,
    RandomlySampled,
    Scheme,
)
from collapse.statistical import NOT_COLLAPSED, multivariate_hypergeometric, simulate

ALL_SCHEMES: list[Scheme] = [
    FullySynthetic(8), PartiallySynthetic(8, 5), MostRecent(8, 3), RandomlySampled(8),
    AccumulateSubsample(8, 0.5), Accumulate(4, 8),
]


def _run(seed: int = 3, n: int = 20, runs: int = 50, s: int = 4, **kwargs: object):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    initial = random_simplex(runs, s, rng)
    return simulate(FullySynthetic(n), initial, rng, record_distributions=True,
                    **kwargs)  # type: ignore[arg-type]


def test_every_generation_is_a_distribution_on_the_n_grid() -> None:
    run = _run()
    p = run.trajectory
    assert p is not None and p.shape == (run.generations + 1, 50, 4)
    assert (p >= 0).all()
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    counts = p[1:] * run.scheme.n  # type: ignore[attr-defined]
    np.testing.assert_allclose(counts, np.round(counts), atol=1e-9)  # n·p^(m) is integer


def test_collapse_time_is_the_first_vertex_and_vertices_absorb() -> None:
    run = _run()
    p = run.trajectory
    assert p is not None
    assert (run.collapse_time != NOT_COLLAPSED).all()  # stopped because all collapsed
    assert run.generations == run.collapse_time.max()
    for r in range(run.runs):
        t = run.collapse_time[r]
        at_vertex = p[:, r].max(axis=1) == 1.0
        assert at_vertex[t] and not at_vertex[:t].any()
        assert (p[t:, r, run.collapse_token[r]] == 1.0).all(), "a collapsed run left its vertex"
    # the recorded metrics agree with the trajectory, also after runs were retired
    np.testing.assert_allclose(run.sigma, np.einsum("grs,grs->gr", p, p), atol=1e-12)
    np.testing.assert_allclose(run.deviation, np.abs(p - p[1]).sum(axis=-1), atol=1e-12)
    np.testing.assert_allclose(run.sup_norm, p.max(axis=-1), atol=1e-12)


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=lambda s: s.name)
def test_support_never_grows_and_rows_stay_distributions(scheme: Scheme) -> None:
    initial = np.array([[0.5, 0.5, 0.0, 0.0], [0.2, 0.0, 0.8, 0.0]])
    run = simulate(scheme, initial, np.random.default_rng(0), generations=30,
                   record_distributions=True)
    p = run.trajectory
    assert p is not None
    assert (p[:, initial == 0] == 0).all()
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, atol=1e-12)


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=lambda s: s.name)
def test_equal_seeds_give_bit_identical_arrays(scheme: Scheme) -> None:
    p = random_simplex(20, 5, np.random.default_rng(1))
    a = simulate(scheme, p, np.random.default_rng(11), generations=25)
    b = simulate(scheme, p, np.random.default_rng(11), generations=25)
    c = simulate(scheme, p, np.random.default_rng(12), generations=25)
    for name in ("sigma", "deviation", "sup_norm", "collapse_time"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes()
    assert not np.array_equal(a.sigma, c.sigma)


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=lambda s: s.name)
def test_first_step_matches_the_training_set_moment(scheme: Scheme) -> None:
    # E||p^(1)||² = S0 + (1 - S0)/size for the empirical distribution of `size` fresh samples.
    p = np.array([0.5, 0.3, 0.2])
    size = int(scheme.counts(1, np.random.default_rng(0)).sum())
    runs = 20000
    run = simulate(scheme, np.tile(p, (runs, 1)), np.random.default_rng(5), generations=1)
    expected = p @ p + (1 - p @ p) / size
    se = run.sigma[1].std(ddof=1) / np.sqrt(runs)
    assert abs(run.sigma[1].mean() - expected) < 3 * se


def test_cap_without_collapse_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="had not collapsed after max_generations=3"):
        _run(n=1000, max_generations=3)


def test_fixed_generation_count_records_alive_runs() -> None:
    rng = np.random.default_rng(0)
    run = simulate(FullySynthetic(1000), random_simplex(5, 3, rng), rng, generations=3)
    assert run.generations == 3 and (run.collapse_time == NOT_COLLAPSED).all()
    with pytest.raises(ValueError, match="not every run is absorbed"):
        run.padded("sigma", 10)


def test_non_absorbing_scheme_needs_a_generation_count() -> None:
    with pytest.raises(ValueError, match="generations is required for Partially Synthetic"):
        simulate(PartiallySynthetic(5, 5), [[0.5, 0.5]], np.random.default_rng(0))


def test_multivariate_hypergeometric_is_a_subsample() -> None:
    rng = np.random.default_rng(0)
    counts = np.array([[5, 0, 3, 2], [1, 1, 1, 1]] * 5000)
    draws = multivariate_hypergeometric(counts, 4, rng)
    assert (draws <= counts).all() and (draws.sum(axis=1) == 4).all()
    mean = draws[::2].mean(axis=0)  # E = size · c_j / total
    np.testing.assert_allclose(mean, 4 * np.array([5, 0, 3, 2]) / 10, atol=0.05)
    with pytest.raises(ValueError, match="size must not exceed"):
        multivariate_hypergeometric(counts, 5, rng)


def test_sum_of_squares_and_support() -> None:
    p = np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])
    np.testing.assert_allclose(sum_of_squares(p), [0.5, 1.0])
    np.testing.assert_array_equal(support_size(p), [2, 1])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_generations": 0}, "max_generations must be an integer >= 1"),
        ({"generations": 0}, "generations must be an integer >= 1"),
        ({"initial": [[0.5, 0.6]]}, "initial must sum to 1"),
        ({"initial": [[1.2, -0.2]]}, "initial must have finite, non-negative entries"),
    ],
)
def test_bad_parameters_name_the_parameter(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"initial": [[0.5, 0.5]]}
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=message):
        simulate(FullySynthetic(5), args.pop("initial"),  # type: ignore[arg-type]
                 np.random.default_rng(0), **args)  # type: ignore[arg-type]


def test_collapse_times_fast_path_has_the_law_of_simulate() -> None:
    from collapse.statistical import collapse_times

    p = np.array([0.5, 0.3, 0.15, 0.05, 0.0])
    runs = 20000
    fast_t, fast_tok = collapse_times(np.tile(p, (runs, 1)), 8, np.random.default_rng(1))
    slow = simulate(FullySynthetic(8), np.tile(p, (runs, 1)), np.random.default_rng(2))
    se = np.hypot(fast_t.std(ddof=1), slow.collapse_time.std(ddof=1)) / np.sqrt(runs)
    assert abs(fast_t.mean() - slow.collapse_time.mean()) < 3 * se
    freq = np.bincount(fast_tok, minlength=5) / runs  # Proposition 1, token identities kept
    assert (np.abs(freq - p) < 3 * np.sqrt(p * (1 - p) / runs) + 1e-12).all()


def test_collapse_times_accepts_one_sample_size_per_row() -> None:
    from collapse.statistical import collapse_times

    p = np.tile([0.5, 0.5], (4, 1))
    times, tokens = collapse_times(p, np.array([1, 1, 50, 50]), np.random.default_rng(0))
    assert times[:2].tolist() == [1, 1]  # n = 1 collapses at once
    assert (times[2:] >= 1).all() and set(tokens.tolist()) <= {0, 1}
    with pytest.raises(ValueError, match="n must be an integer >= 1 for every row"):
        collapse_times(p, 0, np.random.default_rng(0))
