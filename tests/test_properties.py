"""Property-based tests (hypothesis) of the recursion's invariants, for random schemes, sizes,
initial distributions and seeds.

* every p^(m) is a probability vector;
* a token outside the support of p^(0) never appears, under any scheme;
* under Fully Synthetic the support never grows, and a collapsed run stays on its vertex;
* T is the first generation at a vertex, and the collapse token is that vertex;
* equal seeds give identical arrays.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from collapse import schemes
from collapse.statistical import NOT_COLLAPSED, Simulation, simulate

SIZES = st.integers(min_value=1, max_value=40)


@st.composite
def any_scheme(draw: st.DrawFn) -> schemes.Scheme:
    kind = draw(st.sampled_from(sorted(schemes.SCHEMES)))
    n, big_n = draw(SIZES), draw(SIZES)
    if kind == "fully":
        return schemes.FullySynthetic(n)
    if kind == "partially":
        return schemes.PartiallySynthetic(n, big_n)
    if kind == "most-recent":
        return schemes.MostRecent(n, draw(st.integers(min_value=1, max_value=n)))
    if kind == "randomly-sampled":
        return schemes.RandomlySampled(n)
    if kind == "accumulate-subsample":
        k = draw(st.sampled_from([0.25, 0.5, 1.0, 2.0]))
        return schemes.AccumulateSubsample(max(big_n, 4), k)
    return schemes.Accumulate(n, big_n)


@st.composite
def initial(draw: st.DrawFn) -> np.ndarray:
    """(runs, s) probability vectors, some with zero entries (tokens outside the support)."""
    runs = draw(st.integers(min_value=1, max_value=4))
    s = draw(st.integers(min_value=2, max_value=7))
    weights = draw(st.lists(st.lists(st.sampled_from([0.0, 0.5, 1.0, 3.0, 10.0]),
                                     min_size=s, max_size=s), min_size=runs, max_size=runs))
    p = np.array(weights, dtype=np.float64)
    p[p.sum(axis=1) == 0, 0] = 1.0  # at least one token per run
    return p / p.sum(axis=1, keepdims=True)


SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
GENERATIONS = st.integers(min_value=1, max_value=12)


def _run(scheme: schemes.Scheme, p0: np.ndarray, seed: int, generations: int) -> Simulation:
    return simulate(scheme, p0, np.random.default_rng(seed), generations=generations,
                    record_distributions=True)


@settings(max_examples=150, deadline=None)
@given(any_scheme(), initial(), SEEDS, GENERATIONS)
def test_every_generation_is_a_distribution_on_the_initial_support(scheme, p0, seed, gens):  # type: ignore[no-untyped-def]
    traj = _run(scheme, p0, seed, gens).trajectory
    assert traj is not None and traj.shape == (gens + 1, *p0.shape)
    assert (traj >= 0).all()
    np.testing.assert_allclose(traj.sum(axis=2), 1.0, atol=1e-12)
    outside = p0 == 0
    assert (traj[:, outside] == 0).all()


@settings(max_examples=150, deadline=None)
@given(SIZES, initial(), SEEDS, GENERATIONS)
def test_fully_synthetic_support_never_grows_and_collapse_is_final(n, p0, seed, gens):  # type: ignore[no-untyped-def]
    sim = _run(schemes.FullySynthetic(n), p0, seed, gens)
    traj = sim.trajectory
    assert traj is not None
    alive = traj > 0
    assert not (alive[1:] & ~alive[:-1]).any()  # a token once lost never returns
    assert (np.diff(sim.support, axis=0) <= 0).all()
    at_vertex = traj.max(axis=2) == 1.0
    for run in range(p0.shape[0]):
        hits = np.flatnonzero(at_vertex[1:, run]) + 1
        if hits.size == 0:
            assert sim.collapse_time[run] == NOT_COLLAPSED
            continue
        first = int(hits[0])
        if p0[run].max() < 1.0:
            assert sim.collapse_time[run] == first
            assert sim.collapse_token[run] == traj[first, run].argmax()
        assert at_vertex[first:, run].all()  # collapsed runs stay collapsed …
        assert (traj[first:, run] == traj[first, run]).all()  # … on the same token


@settings(max_examples=60, deadline=None)
@given(any_scheme(), initial(), SEEDS, GENERATIONS)
def test_equal_seeds_give_identical_arrays(scheme, p0, seed, gens):  # type: ignore[no-untyped-def]
    a, b = _run(scheme, p0, seed, gens), _run(scheme, p0, seed, gens)
    for field in ("sigma", "deviation", "sup_norm", "support", "collapse_time",
                  "collapse_token", "trajectory"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)


@settings(max_examples=100, deadline=None)
@given(any_scheme(), st.integers(min_value=1, max_value=30), SEEDS)
def test_scheme_counts_are_nonnegative_and_shares_sum_to_one(scheme, m, seed):  # type: ignore[no-untyped-def]
    counts = scheme.counts(m, np.random.default_rng(seed))
    assert counts.shape == (m,) and (counts >= 0).all() and counts.sum() > 0
    np.testing.assert_allclose(scheme.shares(m).sum(), 1.0, atol=1e-12)
