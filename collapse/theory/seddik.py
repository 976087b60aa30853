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


def _generation_array(m: ArrayLike) -> NDArray[np.float64]:
    """Generation indices m: integers >= 0 (as floats, for the powers)."""
    arr = np.asarray(m)
    if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.integer)
                                     or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"m must be an integer generation index or an array of them, got "
                        f"{arr.dtype}")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all() or (arr < 0).any() or (arr != np.round(arr)).any():
        raise ValueError("m must hold integer generation indices >= 0")
    return arr


def expected_sigma(m: ArrayLike, n: int, s0: ArrayLike) -> NDArray[np.float64]:
    """S_m = E‖p^(m)‖₂² = 1 − (1 − 1/n)^m (1 − S0), Seddik et al. eq. (6)."""
    n = check_int("n", n, low=1)
    return 1.0 - (1.0 - 1.0 / n) ** _generation_array(m) * (1.0 - _s0_array(s0))


def collapse_probability_bounds(
    m: ArrayLike, n: int, s0: ArrayLike, support_size: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Bounds on ρ_m = P(total collapse by generation m), Seddik et al. eq. (7).

    1 − n(1 − S0)(1 − 1/n)^m ≤ ρ_m ≤ 1 − (1 − S0)/(1 − 1/s̃) · (1 − 1/n)^m.
    """
    n = check_int("n", n, low=2)
    decay = (1.0 - 1.0 / n) ** _generation_array(m)
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


# --- Theorem 2: Partially Synthetic, S_m -------------------------------------------------------


def _alpha_beta(n: int, N: int) -> tuple[float, float]:
    """α = n/(N+n) and β = α[(1 + 1/N)α − 1/N] of Theorem 2."""
    alpha = n / (N + n)
    return alpha, alpha * ((1 + 1 / N) * alpha - 1 / N)


def partially_synthetic_sigma_printed(m: ArrayLike, n: int, N: int, s0: ArrayLike
                                      ) -> NDArray[np.float64]:
    """S_m from eq. (9) *exactly as printed* in Seddik et al. (defined for m ≥ 2).

    S_{m+1} = (1/N)[1 + 2α − (1 − 1/N)αβ^m] / (1 + (1 + 1/N)α)
              + (1 − 1/N)S0 / (1 + (1 + 1/N)α) · [1 + α − αβ^m/N].

    The theory page shows that this does not solve the recursion of the paper's own proof
    (eq. 15) and disagrees with Monte Carlo: see :func:`partially_synthetic_sigma`.
    """
    n = check_int("n", n, low=1)
    N = check_int("N", N, low=1)
    alpha, beta = _alpha_beta(n, N)
    s0 = _s0_array(s0)
    mm = _generation_array(m) - 1.0  # the formula is written for S_{m+1}
    denom = 1 + (1 + 1 / N) * alpha
    first = (1 / N) * (1 + 2 * alpha - (1 - 1 / N) * alpha * beta**mm) / denom
    second = (1 - 1 / N) * s0 / denom * (1 + alpha - alpha * beta**mm / N)
    return first + second


def partially_synthetic_sigma(m: ArrayLike, n: int, N: int, s0: ArrayLike) -> NDArray[np.float64]:
    """S_m = E‖p^(m)‖₂² in the Partially Synthetic setting, solved from the recursion (eq. 15).

    The per-token recursion of the proof of Theorem 2 is ν^(m) = A p_i + B p_i² + β ν^(m−1)
    with ν^(1) = p_i/N + (1 − 1/N)p_i². Summed over tokens its solution is

        S_0 = S0,   S_m = S* − β^(m−1) · α(1 − 1/N)(1 − S0) / (N(1 + (1 + 1/N)α))   (m ≥ 1),
        S*  = [(1 + 2α)/N + (1 − 1/N)(1 + α)S0] / (1 + (1 + 1/N)α).

    This is eq. (9) with the sign of the last β^m term flipped (+αβ^m/N instead of −αβ^m/N);
    both share the limit S*.
    """
    n = check_int("n", n, low=1)
    N = check_int("N", N, low=1)
    alpha, beta = _alpha_beta(n, N)
    s0 = _s0_array(s0)
    m_arr = _generation_array(m)
    denom = 1 + (1 + 1 / N) * alpha
    limit = ((1 + 2 * alpha) / N + (1 - 1 / N) * (1 + alpha) * s0) / denom
    gap = alpha * (1 - 1 / N) * (1 - s0) / (N * denom)
    values = limit - beta ** np.maximum(m_arr - 1, 0) * gap
    return np.where(m_arr == 0, s0, values)


# --- Theorem 3: deviation bound and eq. (11) ---------------------------------------------------

C0 = float(np.e**3 / (2 * np.pi))
"""C0 = e³/(2π) ≈ 3.19 (Theorem 3, Lemma 1)."""
C1 = float(6 * np.e / np.pi**1.5)
"""C1 = 6e/π^{3/2} ≈ 2.93 (Theorem 3, Lemma 1)."""


def log_g(n: int, s: int) -> float:
    """log G_n(s) of eq. (10) (logarithm, since 2^s − 2 overflows for s ≳ 1000)."""
    n = check_int("n", n, low=1)
    s = check_int("s", s, low=2)
    if C0 / np.e * n + 2 <= s:
        return float(np.log(C1 * s) + C0 * n / (2 * np.e))
    if C0 / 4 * n + 2 <= s:
        return float(np.log(C1 * s) + s / 2 * np.log(C0 * n / s))
    return float(s * np.log(2.0) + np.log1p(-(2.0 ** (1 - s))))


def deviation_bound(n: int, N: int, s: int) -> float:
    """Theorem 3: E‖p^(m) − p^(1)‖₁ < (1/N)·sqrt(πn/2)·G_n(s) for m ≥ 2 (may be inf)."""
    N = check_int("N", N, low=1)
    with np.errstate(over="ignore"):
        return float(np.exp(log_g(n, s) + 0.5 * np.log(np.pi * n / 2) - np.log(N)))


def max_synthetic_samples_eq11(s: int, N: int, epsilon: float) -> float:
    """The right-hand side of eq. (11): n ≤ 2πe^{−2} min[s − 2, log(√2 π N ε / (6 e s))]."""
    s = check_int("s", s, low=3)
    N = check_int("N", N, low=1)
    if not epsilon > 0:
        raise ValueError(f"epsilon must be > 0, got {epsilon}")
    inner = np.log(np.sqrt(2) * np.pi * N * epsilon / (6 * np.e * s))
    return float(2 * np.pi * np.exp(-2) * min(s - 2, inner))


def max_synthetic_samples(s: int, N: int, epsilon: float, n_limit: int = 100_000) -> int:
    """Largest n whose Theorem 3 bound is below ``epsilon`` (0 if even n = 1 is not).

    The bound increases with n, so this is the exact inversion that eq. (11) approximates.
    """
    if not epsilon > 0:
        raise ValueError(f"epsilon must be > 0, got {epsilon}")
    best = 0
    for n in range(1, n_limit + 1):
        if deviation_bound(n, N, s) < epsilon:
            best = n
        else:
            break
    return best


# --- Theorem 4 (Appendix B): the deviation bound with the structure of p, eq. (16) -------------


def phi(x: ArrayLike) -> NDArray[np.float64]:
    """φ(x) = log((1 − x)/x) / (1 − 2x) on (0, 1/2), φ(1/2) = 2 (Lemma 1; decreasing, ≥ 2)."""
    x = np.asarray(x, dtype=np.float64)
    if ((x <= 0) | (x > 0.5)).any():
        raise ValueError("phi is defined on (0, 1/2]")
    near = np.abs(1 - 2 * x) < 1e-6  # the removable singularity at 1/2: φ = 2 + O((1−2x)²)
    safe = np.where(near, 0.25, x)
    return np.where(near, 2.0 + (4.0 / 3.0) * (1 - 2 * x) ** 2,
                    np.log((1 - safe) / safe) / (1 - 2 * safe))


def best_split(counts: ArrayLike) -> int:
    """max over subsets A of min(c(A), c(Aᶜ)) for integer counts c: a subset sum, exact.

    The reachable sums are the set bits of one Python integer (``bits |= bits << c`` per token),
    so the cost is the number of tokens times the total count in machine words.
    """
    values = np.asarray(counts)
    if values.ndim != 1 or not np.issubdtype(values.dtype, np.integer) or (values < 0).any():
        raise ValueError("counts must be a vector of non-negative integers")
    total = int(values.sum())
    bits = 1
    for c in values[values > 0]:
        bits |= bits << int(c)
    return (bits & ((1 << (total // 2 + 1)) - 1)).bit_length() - 1


def split_products(counts: NDArray[np.int64]) -> NDArray[np.float64]:
    """Per row of integer counts: λ = max_A q(A)·q(Aᶜ) of its empirical law q (exact)."""
    counts = np.atleast_2d(counts)
    totals = counts.sum(axis=1)
    best = np.array([best_split(row) for row in counts], dtype=np.float64) / totals
    return best * (1 - best)


def theorem4_zeta(lambda1: float, n: int, N: int) -> float:
    """ζ = 1/2 − (1/2 − 2 E[λ₁])·(N/(N+n))², with E[λ₁] = E max_A p^(1)(A)p^(1)(Aᶜ)."""
    return float(0.5 - (0.5 - 2 * lambda1) * (N / (N + n)) ** 2)


def theorem4_bound(n: int, N: int, s: int, lambda1: float) -> float:
    """Eq. (16): E‖p^(k+1) − p^(1)‖₁ < (1/N)·sqrt(nπ/φ(ζ))·G_n(s) for k ≥ 1 (may be inf).

    With φ(ζ) = 2 (an even split of p^(1) is possible, λ₁ = 1/4) it is Theorem 3's bound.
    """
    N = check_int("N", N, low=1)
    zeta = theorem4_zeta(lambda1, n, N)
    with np.errstate(over="ignore"):
        return float(np.exp(log_g(n, s) + 0.5 * np.log(np.pi * n / float(phi(zeta)))
                            - np.log(N)))
