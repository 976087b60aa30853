"""Vectorised Fully Synthetic simulator vs a plain per-chain Python loop, in one process.

Workload: Seddik et al. Figure 1 (c = 81 contexts, s = 3, n = 1000) for a fixed number of
generations, no early stop, so both sides draw exactly the same number of multinomial samples.
Run: ``.venv/bin/python benchmarks/bench_fully_synthetic.py``; prints the speed-up ratio.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from collapse.distributions import random_simplex
from collapse.statistical import simulate_fully_synthetic


def per_chain_loop(initial: np.ndarray, n: int, generations: int,
                   rng: np.random.Generator) -> np.ndarray:
    """The straightforward reference: one chain at a time, one generation at a time."""
    counts = np.empty((generations, *initial.shape), dtype=np.int64)
    for chain in range(initial.shape[0]):
        p = initial[chain]
        for g in range(generations):
            drawn = rng.multinomial(n, p)
            counts[g, chain] = drawn
            p = drawn / n
    return counts


def best_of(repeats: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contexts", type=int, default=81)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--generations", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    initial = random_simplex(args.contexts, 3, np.random.default_rng(0))
    # A huge n keeps every chain alive, so the vectorised run does every generation too.
    vectorised = best_of(args.repeats, lambda: simulate_fully_synthetic(
        initial, args.n, np.random.default_rng(1), max_generations=args.generations,
        stop_when_collapsed=False))
    loop = best_of(args.repeats, lambda: per_chain_loop(
        initial, args.n, args.generations, np.random.default_rng(1)))
    draws = args.contexts * args.generations
    print(f"workload: {args.contexts} chains x {args.generations} generations, n = {args.n}")
    print(f"per-chain Python loop : {loop:8.3f} s  ({draws / loop:,.0f} multinomial draws/s)")
    print(f"vectorised simulator  : {vectorised:8.3f} s  ({draws / vectorised:,.0f} draws/s)")
    print(f"speed-up (loop / vectorised): {loop / vectorised:.1f}x")


if __name__ == "__main__":
    main()
