"""Seddik et al., Figure 2 (``notebooks/seddik_fig2.md``): mean total-collapse time against n.

Fully Synthetic from four initial distributions (s = 600), every run until collapse, against
the bounds of eq. (8).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from collapse.distributions import power_law
from collapse.explorer import Control, Explorer, Panel, Series
from collapse.pages.common import (
    VOCAB_SIZE,
    Arrays,
    initial_panel,
    largest_support,
)
from collapse.plotting import BOUND_COLOR, PALETTE, project_style
from collapse.report import Claim, exceeds, not_violated
from collapse.statistical import collapse_times
from collapse.theory.seddik import (
    collapse_time_bounds,
)
from collapse.validation import check_int

FIG2_DISTRIBUTIONS: tuple[tuple[int, float], ...] = (
    (52, 0.1), (52, 0.3), (200, 0.02), (600, 0.005),
)
"""(s̃, S0) of the initial distributions of Figure 2 (the paper does not list its values)."""


@dataclass(frozen=True)
class Fig2Data(Arrays):
    """Mean total-collapse time vs n (Fully Synthetic) for several initial distributions.

    Shapes: ``initial`` (D, s); ``mean_T``, ``se_T``, ``lower``, ``upper`` (D, K) for the D
    distributions and K sample sizes ``n_values``.
    """

    initial: NDArray[np.float64]
    support: NDArray[np.int64]
    s0: NDArray[np.float64]
    n_values: NDArray[np.int64]
    runs: int
    mean_T: NDArray[np.float64]
    se_T: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]

    def growth_exponents(self, n_from: int = 100) -> tuple[NDArray[np.float64],
                                                          NDArray[np.float64]]:
        """(D,) slopes of log mean T on log n over n ≥ ``n_from`` (or the two largest n of a
        shorter grid) and their SEs.

        Weighted least squares with var(log mean T) ≈ (SE/mean)² (the delta method); the SE of
        the slope is the fit's, from those variances alone. A slope 1 is E[T] of order n, 2 of
        order n² (the two ends of eq. (8)).
        """
        if self.n_values.size < 2:  # one sample size: no growth to measure (not resolved)
            nan = np.full(self.mean_T.shape[0], np.nan)
            return nan, nan
        keep = self.n_values >= n_from
        if keep.sum() < 2:  # a short grid (the quick profile): its two largest n
            keep = self.n_values >= np.sort(self.n_values)[-2]
        x = np.log(self.n_values[keep].astype(float))
        slopes, ses = [], []
        for mean, se in zip(self.mean_T[:, keep], self.se_T[:, keep], strict=True):
            w = (mean / np.maximum(se, 1e-12 * mean)) ** 2
            xm = (w * x).sum() / w.sum()
            sxx = (w * (x - xm) ** 2).sum()
            slopes.append((w * (x - xm) * np.log(mean)).sum() / sxx)
            ses.append(1 / np.sqrt(sxx))
        return np.array(slopes), np.array(ses)

    def summary(self) -> dict[str, float | int]:
        slack = 3 * self.se_T
        slopes, slope_se = self.growth_exponents()
        worst = int(np.argmax(slopes))
        return {
            "runs": self.runs,
            "points": int(self.mean_T.size),
            "points_above_lower": int((self.mean_T + slack >= self.lower).sum()),
            "points_below_upper": int((self.mean_T - slack <= self.upper).sum()),
            "lower_margin_z_min": float(((self.mean_T - self.lower) / self.se_T).min()),
            "upper_margin_z_min": float(((self.upper - self.mean_T) / self.se_T).min()),
            "growth_exponent_max": float(slopes[worst]),
            "growth_exponent_max_se": float(slope_se[worst]),
            "growth_exponent_min": float(slopes.min()),
            "ratio_to_upper_max": float((self.mean_T / self.upper).max()),
            "ratio_to_lower_min": float((self.mean_T / self.lower).min()),
            "ratio_to_lower_max": float((self.mean_T / self.lower).max()),
            "largest_mean_T": float(self.mean_T.max()),
        }


def fig2_n_values(n_max: int = 400, step: int = 50) -> NDArray[np.int64]:
    """The paper's grid n ∈ {10, 50, 100, 150, …, n_max}."""
    return np.array([10, *range(step, n_max + 1, step)], dtype=np.int64)


def data(*, n_max: int = 400, runs: int = 1000, seed: int = 0,
         distributions: tuple[tuple[int, float], ...] = FIG2_DISTRIBUTIONS,
         progress: bool | None = False) -> Fig2Data:
    """Simulate every (distribution, n) pair until all ``runs`` runs have collapsed.

    Uses :func:`collapse.statistical.collapse_times`, the T-only fast path of the simulator.
    """
    n_max = check_int("n_max", n_max, low=10)
    runs = check_int("runs", runs, low=2)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    n_values = fig2_n_values(n_max)
    initial = np.array([power_law(VOCAB_SIZE, st, s0) for st, s0 in distributions])
    support = np.array([st for st, _ in distributions], dtype=np.int64)
    s0 = np.array([s for _, s in distributions])
    mean_T = np.empty((len(distributions), n_values.size))
    se_T = np.empty_like(mean_T)
    sizes = np.repeat(n_values, runs)  # every n of the grid in one vectorised call
    for d, p in enumerate(initial):
        times, _ = collapse_times(np.tile(p, (sizes.size, 1)), sizes, rng, progress=progress)
        times = times.reshape(n_values.size, runs)
        mean_T[d] = times.mean(axis=1)
        se_T[d] = times.std(axis=1, ddof=1) / np.sqrt(runs)
    lower = np.array([[collapse_time_bounds(int(n), s, st)[0] for n in n_values]
                      for st, s in zip(support, s0, strict=True)], dtype=np.float64)
    upper = np.array([[collapse_time_bounds(int(n), s, st)[1] for n in n_values]
                      for st, s in zip(support, s0, strict=True)], dtype=np.float64)
    return Fig2Data(initial=initial, support=support, s0=s0, n_values=n_values, runs=runs,
                    mean_T=mean_T, se_T=se_T, lower=lower, upper=upper)


def plot(data: Fig2Data) -> Figure:
    """Top: each initial distribution (log scale). Bottom: mean T vs n, eq. (8)'s lower bound."""
    cols = data.initial.shape[0]
    with project_style():
        fig, axes = plt.subplots(2, cols, figsize=(2.5 * cols, 5.2), layout="constrained",
                                 squeeze=False)
        shown = largest_support(data.initial)
        for d in range(cols):
            initial_panel(axes[0, d], data.initial[d],
                           rf"$\tilde s$ = {data.support[d]}, $S_0$ = {data.s0[d]:g}", shown)
            ax = axes[1, d]
            ax.errorbar(data.n_values, data.mean_T[d], yerr=2 * data.se_T[d], fmt="x",
                        color=PALETTE[0], ms=6, capsize=2,
                        label=f"mean T ± 2 SE ({data.runs} runs)")
            ax.plot(data.n_values, data.lower[d], "--", color=BOUND_COLOR,
                    label="lower bound, eq. (8)")
            ax.set_xlabel("sample size n")
            ax.set_ylim(0, None)
            if d == 0:
                axes[0, d].set_ylabel("$p_i$ (log scale)")
                ax.set_ylabel("total-collapse time T")
                ax.legend(loc="upper left")
    return fig


def summary(data: Fig2Data) -> dict[str, float | int]:
    return data.summary()


def explorer(data: Fig2Data, values: Mapping[str, Any]) -> Explorer:
    """Pick the initial distribution: its mean T ± 2 SE against n and eq. (8)'s lower bound
    (the page's own numbers: no extra computation)."""
    slopes, slope_se = data.growth_exponents()
    labels = [f"s̃ = {st}, S0 = {s0:g}" for st, s0 in zip(data.support, data.s0, strict=True)]
    n = data.n_values

    def panel(d: int) -> Panel:
        return Panel(
            series=[Series(f"mean T ± 2 SE ({data.runs} runs)", n, data.mean_T[d], data.se_T[d],
                           style="points", color=PALETTE[0]),
                    Series("lower bound, eq. (8)", n, data.lower[d], style="dashed",
                           color=BOUND_COLOR)],
            numbers=[(f"mean T at n = {n[-1]}", f"{data.mean_T[d, -1]:.1f} ± "
                      f"{data.se_T[d, -1]:.1f}"),
                     (f"lower bound at n = {n[-1]}", f"{data.lower[d, -1]:.1f}"),
                     ("growth exponent of mean T in n", f"{slopes[d]:.3f} ± {slope_se[d]:.3f}")])

    return Explorer.from_grid(
        "seddik_fig2", "Mean collapse time against n, one initial distribution at a time",
        [Control("d", "initial distribution", list(range(len(labels))), labels, kind="select")],
        panel, xlabel="sample size n", ylabel="total-collapse time T",
        note=f"The page's own simulation: {len(labels)} distributions × {n.size} sample sizes "
             f"× {data.runs} runs.")


CLAIMS = (
    Claim("above_lower", "eq. (8)'s lower bound holds: no mean T below it by more than 3 SE",
          lambda s: not_violated(s["lower_margin_z_min"]),
          quote="The red dashed line depicts the lower bound on E T given by (8).",
          source="Fig. 2 caption; Theorem 1, eq. (8)",
          measure=("smallest (mean T − lower bound)/SE", "lower_margin_z_min")),
    Claim("below_upper", "eq. (8)'s upper bound holds: no mean T above it by more than 3 SE",
          lambda s: not_violated(s["upper_margin_z_min"]),
          quote="E[T] ≤ 1 + (1 − S0) n(n − 1)", source="Theorem 1, eq. (8)",
          measure=("smallest (upper bound − mean T)/SE", "upper_margin_z_min")),
    Claim("order_n", "mean T grows like n, not n²: the largest slope of log mean T on log n "
          "(n ≥ 100) lies below 1.5 by more than 3 SE (refuted above it by more than 3 SE)",
          lambda s: exceeds(1.5, s["growth_exponent_max_se"], s["growth_exponent_max"]),
          quote="experiments (see Figure 2) suggest that the upper bound is not sharp and should "
                "be close to O(n) instead", source="§3.1, after Theorem 1",
          measure=("largest growth exponent of mean T in n", "growth_exponent_max",
                   "growth_exponent_max_se")),
)
