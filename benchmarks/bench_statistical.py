"""Speed of the statistical-model simulator, as ratios measured in one process.

(a) vectorised ``simulate`` vs a plain per-run Python loop doing identical work (the same
    multinomial recursion and the same per-generation metrics) on the Figure 2 workload;
(b) ``simulate`` vs the bare cost of drawing the same multinomial samples with numpy;
(c) wall time of every statistical figure at paper scale (data + drawing).

Run: ``.venv/bin/python benchmarks/bench_statistical.py`` (about a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from collapse import pages
from collapse.distributions import power_law
from collapse.schemes import FullySynthetic, PartiallySynthetic
from collapse.statistical import collapse_times, simulate


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def per_run_loop(p0: np.ndarray, n_values: list[int], runs: int,
                 rng: np.random.Generator) -> np.ndarray:
    """Reference: one run at a time, one generation at a time, until the run collapses."""
    times = np.empty((len(n_values), runs), dtype=np.int64)
    for k, n in enumerate(n_values):
        for r in range(runs):
            p, m = p0, 0
            while True:
                m += 1
                counts = rng.multinomial(n, p)
                if counts.max() == n:
                    times[k, r] = m
                    break
                p = counts / n
    return times


def bench_vectorised_vs_loop(runs: int, n_values: list[int]) -> None:
    p0 = power_law(600, 52, 0.1)
    sizes = np.repeat(np.array(n_values), runs)
    start = np.tile(p0, (sizes.size, 1))
    vec = min(timed(lambda: collapse_times(start, sizes, np.random.default_rng(0)))
              for _ in range(3))
    loop = timed(lambda: per_run_loop(p0, n_values, runs, np.random.default_rng(0)))
    print(f"(a) Figure 2 workload, one distribution (s = 600, s~ = 52, S0 = 0.1), {runs} runs,")
    print(f"    n in {n_values}: total-collapse time T of every run")
    print(f"    per-run Python loop {loop:7.2f} s | vectorised {vec:7.2f} s | "
          f"speed-up {loop / vec:5.1f}x (target >= 20x)")
    general = timed(lambda: [simulate(FullySynthetic(n), np.tile(p0, (runs, 1)),
                                      np.random.default_rng(n)) for n in n_values])
    print(f"    (general simulate(), all metrics, one call per n: {general:.2f} s, "
          f"{loop / general:.1f}x the loop)")


def bench_against_bare_draws(runs: int, generations: int) -> None:
    p0 = power_law(600, 52, 0.1)
    start = np.tile(p0, (runs, 1))
    scheme = PartiallySynthetic(10, 100)
    sim = min(timed(lambda: simulate(scheme, start, np.random.default_rng(0),
                                     generations=generations)) for _ in range(3))
    support = start[:, :52]

    def bare() -> None:
        rng = np.random.default_rng(0)
        for _ in range(generations):
            rng.multinomial(10, support)

    draws = min(timed(bare) for _ in range(3))
    print(f"(b) Partially Synthetic n = 10, N = 100, {runs} runs x {generations} generations")
    print(f"    bare numpy multinomial draws {draws:6.3f} s | simulate {sim:6.3f} s | "
          f"ratio {sim / draws:4.2f}x (target <= 3x)")


def _page_job(stem: str) -> Callable[[], Any]:
    """Data and drawing of one page at the book's defaults (its notebook's parameters)."""
    page = pages.load(stem)
    return lambda: page.plot(page.data())


def bench_all_figures() -> None:
    jobs = {stem: _page_job(stem) for stem in pages.PAGES if stem not in pages.LM_PAGES}
    total = 0.0
    print("(c) statistical figures at paper scale (data + drawing)")
    for name, job in jobs.items():
        seconds = timed(job)
        plt.close("all")
        total += seconds
        print(f"    {name:22s} {seconds:6.2f} s")
    print(f"    total                  {total:6.2f} s (target < 60 s on 2 cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description="statistical-model benchmarks")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--skip-figures", action="store_true")
    args = parser.parse_args()
    bench_vectorised_vs_loop(args.runs, [10, *range(50, 401, 50)])
    bench_against_bare_draws(args.runs, 2000)
    if not args.skip_figures:
        bench_all_figures()


if __name__ == "__main__":
    main()
