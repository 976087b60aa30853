"""Initial distributions p^(0) and the summary numbers the theorems depend on."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from collapse.validation import check_distribution, check_float, check_int


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
