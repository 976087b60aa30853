"""Exact results for the Fully Synthetic chain on count vectors (small s and n).

Given p^(m−1) = x/n, the counts of generation m are Multinomial(n, x/n): a Markov chain on the
C(n+s−1, s−1) count vectors x with Σx = n, absorbed at the s vertices n·δ_i. From the transition
matrix P we get, with no sampling error: the law of the total-collapse time T (P(T ≤ m) is the
mass on absorbing states after m steps), E[T] from the fundamental matrix (I − Q)^{-1}, S_m and
ρ_m of Theorem 1, and the absorption probabilities of Proposition 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaln

from collapse.validation import check_distribution, check_int

MAX_STATES = 20_000
"""Refuse chains larger than this (the dense transition matrix would need > 3 GB)."""


def count_states(n: int, s: int) -> NDArray[np.int64]:
    """All count vectors of length s summing to n, as rows (stars and bars), lexicographic."""
    n = check_int("n", n, low=1)
    s = check_int("s", s, low=2)
    rows = []
    for bars in combinations(range(n + s - 1), s - 1):
        edges = np.array((-1, *bars, n + s - 1))
        rows.append(np.diff(edges) - 1)
    return np.array(rows, dtype=np.int64)


def multinomial_pmf(states: NDArray[np.int64], q: NDArray[np.float64]) -> NDArray[np.float64]:
    """pmf[a, b] = P(Multinomial(n, q[a]) = states[b]) for every row a of q (0·log 0 = 0)."""
    n = int(states[0].sum())
    log_coef = gammaln(n + 1) - gammaln(states + 1).sum(axis=1)  # (S,)
    safe_log_q = np.log(np.where(q > 0, q, 1.0))  # (A, s); q_j = 0 handled below
    log_pmf = log_coef[None, :] + safe_log_q @ states.T  # Σ_j x_j log q_j, (A, S)
    impossible = (q == 0).astype(np.int64) @ (states > 0).T.astype(np.int64) > 0
    return np.where(impossible, 0.0, np.exp(log_pmf))


@dataclass(frozen=True)
class ExactChain:
    """The exact Fully Synthetic chain started from p^(0) = ``p``.

    Attributes:
        p: (s,) initial distribution; n: samples per generation.
        states: (S, s) count vectors; absorbing: (S,) bool mask of the vertices.
        first: (S,) law of n·p^(1).
        transition: (S, S) row-stochastic matrix.
    """

    p: NDArray[np.float64]
    n: int
    states: NDArray[np.int64]
    absorbing: NDArray[np.bool_]
    first: NDArray[np.float64]
    transition: NDArray[np.float64]

    def state_laws(self, generations: int) -> NDArray[np.float64]:
        """(generations, S): the law of n·p^(m) for m = 1..generations."""
        laws = np.empty((generations, self.states.shape[0]))
        law = self.first
        for m in range(generations):
            laws[m] = law
            law = law @ self.transition
        return laws

    def collapse_cdf(self, generations: int) -> NDArray[np.float64]:
        """ρ_m = P(T ≤ m) for m = 0..generations (ρ_0 = 0 since T ≥ 1)."""
        laws = self.state_laws(generations)
        return np.concatenate([[0.0], laws[:, self.absorbing].sum(axis=1)])

    def expected_sigma(self, generations: int) -> NDArray[np.float64]:
        """S_m = E‖p^(m)‖₂² for m = 0..generations, computed on the chain (compare eq. 6)."""
        sq = (self.states / self.n) ** 2
        return np.concatenate([[float(self.p @ self.p)],
                               self.state_laws(generations) @ sq.sum(axis=1)])

    def expected_collapse_time(self) -> float:
        """E[T] = 1 + π_1,transient · (I − Q)^{-1} · 1 (fundamental matrix)."""
        t = ~self.absorbing
        q = self.transition[np.ix_(t, t)]
        steps = np.linalg.solve(np.eye(q.shape[0]) - q, np.ones(q.shape[0]))
        return float(1.0 + self.first[t] @ steps)

    def absorption_probabilities(self) -> NDArray[np.float64]:
        """(s,) P(lim p^(m) = δ_i) (Proposition 1 says: = p_i)."""
        t, a = ~self.absorbing, self.absorbing
        q = self.transition[np.ix_(t, t)]
        r = self.transition[np.ix_(t, a)]
        into = self.first[a] + self.first[t] @ np.linalg.solve(np.eye(q.shape[0]) - q, r)
        vertex_token = self.states[a].argmax(axis=1)
        out = np.zeros(self.p.size)
        out[vertex_token] = into
        return out


def check_chain_size(n: int, s: int) -> int:
    """The number of states C(n+s−1, s−1), computed exactly; refused over :data:`MAX_STATES`
    before anything is enumerated."""
    n_states = math.comb(n + s - 1, s - 1)  # exact: numpy products overflow int64 silently
    if n_states > MAX_STATES:
        raise ValueError(
            f"n = {n}, s = {s} gives {n_states:,} states; the exact chain supports at most "
            f"{MAX_STATES:,} (reduce n or s)"
        )
    return n_states


def exact_chain(p: NDArray[np.float64], n: int) -> ExactChain:
    """Build the exact chain for initial distribution ``p`` and ``n`` samples per generation."""
    p = check_distribution("p", p, ndim=1)
    n = check_int("n", n, low=1)
    s = p.size
    check_chain_size(n, s)
    states = count_states(n, s)
    transition = multinomial_pmf(states, states / n)
    return ExactChain(
        p=p, n=n, states=states, absorbing=states.max(axis=1) == n,
        first=multinomial_pmf(states, p[None, :])[0], transition=transition,
    )
