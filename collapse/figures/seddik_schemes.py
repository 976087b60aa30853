"""Seddik et al. Figures 2, 3, 4 and 6: the statistical model under every scheme at paper scale.

Each figure has ``figN_data(...)`` (the numbers, a frozen dataclass with ``arrays()`` and
``summary()``) and ``figN_plot(data)``. Colours follow the paper: one thin yellow line per run,
the mean over runs in red, closed forms dashed blue, bounds dashed red.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from numpy.typing import NDArray

from collapse.distributions import power_law
from collapse.plotting import BOUND_COLOR, PALETTE, project_style
from collapse.schemes import (
    FullySynthetic,
    MostRecent,
    PartiallySynthetic,
    RandomlySampled,
    Scheme,
)
from collapse.statistical import NOT_COLLAPSED, collapse_times, simulate
from collapse.theory.seddik import (
    collapse_time_bounds,
    deviation_bound,
    partially_synthetic_sigma,
    partially_synthetic_sigma_printed,
)
from collapse.validation import check_int

RUN_COLOR = "#E8B500"  # the paper's thin yellow per-run lines
MEAN_COLOR = "#C0392B"  # the paper's red mean
FORMULA_COLOR = "#1F5FBF"  # the paper's blue dashed closed form
VOCAB_SIZE = 600
"""s = 600 tokens in every statistical figure of the paper."""

FIG2_DISTRIBUTIONS: tuple[tuple[int, float], ...] = (
    (52, 0.1), (52, 0.3), (200, 0.02), (600, 0.005),
)
"""(s̃, S0) of the initial distributions of Figure 2 (the paper does not list its values)."""
FIG4_S0: tuple[float, ...] = (0.03, 0.1, 0.3, 0.6)
"""S0 of the initial distributions of Figure 4 (s̃ = 52; the paper does not list its values)."""


class _Arrays:
    """Mixin: every field as a flat mapping (for .npz export and data baselines)."""

    def arrays(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]


def _initial_panel(ax: Axes, p: NDArray[np.float64], title: str, shown: int) -> None:
    """The paper's top-row view of p: probabilities (log scale) over the first ``shown`` tokens.

    ``shown`` is the largest support of the figure's columns: the remaining tokens of the
    s = 600 vocabulary have p_i = 0 and would leave most of the panel empty.
    """
    tokens = np.arange(1, p.size + 1)
    ax.semilogy(tokens[p > 0], p[p > 0], ".", ms=3, color=PALETTE[0])
    ax.set_xlim(0, shown + 1)
    ax.set_xlabel(f"token $i$ (first {shown} of {p.size})" if shown < p.size else "token $i$")
    ax.set_title(title)


def _largest_support(initial: NDArray[np.float64]) -> int:
    return int(max(np.flatnonzero(p > 0).max() + 1 for p in initial))


# --- Figure 2 -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fig2Data(_Arrays):
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

    def summary(self) -> dict[str, float | int]:
        slack = 3 * self.se_T
        return {
            "runs": self.runs,
            "points": int(self.mean_T.size),
            "points_above_lower": int((self.mean_T + slack >= self.lower).sum()),
            "points_below_upper": int((self.mean_T - slack <= self.upper).sum()),
            "ratio_to_lower_min": float((self.mean_T / self.lower).min()),
            "ratio_to_lower_max": float((self.mean_T / self.lower).max()),
            "largest_mean_T": float(self.mean_T.max()),
        }


def fig2_n_values(n_max: int = 400, step: int = 50) -> NDArray[np.int64]:
    """The paper's grid n ∈ {10, 50, 100, 150, …, n_max}."""
    return np.array([10, *range(step, n_max + 1, step)], dtype=np.int64)


def fig2_data(*, n_max: int = 400, runs: int = 100, seed: int = 0,
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


def fig2_plot(data: Fig2Data) -> Figure:
    """Top: each initial distribution (log scale). Bottom: mean T vs n, eq. (8)'s lower bound."""
    cols = data.initial.shape[0]
    with project_style():
        fig, axes = plt.subplots(2, cols, figsize=(2.5 * cols, 5.2), layout="constrained",
                                 squeeze=False)
        shown = _largest_support(data.initial)
        for d in range(cols):
            _initial_panel(axes[0, d], data.initial[d],
                           rf"$\tilde s$ = {data.support[d]}, $S_0$ = {data.s0[d]:g}", shown)
            ax = axes[1, d]
            ax.plot(data.n_values, data.mean_T[d], "x", color=PALETTE[0], ms=6,
                    label=f"mean T ({data.runs} runs)")
            ax.plot(data.n_values, data.lower[d], "--", color=BOUND_COLOR,
                    label="lower bound, eq. (8)")
            ax.set_xlabel("sample size n")
            ax.set_ylim(0, None)
            if d == 0:
                axes[0, d].set_ylabel("$p_i$ (log scale)")
                ax.set_ylabel("total-collapse time T")
                ax.legend(loc="upper left")
    return fig


# --- Figures 3 and 4: Partially Synthetic ------------------------------------------------------


@dataclass(frozen=True)
class PartiallySyntheticData(_Arrays):
    """σ_m and ‖p^(m) − p^(1)‖₁ per run for several (n, p) columns, with eq. (9) both ways.

    Shapes: ``initial`` (C, s); ``sigma``, ``deviation`` (C, G+1, runs); ``formula_printed``,
    ``formula_corrected`` (C, G+1); ``n_values``, ``s0``, ``bound`` (C,).
    """

    N: int
    n_values: NDArray[np.int64]
    initial: NDArray[np.float64]
    s0: NDArray[np.float64]
    sigma: NDArray[np.float64]
    deviation: NDArray[np.float64]
    formula_printed: NDArray[np.float64]
    formula_corrected: NDArray[np.float64]
    bound: NDArray[np.float64]

    def sigma_z(self, formula: str = "corrected") -> NDArray[np.float64]:
        """(C, G) (mean σ_m − formula)/SE for m ≥ 2 (where both forms are defined)."""
        target = getattr(self, f"formula_{formula}")[:, 2:]
        runs = self.sigma.shape[2]
        mean = self.sigma[:, 2:].mean(axis=2)
        se = self.sigma[:, 2:].std(axis=2, ddof=1) / np.sqrt(runs)
        return (mean - target) / se

    def summary(self) -> dict[str, float | int]:
        final_dev = self.deviation[:, -1].mean(axis=1)
        return {
            "N": self.N,
            "runs": int(self.sigma.shape[2]),
            "generations": int(self.sigma.shape[1] - 1),
            "max_abs_z_corrected": float(np.abs(self.sigma_z("corrected")).max()),
            "max_abs_z_printed": float(np.abs(self.sigma_z("printed")).max()),
            "max_gap_printed_corrected": float(
                np.abs(self.formula_printed[:, 2:] - self.formula_corrected[:, 2:]).max()),
            "final_deviation_min": float(final_dev.min()),
            "final_deviation_max": float(final_dev.max()),
            "bound_min": float(self.bound.min()),
        }


def partially_synthetic_data(*, n_values: tuple[int, ...], initial: NDArray[np.float64],
                             N: int, runs: int, generations: int, seed: int,
                             progress: bool | None = False) -> PartiallySyntheticData:
    """One Partially Synthetic simulation per column (n_values[c], initial[c])."""
    N = check_int("N", N, low=1)
    runs = check_int("runs", runs, low=2)
    generations = check_int("generations", generations, low=2)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    m = np.arange(generations + 1)
    sig, dev, printed, corrected, bound, s0s = [], [], [], [], [], []
    for n, p in zip(n_values, initial, strict=True):
        sim = simulate(PartiallySynthetic(int(n), N), np.tile(p, (runs, 1)), rng,
                       generations=generations, progress=progress)
        s0 = float(p @ p)
        sig.append(sim.sigma)
        dev.append(sim.deviation)
        printed.append(np.where(m >= 2, partially_synthetic_sigma_printed(m, int(n), N, s0),
                                np.nan))
        corrected.append(partially_synthetic_sigma(m, int(n), N, s0))
        bound.append(deviation_bound(int(n), N, p.size))
        s0s.append(s0)
    return PartiallySyntheticData(
        N=N, n_values=np.asarray(n_values, dtype=np.int64), initial=np.asarray(initial),
        s0=np.array(s0s), sigma=np.array(sig), deviation=np.array(dev),
        formula_printed=np.array(printed), formula_corrected=np.array(corrected),
        bound=np.array(bound),
    )


def fig3_data(*, N: int = 100, n_values: tuple[int, ...] = (10, 100, 1000), runs: int = 100,
              generations: int = 50, support: int = 52, s0: float = 0.1, seed: int = 0,
              progress: bool | None = False) -> PartiallySyntheticData:
    """Seddik et al. Figure 3: Partially Synthetic, one column per n, p with (s̃, S0)."""
    p = power_law(VOCAB_SIZE, support, s0)
    return partially_synthetic_data(n_values=n_values, initial=np.tile(p, (len(n_values), 1)),
                                    N=N, runs=runs, generations=generations, seed=seed,
                                    progress=progress)


def fig4_data(*, N: int = 100, n: int = 10, s0_values: tuple[float, ...] = FIG4_S0,
              support: int = 52, runs: int = 100, generations: int = 50, seed: int = 0,
              progress: bool | None = False) -> PartiallySyntheticData:
    """Seddik et al. Figure 4: Partially Synthetic, n = 10, one column per initial S0."""
    initial = np.array([power_law(VOCAB_SIZE, support, s0) for s0 in s0_values])
    return partially_synthetic_data(n_values=(n,) * len(s0_values), initial=initial, N=N,
                                    runs=runs, generations=generations, seed=seed,
                                    progress=progress)


SHOWN_RUNS = 3
"""Runs drawn one by one; the rest show as the 10–90 % band (100 lines would be a solid block)."""


def _run_lines(ax: Axes, values: NDArray[np.float64], ylabel: str | None, *,
               first: int = 0) -> None:
    """The 10–90 % band of the runs, a few single runs and the bold mean, over m = first..G.

    The deviation rows start at m = 2: ‖p^(m) − p^(1)‖₁ is 0 at m = 1 by definition, and m = 0
    (the distance from the ground truth to the first estimate) is another quantity.
    """
    m = np.arange(values.shape[0])[first:]
    values = values[first:]
    low, high = np.quantile(values, [0.1, 0.9], axis=1)
    ax.fill_between(m, low, high, color=RUN_COLOR, alpha=0.3, lw=0, label="10–90 % of runs")
    ax.plot(m, values[:, :SHOWN_RUNS], color=RUN_COLOR, lw=0.6, alpha=0.9)
    ax.plot(m, values.mean(axis=1), color=MEAN_COLOR, lw=1.8, label="mean over runs")
    ax.set_xlabel("generation m")
    if ylabel:
        ax.set_ylabel(ylabel)


def partially_synthetic_plot(data: PartiallySyntheticData, *, by: str) -> Figure:
    """Columns per n (``by='n'``, Figure 3) or per initial distribution (``by='p'``, Figure 4)."""
    cols = data.n_values.size
    rows = 3 if by == "p" else 2
    with project_style():
        fig, axes = plt.subplots(rows, cols, figsize=(min(10.0, 3.0 * cols), 2.5 * rows + 0.4),
                                 layout="constrained", squeeze=False, sharey="row")
        shown = _largest_support(data.initial)
        for c in range(cols):
            top = 0
            title = f"n = {data.n_values[c]}, N = {data.N}"
            if by == "p":
                _initial_panel(axes[0, c], data.initial[c], rf"$S_0$ = {data.s0[c]:.2f}", shown)
                axes[0, c].set_ylabel("$p_i$ (log scale)" if c == 0 else "")
                top = 1
                title = rf"$S_0$ = {data.s0[c]:.2f}, n = {data.n_values[c]}, N = {data.N}"
            ax = axes[top, c]
            _run_lines(ax, data.sigma[c], r"$\sigma_m = \|p^{(m)}\|_2^2$" if c == 0 else None)
            m = np.arange(data.sigma.shape[1])
            ax.plot(m, data.formula_printed[c], "--", color=FORMULA_COLOR, lw=1.2,
                    label="eq. (9) as printed")
            ax.plot(m, data.formula_corrected[c], ":", color="black", lw=1.2,
                    label="eq. (9) corrected")
            ax.set_title(title)
            if c == 0:
                ax.legend(loc="upper right")
            _run_lines(axes[top + 1, c], data.deviation[c],
                       r"$\|p^{(m)} - p^{(1)}\|_1$" if c == 0 else None, first=2)
    return fig


# --- Figure 6: Most Recent K and Randomly Sampled ----------------------------------------------


@dataclass(frozen=True)
class Fig6Data(_Arrays):
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


def fig6_data(*, n: int = 10, windows: tuple[int, int] = (2, 5), runs: int = 100,
              generations: int = 500, support: int = 52, s0: float = 0.1, seed: int = 0,
              progress: bool | None = False) -> Fig6Data:
    """Seddik et al. Figure 6 at the paper's parameters (500 generations, n = 10, 100 runs)."""
    runs = check_int("runs", runs, low=2)
    generations = check_int("generations", generations, low=1)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    p = power_law(VOCAB_SIZE, support, s0)
    start = np.tile(p, (runs, 1))
    schemes = fig6_schemes(n, windows)
    sims = [simulate(sc, start, rng, generations=generations, progress=progress)
            for sc in schemes]
    return Fig6Data(
        labels=np.array([sc.label() for sc in schemes]), n=n,
        windows=np.asarray(windows, dtype=np.int64), initial=p,
        sigma=np.array([s.sigma for s in sims]), deviation=np.array([s.deviation for s in sims]),
        collapse_time=np.array([s.collapse_time for s in sims]),
    )


def fig6_plot(data: Fig6Data) -> Figure:
    """Rows: σ_m, ‖p^(m) − p^(1)‖₁, histogram of T (mean marked); one column per scheme."""
    cols = data.sigma.shape[0]
    titles = ["Fully Synthetic (K = 1)", f"Most Recent, K = {data.windows[0]}",
              f"Most Recent, K = {data.windows[1]}", "Randomly Sampled"]
    with project_style():
        fig, axes = plt.subplots(3, cols, figsize=(2.5 * cols, 7.2), layout="constrained",
                                 squeeze=False)
        for c in range(cols):
            _run_lines(axes[0, c], data.sigma[c], r"$\sigma_m$" if c == 0 else None)
            axes[0, c].set_title(f"{titles[c]}, n = {data.n}")
            axes[0, c].set_ylim(0, 1.05)
            _run_lines(axes[1, c], data.deviation[c],
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
