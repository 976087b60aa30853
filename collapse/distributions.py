"""Initial distributions p^(0) and the summary numbers the theorems depend on."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from collapse.validation import check_distribution, check_float, check_generator, check_int


def random_simplex(
    count: int, vocab_size: int, rng: np.random.Generator, *, concentration: float = 1.0
) -> NDArray[np.float64]:
    """``count`` independent draws of p^(0) from a symmetric Dirichlet(concentration) on s tokens.

    concentration = 1 is the uniform distribution on the simplex, our reading of Seddik et al.'s
    "some random distribution over tokens" (Figure 1); smaller values favour sparse p^(0).
    """
    count = check_int("count", count, low=1)
    vocab_size = check_int("vocab_size", vocab_size, low=2)
    concentration = check_float("concentration", concentration, low=0.0, low_open=True)
    check_generator("rng", rng)
    return rng.dirichlet(np.full(vocab_size, concentration), size=count)


def sum_of_squares(p: ArrayLike) -> NDArray[np.float64]:
    """S0 = Σ_i p_i² along the last axis (σ_0 in Seddik et al.'s notation)."""
    arr = np.asarray(p, dtype=np.float64)
    check_distribution("p", arr, ndim=arr.ndim)
    return np.einsum("...s,...s->...", arr, arr)


def support_size(p: ArrayLike) -> NDArray[np.int64]:
    """s̃ = |{i : p_i > 0}| along the last axis."""
    arr = np.asarray(p, dtype=np.float64)
    check_distribution("p", arr, ndim=arr.ndim)
    return np.count_nonzero(arr > 0, axis=-1).astype(np.int64)


def power_law(vocab_size: int, support: int, s0: float) -> NDArray[np.float64]:
    """The deterministic initial distribution used for Seddik et al. Figures 2–4 and 6.

    p_i ∝ i^(−a) on the first ``support`` tokens (s̃) and 0 on the others, with the exponent
    a ≥ 0 solved (bisection on a monotone function) so that S0 = Σ p_i² equals ``s0`` exactly
    (to 1e-13). S0 ranges from 1/s̃ (a = 0, uniform on the support) towards 1 (a → ∞).

    Args:
        vocab_size: s, the number of tokens (paper: 600).
        support: s̃, the number of tokens with p_i > 0 (2 ≤ s̃ ≤ s; paper: 52).
        s0: target Σ p_i², in [1/s̃, 1) (paper: 0.1).
    """
    from scipy.optimize import brentq

    vocab_size = check_int("vocab_size", vocab_size, low=2)
    support = check_int("support", support, low=2, high=vocab_size)
    try:
        s0 = check_float("s0", s0, low=1.0 / support, high=1.0 - 1e-9)
    except ValueError:  # the same check, with the bound that depends on support spelled out
        raise ValueError(f"s0 must be a real number in [1/support = {1 / support:.4g}, 1) for "
                         f"support = {support}, got {s0}") from None
    ranks = np.arange(1, support + 1, dtype=np.float64)

    def profile(a: float) -> NDArray[np.float64]:
        w = ranks ** (-a)
        return w / w.sum()

    def gap(a: float) -> float:
        q = profile(a)
        return float(q @ q) - s0

    if gap(0.0) >= 0:  # s0 == 1/s̃ up to rounding: uniform on the support
        exponent = 0.0
    else:
        high = 1.0
        while gap(high) < 0:
            high *= 2.0
        exponent = brentq(gap, 0.0, high, xtol=1e-15, rtol=1e-15, maxiter=500)
    p = np.zeros(vocab_size)
    p[:support] = profile(exponent)
    return p


def multivariate_hypergeometric(
    counts: NDArray[np.int64], size: int | NDArray[np.int64], rng: np.random.Generator
) -> NDArray[np.int64]:
    """Per row, the counts of a uniform subsample of ``size`` items without replacement.

    Vectorised over rows: one ``Generator.hypergeometric`` call per token column (the
    conditional decomposition), instead of one ``multivariate_hypergeometric`` call per row.
    """
    counts = np.asarray(counts, dtype=np.int64)
    remaining_items = counts.sum(axis=1)
    remaining_draws = np.broadcast_to(np.asarray(size, dtype=np.int64), remaining_items.shape)
    if (remaining_draws > remaining_items).any():
        raise ValueError("size must not exceed the number of items in a row")
    remaining_draws = remaining_draws.copy()
    out = np.zeros_like(counts)
    for j in range(counts.shape[1] - 1):
        good = counts[:, j]
        taken = rng.hypergeometric(good, remaining_items - good, remaining_draws)
        out[:, j] = taken
        remaining_items -= good
        remaining_draws -= taken
    out[:, -1] = remaining_draws
    return out
