"""The Fully Synthetic recursion: distributions, absorption, determinism, validation."""

from __future__ import annotations

import numpy as np
import pytest

from collapse.distributions import random_simplex, sum_of_squares, support_size
from collapse.statistical import NOT_COLLAPSED, simulate_fully_synthetic


def _run(seed: int = 3, n: int = 20, chains: int = 50, s: int = 4, **kwargs: object):
    rng = np.random.default_rng(seed)
    initial = random_simplex(chains, s, rng)
    return simulate_fully_synthetic(initial, n, rng, **kwargs)


def test_every_generation_is_a_distribution_on_the_grid() -> None:
    run = _run()
    p = run.distributions()
    assert p.shape == (run.generations + 1, 50, 4)
    assert (p >= 0).all()
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    assert (run.counts.sum(axis=-1) == run.n).all()  # n samples per generation, eq. (5)


def test_collapse_time_is_the_first_vertex_and_vertices_absorb() -> None:
    run = _run()
    counts = run.counts
    assert (run.collapse_time != NOT_COLLAPSED).all()  # stopped because all collapsed
    for chain in range(counts.shape[1]):
        t = run.collapse_time[chain]
        at_vertex = counts[:, chain].max(axis=1) == run.n
        assert at_vertex[t - 1] and not at_vertex[: t - 1].any()
        assert at_vertex[t - 1:].all(), "a collapsed chain left its vertex"
        assert (counts[t - 1:, chain, run.collapse_token[chain]] == run.n).all()


def test_support_never_grows() -> None:
    rng = np.random.default_rng(0)
    initial = np.array([[0.5, 0.5, 0.0], [0.2, 0.0, 0.8]])
    run = simulate_fully_synthetic(initial, 7, rng)
    zero = initial == 0
    assert (run.counts[:, zero] == 0).all()


def test_equal_seeds_give_bit_identical_arrays_and_different_seeds_do_not() -> None:
    a, b, c = _run(seed=11), _run(seed=11), _run(seed=12)
    assert np.array_equal(a.counts, b.counts)
    assert np.array_equal(a.collapse_time, b.collapse_time)
    assert a.distributions().tobytes() == b.distributions().tobytes()
    assert not (a.counts.shape == c.counts.shape and np.array_equal(a.counts, c.counts))


def test_cap_leaves_chains_marked_alive() -> None:
    run = _run(n=1000, max_generations=3)
    assert run.generations == 3
    assert (run.collapse_time == NOT_COLLAPSED).all()
    with pytest.raises(ValueError, match="some chains had not collapsed"):
        run.distributions(10)


def test_padding_after_collapse_repeats_the_vertex() -> None:
    run = _run(n=3)
    padded = run.distributions(run.generations + 5)
    assert np.array_equal(padded[-1], padded[run.generations])


def test_sum_of_squares_and_support() -> None:
    p = np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])
    np.testing.assert_allclose(sum_of_squares(p), [0.5, 1.0])
    np.testing.assert_array_equal(support_size(p), [2, 1])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 0}, "n must be an integer >= 1, got 0"),
        ({"n": 2.5}, "n must be an integer >= 1"),
        ({"max_generations": 0}, "max_generations must be an integer >= 1"),
        ({"initial": [[0.5, 0.6]]}, "initial must sum to 1"),
        ({"initial": [[1.2, -0.2]]}, "initial must have finite, non-negative entries"),
        ({"initial": [0.5, 0.5]}, "initial must be a 2-d array"),
    ],
)
def test_bad_parameters_name_the_parameter(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"initial": [[0.5, 0.5]], "n": 5}
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=message.replace("(", r"\(")):
        simulate_fully_synthetic(args.pop("initial"), args.pop("n"),  # type: ignore[arg-type]
                                 np.random.default_rng(0), **args)  # type: ignore[arg-type]
