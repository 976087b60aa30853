"""Seddik et al., Figure 6 (``notebooks/seddik_fig6.md``): Most Recent K and Randomly Sampled.

σ_m, the deviation from p^(1) and the total-collapse time per run for Fully Synthetic (K = 1),
two Most Recent windows and Randomly Sampled.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from numpy.typing import NDArray

from collapse.distributions import power_law
from collapse.pages.common import (
    MEAN_COLOR,
    VOCAB_SIZE,
    Arrays,
    run_lines,
)
from collapse.plotting import PALETTE, project_style
from collapse.report import Claim
from collapse.schemes import (
    FullySynthetic,
    MostRecent,
    RandomlySampled,
    Scheme,
)
from collapse.statistical import NOT_COLLAPSED, simulate
from collapse.validation import check_int


@dataclass(frozen=True)
class Fig6Data(Arrays):
    """σ_m, deviation and T per run for four schemes (columns), n = 10.

    Shapes: ``sigma``, ``deviation`` (C, G+1, runs); ``collapse_time`` (C, runs), −1 = never.
    """

    labels: NDArray[np.str_]
    n: int
    windows: NDArray[np.int64]
    initial: NDArray[np.float64]
    sigma: NDArray[np.float64]
    deviation: NDArray[np.float64]
    collapse_time: NDArray[np.int64]

    def summary(self) -> dict[str, float | int]:
        out: dict[str, float | int] = {"runs": int(self.sigma.shape[2]),
                                       "generations": int(self.sigma.shape[1] - 1)}
        for c, key in enumerate(["fully", "recent_a", "recent_b", "random"]):
            t = self.collapse_time[c]
            done = t != NOT_COLLAPSED
            out[f"{key}_collapsed"] = int(done.sum())
            out[f"{key}_mean_T"] = float(t[done].mean()) if done.any() else float("nan")
        return out


def fig6_schemes(n: int = 10, windows: tuple[int, int] = (2, 5)) -> list[Scheme]:
    """Fully Synthetic (= Most Recent K = 1), Most Recent for two windows, Randomly Sampled."""
    if not isinstance(windows, tuple | list) or len(windows) != 2:
        raise ValueError(f"windows must be two Most Recent windows (K_a, K_b), got {windows!r}")
    return [FullySynthetic(n), MostRecent(n, windows[0]), MostRecent(n, windows[1]),
            RandomlySampled(n)]


def data(*, n: int = 10, window_a: int = 2, window_b: int = 5, runs: int = 100,
         generations: int = 500, support: int = 52, s0: float = 0.1, seed: int = 0,
         progress: bool | None = False) -> Fig6Data:
    """Seddik et al. Figure 6 at the paper's parameters (500 generations, n = 10, 100 runs)."""
    runs = check_int("runs", runs, low=2)
    generations = check_int("generations", generations, low=1)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    p = power_law(VOCAB_SIZE, support, s0)
    start = np.tile(p, (runs, 1))
    windows = (window_a, window_b)
    schemes = fig6_schemes(n, windows)
    sims = [simulate(sc, start, rng, generations=generations, progress=progress)
            for sc in schemes]
    return Fig6Data(
        labels=np.array([sc.label() for sc in schemes]), n=n,
        windows=np.asarray(windows, dtype=np.int64), initial=p,
        sigma=np.array([s.sigma for s in sims]), deviation=np.array([s.deviation for s in sims]),
        collapse_time=np.array([s.collapse_time for s in sims]),
    )


def plot(data: Fig6Data) -> Figure:
    """Rows: σ_m, ‖p^(m) − p^(1)‖₁, histogram of T (mean marked); one column per scheme."""
    cols = data.sigma.shape[0]
    titles = ["Fully Synthetic (K = 1)", f"Most Recent, K = {data.windows[0]}",
              f"Most Recent, K = {data.windows[1]}", "Randomly Sampled"]
    with project_style():
        fig, axes = plt.subplots(3, cols, figsize=(2.5 * cols, 7.2), layout="constrained",
                                 squeeze=False)
        for c in range(cols):
            run_lines(axes[0, c], data.sigma[c], r"$\sigma_m$" if c == 0 else None)
            axes[0, c].set_title(f"{titles[c]}, n = {data.n}")
            axes[0, c].set_ylim(0, 1.05)
            run_lines(axes[1, c], data.deviation[c],
                       r"$\|p^{(m)} - p^{(1)}\|_1$" if c == 0 else None, first=2)
            axes[1, c].set_ylim(0, 2.05)
            ax = axes[2, c]
            t = data.collapse_time[c]
            done = t[t != NOT_COLLAPSED]
            if done.size:
                ax.hist(done, bins=20, color=PALETTE[0], alpha=0.8)
                ax.axvline(done.mean(), color=MEAN_COLOR, lw=1.5,
                           label=f"mean T = {done.mean():.1f}")
                ax.legend(loc="upper right")
                ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            else:
                ax.set_yticks([])
                ax.set_xticks([])
                ax.text(0.5, 0.5, f"no run collapsed\nin {data.sigma.shape[1] - 1} generations",
                        ha="center", va="center", transform=ax.transAxes)
            ax.set_xlabel("total-collapse time $T$")
            ax.set_title(f"{done.size} of {t.size} runs collapsed")
            if c == 0:
                ax.set_ylabel("runs")
    return fig


def summary(data: Fig6Data) -> dict[str, float | int | str]:
    s: dict[str, float | int | str] = dict(data.summary())
    # training-set sizes of the first generations: a window holds fewer than K models until m = K
    for name, K in (("a", int(data.windows[0])), ("b", int(data.windows[1]))):
        sizes = [int(MostRecent(data.n, K).counts(m).sum()) for m in range(1, K + 1)]
        s[f"first_sizes_{name}"] = ", ".join(map(str, sizes))
        s[f"window_{name}"] = K
    sooner = s["recent_b_mean_T"] < s["recent_a_mean_T"]  # type: ignore[operator]
    s["b_vs_a"] = "sooner than" if sooner else "no sooner than"
    return s


CLAIMS = (
    Claim("fully_collapses", "every Fully Synthetic run collapses",
          lambda s: s["fully_collapsed"] == s["runs"]),
    Claim("window_collapses", "with a window, collapse still happens (every run)",
          lambda s: s["recent_a_collapsed"] == s["runs"] == s["recent_b_collapsed"]),
    Claim("window_delays", r"a larger window $K$ delays collapse (mean $T$ increases with $K$)",
          lambda s: s["fully_mean_T"] < s["recent_a_mean_T"] < s["recent_b_mean_T"]),
    Claim("random_rarely_collapses",
          "Randomly Sampled: at most 5 % of runs collapse (the paper: 1 of 100)",
          lambda s: s["random_collapsed"] <= 0.05 * s["runs"]),
)
