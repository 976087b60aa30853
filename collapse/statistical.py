"""The statistical next-token model of Seddik et al. (2024), simulated exactly and vectorised.

For one fixed context the model is a categorical distribution p^(m) over s tokens. In the
Fully Synthetic setting (section 2.2, eq. 5 with n_t^(m) = n·1{t = m-1}) generation m is the
empirical distribution of n tokens drawn from generation m-1:

    n·p^(m) ~ Multinomial(n, p^(m-1)),        p^(0) = p.

Every chain (a context, or an independent run) is a row of a (chains, s) array; one call to
``Generator.multinomial`` advances all rows at once, so there is no Python loop over chains.
A chain has *totally collapsed* (Definition 1) once ‖p^(m)‖∞ = 1; vertices are absorbing,
so T = min{m ≥ 1 : ‖p^(m)‖∞ = 1} is well defined and the run can stop once every chain has
collapsed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from collapse.validation import check_distribution, check_int

NOT_COLLAPSED = -1
"""Value of ``collapse_time`` and ``collapse_token`` for a chain still alive at the cap."""


@dataclass(frozen=True)
class FullySyntheticRun:
    """What one Fully Synthetic simulation produced.

    Attributes:
        n: samples per generation.
        initial: (chains, s) the ground truth p^(0) of every chain.
        counts: (generations, chains, s) integer counts n·p^(m) for m = 1..generations
            (row m-1 holds generation m); int32, so the trajectory of 81 chains over
            10^4 generations at s = 3 is about 10 MB.
        collapse_time: (chains,) T, the first generation with ‖p^(m)‖∞ = 1, or
            ``NOT_COLLAPSED`` when the chain was still alive at ``generations``.
        collapse_token: (chains,) the token i with p^(T) = δ_i, or ``NOT_COLLAPSED``.
    """

    n: int
    initial: NDArray[np.float64]
    counts: NDArray[np.int32]
    collapse_time: NDArray[np.int64]
    collapse_token: NDArray[np.int64]

    @property
    def generations(self) -> int:
        """Number of generations simulated (the last m for which p^(m) exists)."""
        return int(self.counts.shape[0])

    def distributions(self, generations: int | None = None) -> NDArray[np.float64]:
        """(generations + 1, chains, s): p^(0), p^(1), ..., p^(generations).

        Asking for more generations than were simulated is allowed once every chain has
        collapsed: vertices are absorbing, so later generations repeat the last one.
        """
        p = np.concatenate([self.initial[None], self.counts / self.n], axis=0)
        if generations is None or generations <= self.generations:
            return p if generations is None else p[: generations + 1]
        if (self.collapse_time == NOT_COLLAPSED).any():
            raise ValueError(
                f"generations={generations} exceeds the {self.generations} simulated and some "
                "chains had not collapsed; simulate longer"
            )
        pad = np.repeat(p[-1:], generations - self.generations, axis=0)
        return np.concatenate([p, pad], axis=0)

    def sigma(self, generations: int | None = None) -> NDArray[np.float64]:
        """(generations + 1, chains): σ_m = ‖p^(m)‖₂², whose mean over chains estimates S_m."""
        p = self.distributions(generations)
        return np.einsum("gcs,gcs->gc", p, p)


def simulate_fully_synthetic(
    initial: NDArray[np.float64],
    n: int,
    rng: np.random.Generator,
    *,
    max_generations: int = 1_000_000,
    stop_when_collapsed: bool = True,
    progress: bool | None = False,
) -> FullySyntheticRun:
    """Run the Fully Synthetic recursion (Seddik et al. eq. 5) for every row of ``initial``.

    Args:
        initial: (chains, s) array of probability vectors p^(0), one per chain.
        n: samples drawn per generation (n ≥ 1).
        rng: the only source of randomness; equal seeds give bit-identical results.
        max_generations: hard cap on the number of generations (≥ 1).
        stop_when_collapsed: stop as soon as every chain has collapsed to a vertex.
        progress: show a tqdm bar (None: only on a terminal).

    Returns:
        A :class:`FullySyntheticRun` with the whole trajectory and T per chain.
    """
    p0 = check_distribution("initial", initial, ndim=2)
    n = check_int("n", n, low=1)
    max_generations = check_int("max_generations", max_generations, low=1)

    chains = p0.shape[0]
    # Grow the trajectory buffer geometrically: the run length is random and unknown up front.
    capacity = min(max_generations, 1024)
    counts = np.empty((capacity, chains, p0.shape[1]), dtype=np.int32)
    collapse_time = np.full(chains, NOT_COLLAPSED, dtype=np.int64)
    collapse_token = np.full(chains, NOT_COLLAPSED, dtype=np.int64)

    p = p0
    generation = 0
    bar = tqdm(total=max_generations, desc=f"Fully Synthetic n={n}", unit="gen",
               disable=(None if progress is None else not progress), leave=False)
    with bar:
        while generation < max_generations:
            generation += 1
            drawn = rng.multinomial(n, p)
            if generation > capacity:
                capacity = min(max_generations, 2 * capacity)
                grown = np.empty((capacity, *counts.shape[1:]), dtype=np.int32)
                grown[: generation - 1] = counts[: generation - 1]
                counts = grown
            counts[generation - 1] = drawn
            p = drawn / n

            newly = (collapse_time == NOT_COLLAPSED) & (drawn.max(axis=1) == n)
            collapse_time[newly] = generation
            collapse_token[newly] = drawn[newly].argmax(axis=1)
            bar.update(1)
            if stop_when_collapsed and not (collapse_time == NOT_COLLAPSED).any():
                break

    return FullySyntheticRun(
        n=n,
        initial=p0,
        counts=counts[:generation].copy(),
        collapse_time=collapse_time,
        collapse_token=collapse_token,
    )
