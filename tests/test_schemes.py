"""Recursion schemes: the counts n_t^(m) of eq. (5) and parameter validation."""

from __future__ import annotations

import numpy as np
import pytest

from collapse.schemes import (
    Accumulate,
    AccumulateSubsample,
    FullySynthetic,
    MostRecent,
    PartiallySynthetic,
    RandomlySampled,
    make_scheme,
)


def test_counts_follow_the_papers_definitions() -> None:
    assert FullySynthetic(10).counts(4).tolist() == [0, 0, 0, 10]
    assert PartiallySynthetic(10, 100).counts(1).tolist() == [100]
    assert PartiallySynthetic(10, 100).counts(3).tolist() == [100, 0, 10]
    assert MostRecent(10, 3).counts(2).tolist() == [3, 3]
    assert MostRecent(10, 3).counts(6).tolist() == [0, 0, 0, 3, 3, 3]
    assert MostRecent(10, 1).counts(3).tolist() == FullySynthetic(10).counts(3).tolist()
    assert Accumulate(5, 20).counts(3).tolist() == [20, 5, 5]
    rng = np.random.default_rng(0)
    assert RandomlySampled(10).counts(4, rng).sum() == 10
    sub = AccumulateSubsample(100, 0.5)
    assert sub.corpus_sizes(3).tolist() == [100, 50, 50]
    draw = sub.counts(3, rng)
    assert draw.sum() == 100 and (draw <= sub.corpus_sizes(3)).all()


def test_accumulate_subsample_shares_are_wangs_figure_1() -> None:
    # k = 1: generation m holds D0 and each S_j with share 1/m (Wang et al. Figure 1, right).
    for m in range(1, 5):
        np.testing.assert_allclose(AccumulateSubsample(1000, 1.0).shares(m), np.full(m, 1 / m))
    # general k: D0 share 1/(1+(m-1)k)
    shares = AccumulateSubsample(1000, 0.1).shares(11)
    assert shares[0] == pytest.approx(1 / (1 + 10 * 0.1))
    assert FullySynthetic(5).shares(4).tolist() == [0, 0, 0, 1]


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: FullySynthetic(0), r"n must be an integer in \[1, 1000000000000\], got 0"),
        (lambda: PartiallySynthetic(10, 0), r"N must be an integer in \[1, 1000000000000\], got 0"),
        (lambda: PartiallySynthetic(10, -3), r"N must be an integer in \[1, \d+\], got -3"),
        (lambda: MostRecent(10, 0), r"K must be an integer in \[1, 10\], got 0"),
        (lambda: MostRecent(10, 11), r"K must be an integer in \[1, 10\], got 11"),
        (lambda: AccumulateSubsample(100, 0.0), r"k must be a real number > 0.0, got 0.0"),
        (lambda: AccumulateSubsample(100, 0.001), "k·N must be at least 1 sample"),
        (lambda: RandomlySampled(2.5), "n must be an integer in"),  # type: ignore[arg-type]
        (lambda: make_scheme("replace-all", n=3), "scheme must be one of"),
    ],
)
def test_invalid_parameters_are_named(factory, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises((ValueError, TypeError), match=message):
        factory()


def test_random_schemes_need_a_generator() -> None:
    with pytest.raises(ValueError, match="rng is required"):
        RandomlySampled(5).counts(3)
