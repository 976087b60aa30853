"""Theorem 1 of Seddik et al. (2024), Fully Synthetic setting, as plain numerics.

Notation: n samples per generation, S0 = ‖p‖₂² of the ground truth, s̃ = |supp(p)|,
ρ_m = P(‖p^(m)‖∞ = 1), T = the generation of total collapse.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from collapse.validation import check_int


def _s0_array(s0: ArrayLike) -> NDArray[np.float64]:
    arr = np.asarray(s0, dtype=np.float64)
    if not np.isfinite(arr).all() or (arr <= 0).any() or (arr > 1).any():
        raise ValueError("s0 must lie in (0, 1] (S0 = Σ p_i² of a probability vector)")
    return arr


def _support_array(support_size: ArrayLike) -> NDArray[np.float64]:
    arr = np.asarray(support_size, dtype=np.float64)
    if not np.isfinite(arr).all() or (arr < 2).any() or (arr != np.round(arr)).any():
        raise ValueError("support_size must be an integer >= 2 (s̃ = |supp(p)|)")
    return arr


def expected_sigma(m: ArrayLike, n: int, s0: ArrayLike) -> NDArray[np.float64]:
    """S_m = E‖p^(m)‖₂² = 1 − (1 − 1/n)^m (1 − S0), Seddik et al. eq. (6)."""
    n = check_int("n", n, low=1)
    return 1.0 - (1.0 - 1.0 / n) ** np.asarray(m, dtype=np.float64) * (1.0 - _s0_array(s0))


def collapse_probability_bounds(
    m: ArrayLike, n: int, s0: ArrayLike, support_size: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Bounds on ρ_m = P(total collapse by generation m), Seddik et al. eq. (7).

    1 − n(1 − S0)(1 − 1/n)^m ≤ ρ_m ≤ 1 − (1 − S0)/(1 − 1/s̃) · (1 − 1/n)^m.
    """
    n = check_int("n", n, low=2)
    decay = (1.0 - 1.0 / n) ** np.asarray(m, dtype=np.float64)
    spread = 1.0 - _s0_array(s0)
    lower = 1.0 - n * spread * decay
    upper = 1.0 - spread / (1.0 - 1.0 / _support_array(support_size)) * decay
    return lower, upper


def collapse_time_bounds(
    n: int, s0: ArrayLike, support_size: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Bounds on the expected total-collapse time E[T], Seddik et al. eq. (8).

    1 + (1 − S0)/(1 − 1/s̃) · (n − 1) ≤ E[T] ≤ 1 + (1 − S0) n (n − 1).
    Both sides are linear in S0, so the bounds of a mean over chains are the mean of the bounds.
    """
    n = check_int("n", n, low=1)
    spread = 1.0 - _s0_array(s0)
    lower = 1.0 + spread / (1.0 - 1.0 / _support_array(support_size)) * (n - 1)
    upper = 1.0 + spread * n * (n - 1)
    return lower, upper
