"""The statistical next-token model of Seddik et al. (2024), simulated exactly and vectorised.

For one fixed context the model is a categorical distribution p^(m) over s tokens, learned by
counting (eq. 2): p^(m) is the empirical distribution of the training set of generation m, whose
composition a :class:`~collapse.schemes.Scheme` fixes (eq. 5). In the Fully Synthetic scheme

    n·p^(m) ~ Multinomial(n, p^(m-1)),        p^(0) = p.

Every run (an independent repetition, or a context) is a row of a (runs, s) array; one call to
``Generator.multinomial`` advances all rows at once, so there is no Python loop over runs. Two
compactions keep the work proportional to what can still change: tokens outside the support of
every p^(0) are dropped (no scheme can create them), and under a scheme whose vertices are
absorbing (Fully Synthetic) runs that have totally collapsed stop being sampled.

Recorded per generation m and run: σ_m = ‖p^(m)‖₂² (whose mean is S_m), the deviation
‖p^(m) − p^(1)‖₁ and ‖p^(m)‖∞; per run, the total-collapse time T = min{m ≥ 1 : ‖p^(m)‖∞ = 1}
(Definition 1) and the token it collapsed onto.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from collapse.distributions import multivariate_hypergeometric  # noqa: F401 (re-exported)
from collapse.schemes import Scheme
from collapse.validation import (
    check_distribution,
    check_generator,
    check_int,
    progress_disabled,
)

NOT_COLLAPSED = -1
"""Value of ``collapse_time`` and ``collapse_token`` for a run that never reached a vertex."""


@dataclass(frozen=True)
class Simulation:
    """What one simulation produced; arrays are indexed [generation m, run].

    Attributes:
        scheme: the recursion scheme simulated.
        initial: (runs, s) the ground truth p^(0) of every run.
        sigma: (G+1, runs) σ_m = ‖p^(m)‖₂² for m = 0..G.
        deviation: (G+1, runs) ‖p^(m) − p^(1)‖₁ (row 0 holds ‖p^(0) − p^(1)‖₁).
        sup_norm: (G+1, runs) ‖p^(m)‖∞.
        support: (G+1, runs) |supp(p^(m))|, the number of tokens still alive.
        collapse_time: (runs,) T, or ``NOT_COLLAPSED``.
        collapse_token: (runs,) the token i with p^(T) = δ_i, or ``NOT_COLLAPSED``.
        trajectory: (G+1, runs, s) every p^(m), only if ``record_distributions`` was set.
        corpus: (G+1, runs, s) counts of the corpus C_m from which generation m was trained
            (row 0 is unused and zero), only for corpus schemes (Accumulate, Accumulate-Subsample)
            with ``record_distributions``.
    """

    scheme: Scheme
    initial: NDArray[np.float64]
    sigma: NDArray[np.float64]
    deviation: NDArray[np.float64]
    sup_norm: NDArray[np.float64]
    support: NDArray[np.int64]
    collapse_time: NDArray[np.int64]
    collapse_token: NDArray[np.int64]
    trajectory: NDArray[np.float64] | None = None
    corpus: NDArray[np.int64] | None = None

    @property
    def generations(self) -> int:
        """G, the last generation simulated."""
        return int(self.sigma.shape[0] - 1)

    @property
    def runs(self) -> int:
        return int(self.sigma.shape[1])

    def padded(self, metric: str, generations: int) -> NDArray[np.float64]:
        """``metric`` ('sigma', 'deviation', 'sup_norm' or 'support') for m = 0..generations.

        Beyond the last simulated generation the values are repeated, which is exact only when
        every run has collapsed under a scheme whose vertices are absorbing.
        """
        values: NDArray[np.float64] = getattr(self, metric)
        extra = generations - self.generations
        if extra <= 0:
            return values[: generations + 1]
        if not (self.scheme.absorbing_at_vertex and (self.collapse_time > 0).all()):
            raise ValueError(f"generations={generations} exceeds the {self.generations} "
                             "simulated, and not every run is absorbed; simulate longer")
        return np.concatenate([values, np.repeat(values[-1:], extra, axis=0)])


MAX_RECORD_BYTES = 4 * 2**30
"""What one :func:`simulate` call may keep (4 GiB): its per-generation records (four (G, runs)
float arrays, the distributions and corpora when recorded), counted twice for the final copy.
A call that would keep more is refused before it starts (fixed ``generations``) or stopped
with the same message when its records reach it (run until collapse)."""


def record_bytes(runs: int, support: int, generations: int, *,
                 record_distributions: bool = False, keeps_corpus: bool = False) -> int:
    """Bytes :func:`simulate` keeps for ``generations`` generations (exact integers)."""
    per_generation = 4 * runs + runs * support * (int(record_distributions) + int(keeps_corpus))
    return 2 * 8 * (generations + 1) * per_generation


def check_record_memory(runs: int, support: int, generations: int, *,
                        record_distributions: bool = False, keeps_corpus: bool = False,
                        what: str = "generations") -> None:
    """Refuse a simulation whose records would pass :data:`MAX_RECORD_BYTES`."""
    need = record_bytes(runs, support, generations, record_distributions=record_distributions,
                        keeps_corpus=keeps_corpus)
    if need > MAX_RECORD_BYTES:
        recorded = f" × s = {support} tokens" if record_distributions or keeps_corpus else ""
        raise ValueError(
            f"{runs} runs × {generations} {what}{recorded} would keep about "
            f"{need / 2**30:.1f} GiB of records, more than the {MAX_RECORD_BYTES // 2**30} GiB "
            f"allowed; lower runs or {what}")


class _Buffer:
    """A (capacity, runs) float array that doubles when full (run lengths are unknown)."""

    def __init__(self, runs: int, capacity: int) -> None:
        self.data = np.empty((capacity, runs))
        self.size = 0

    def append(self, row: NDArray[np.float64]) -> None:
        if self.size == self.data.shape[0]:
            self.data = np.concatenate([self.data, np.empty_like(self.data)])
        self.data[self.size] = row
        self.size += 1

    def array(self) -> NDArray[np.float64]:
        return self.data[: self.size].copy()


def simulate(
    scheme: Scheme,
    initial: NDArray[np.float64],
    rng: np.random.Generator,
    *,
    generations: int | None = None,
    max_generations: int = 1_000_000,
    record_distributions: bool = False,
    progress: bool | None = False,
) -> Simulation:
    """Run ``scheme`` for every row of ``initial`` (Seddik et al. eq. 5 with the count learner).

    Args:
        scheme: which data trains each generation (:mod:`collapse.schemes`).
        initial: (runs, s) probability vectors p^(0), one per run (a (s,) vector is one run).
        rng: the only source of randomness; equal seeds give bit-identical results.
        generations: simulate exactly this many generations. ``None``: run until every run has
            totally collapsed (only for schemes whose vertices are absorbing), at most
            ``max_generations``.
        max_generations: cap when ``generations`` is None.
        record_distributions: keep every p^(m) (memory G·runs·s floats; for small s only).
        progress: tqdm bar over generations (None: only on a terminal).
    """
    if not isinstance(scheme, Scheme):
        raise TypeError(f"scheme must be a collapse.schemes.Scheme (e.g. FullySynthetic(n=100)),"
                        f" got {scheme!r} ({type(scheme).__name__})")
    check_generator("rng", rng)
    p0_full = check_distribution("initial", np.atleast_2d(initial), ndim=2)
    if generations is None:
        if not scheme.absorbing_at_vertex:
            raise ValueError(
                f"generations is required for {scheme.name}: its vertices are not absorbing, "
                "so 'until every run has collapsed' may never happen"
            )
        limit = check_int("max_generations", max_generations, low=1)
    else:
        limit = check_int("generations", generations, low=1)

    runs = p0_full.shape[0]
    keeps_corpus = scheme.keeps_corpus and record_distributions

    def check_memory(until: int, what: str) -> None:
        check_record_memory(runs, p0_full.shape[1], until, what=what,
                            record_distributions=record_distributions, keeps_corpus=keeps_corpus)

    if generations is not None:  # the exact size, before anything is sampled or allocated
        check_memory(limit, "generations")
    support = np.flatnonzero(p0_full.any(axis=0))  # tokens no scheme can ever create are dropped
    p0 = p0_full[:, support]
    state: dict[str, Any] = {}  # the scheme's own data sets (real pool, window, corpus)
    p = scheme.first_model(p0, rng, state)
    records = _Records(p0_full, support, p, min(limit, 1024) + 1,
                       record_distributions=record_distributions, keeps_corpus=keeps_corpus)
    rows = np.arange(runs)
    absorbing = scheme.absorbing_at_vertex

    bar = tqdm(total=limit, desc=scheme.label(), unit="gen", leave=False,
               disable=progress_disabled(progress))
    with bar:
        m = 1
        while True:
            # p holds p^(m) for `rows` (all runs unless absorbing runs were retired)
            at_vertex = records.record(m, p, rows, state.get("corpus"))
            bar.update(1)
            if absorbing and at_vertex.any():  # retire collapsed runs: they can never move
                keep = ~at_vertex
                rows, p = rows[keep], p[keep]
            if m == limit or (generations is None and rows.size == 0):
                break
            if generations is None and not m & (m - 1):  # at each doubling of the records
                check_memory(2 * m, "generations so far")
            m += 1
            p = scheme.next_model(m, p, rng, state)

    if generations is None and rows.size:
        raise RuntimeError(
            f"{rows.size} of {runs} runs had not collapsed after max_generations={limit}; "
            "raise max_generations"
        )
    return records.simulation(scheme)


class _Records:
    """What :func:`simulate` keeps per generation and run, and the collapse time and token.

    Runs retired at a vertex (absorbing schemes) keep their last values: ``record`` receives
    only the rows still simulated and fills the others forward.
    """

    def __init__(self, p0_full: NDArray[np.float64], support: NDArray[np.int64],
                 p1: NDArray[np.float64], capacity: int, *, record_distributions: bool,
                 keeps_corpus: bool) -> None:
        runs = p0_full.shape[0]
        self.p0_full, self.support, self.p1, self.runs = p0_full, support, p1.copy(), runs
        self.buffers = tuple(_Buffer(runs, capacity) for _ in range(4))  # σ, dev, sup, alive
        self.trajectory = [p0_full.copy()] if record_distributions else None
        self.corpora = [np.zeros(p0_full.shape, dtype=np.int64)] if keeps_corpus else None
        self.collapse_time = np.full(runs, NOT_COLLAPSED, dtype=np.int64)
        self.collapse_token = np.full(runs, NOT_COLLAPSED, dtype=np.int64)
        p0 = p0_full[:, support]
        self._append(np.einsum("rs,rs->r", p0, p0), np.abs(p0 - self.p1).sum(axis=1),
                     p0.max(axis=1), np.count_nonzero(p0, axis=1).astype(np.float64))

    def _append(self, *rows: NDArray[np.float64]) -> None:
        for buffer, row in zip(self.buffers, rows, strict=True):
            buffer.append(row)

    def record(self, m: int, p: NDArray[np.float64], rows: NDArray[np.int64],
               corpus: NDArray[np.int64] | None) -> NDArray[np.bool_]:
        """Record p^(m) of ``rows``; returns which of them sit on a vertex."""
        if rows.size < self.runs:
            s_row, d_row, u_row, a_row = _fill_forward(*self.buffers)
            s_row[rows] = np.einsum("rs,rs->r", p, p)
            d_row[rows] = np.abs(p - self.p1[rows]).sum(axis=1)
            u_row[rows] = p.max(axis=1)
            a_row[rows] = np.count_nonzero(p, axis=1)
        else:
            s_row = np.einsum("rs,rs->r", p, p)
            d_row = np.abs(p - self.p1).sum(axis=1)
            u_row = p.max(axis=1)
            a_row = np.count_nonzero(p, axis=1).astype(np.float64)
        self._append(s_row, d_row, u_row, a_row)
        at_vertex = p.max(axis=1) == 1.0
        newly = rows[at_vertex & (self.collapse_time[rows] == NOT_COLLAPSED)]
        if newly.size:
            self.collapse_time[newly] = m
            hit = at_vertex & (self.collapse_time[rows] == m)
            self.collapse_token[newly] = self.support[p[hit].argmax(axis=1)]
        if self.trajectory is not None:
            full_p = self.trajectory[-1].copy()
            full_p[np.ix_(rows, self.support)] = p
            self.trajectory.append(full_p)
        if self.corpora is not None:
            assert corpus is not None
            full_c = np.zeros(self.p0_full.shape, dtype=np.int64)
            full_c[:, self.support] = corpus
            self.corpora.append(full_c)
        return at_vertex

    def simulation(self, scheme: Scheme) -> Simulation:
        sigma, deviation, sup, alive = (b.array() for b in self.buffers)
        return Simulation(
            scheme=scheme, initial=self.p0_full, sigma=sigma, deviation=deviation,
            sup_norm=sup, support=alive.astype(np.int64), collapse_time=self.collapse_time,
            collapse_token=self.collapse_token,
            trajectory=None if self.trajectory is None else np.stack(self.trajectory),
            corpus=None if self.corpora is None else np.stack(self.corpora))


def _fill_forward(*buffers: _Buffer) -> tuple[NDArray[np.float64], ...]:
    """Copies of the last recorded rows (retired runs keep their final values)."""
    return tuple(b.data[b.size - 1].copy() for b in buffers)


def collapse_times(
    initial: NDArray[np.float64],
    n: int | NDArray[np.int64],
    rng: np.random.Generator,
    *,
    max_generations: int = 10_000_000,
    repack_every: int = 8,
    progress: bool | None = False,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Fully Synthetic total-collapse time T and collapse token per row, and nothing else.

    The fast path behind Seddik et al. Figure 2, where only T matters: rows may have different
    sample sizes ``n`` (one call simulates every (distribution, n) pair at once), collapsed rows
    are retired, and every ``repack_every`` generations each row's alive tokens are moved to the
    front (largest first) and dead columns are cut, so a row costs O(alive tokens) per
    generation instead of O(s). Multinomial sampling is exchangeable across categories, so the
    law of (T, token) is exactly that of :func:`simulate` (the random stream differs).

    Returns:
        (collapse_time, collapse_token), both (rows,) int64.
    """
    check_generator("rng", rng)
    p = check_distribution("initial", np.atleast_2d(initial), ndim=2)
    rows = p.shape[0]
    given = np.asarray(n)
    if given.dtype == np.bool_ or not np.issubdtype(given.dtype, np.integer):
        raise TypeError(f"n must be an integer or an array of integers >= 1, got {n!r} "
                        f"({type(n).__name__}{f' of {given.dtype}' if given.ndim else ''})")
    if given.ndim > 1 or given.size not in (1, rows):
        raise ValueError(f"n must be one integer or one per row of initial ({rows}), got shape "
                         f"{given.shape}")
    sizes = np.broadcast_to(given, (rows,)).astype(np.int64)
    if (sizes < 1).any():
        raise ValueError("n must be an integer >= 1 for every row")
    limit = check_int("max_generations", max_generations, low=1)
    repack_every = check_int("repack_every", repack_every, low=1)

    def repack(values: NDArray[Any], cols: NDArray[np.int64]
               ) -> tuple[NDArray[Any], NDArray[np.int64]]:
        order = np.argsort(-values, axis=1, kind="stable")
        width = max(int(np.count_nonzero(values, axis=1).max()), 1)
        order = order[:, :width]
        return np.take_along_axis(values, order, axis=1), np.take_along_axis(cols, order, axis=1)

    cols = np.broadcast_to(np.arange(p.shape[1]), p.shape).copy()
    probs, cols = repack(p, cols)
    alive = np.arange(rows)
    times = np.full(rows, NOT_COLLAPSED, dtype=np.int64)
    tokens = np.full(rows, NOT_COLLAPSED, dtype=np.int64)
    bar = tqdm(total=rows, desc="runs collapsed", unit="run", leave=False,
               disable=progress_disabled(progress))
    with bar:
        for m in range(1, limit + 1):
            counts = rng.multinomial(sizes[alive], probs)
            top = counts.argmax(axis=1)
            done = counts[np.arange(alive.size), top] == sizes[alive]
            if done.any():
                times[alive[done]] = m
                tokens[alive[done]] = cols[done, top[done]]
                keep = ~done
                alive, counts, cols = alive[keep], counts[keep], cols[keep]
                bar.update(int(done.sum()))
            if alive.size == 0:
                break
            if m % repack_every == 0:
                counts, cols = repack(counts, cols)
            probs = counts / sizes[alive][:, None]
    if alive.size:
        raise RuntimeError(f"{alive.size} of {rows} runs had not collapsed after "
                           f"max_generations={limit}; raise max_generations")
    return times, tokens
