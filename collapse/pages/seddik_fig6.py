"""Seddik et al., Figure 6 (``notebooks/seddik_fig6.md``): Most Recent K and Randomly Sampled.

σ_m, the deviation from p^(1) and the total-collapse time per run for Fully Synthetic (K = 1),
two Most Recent windows and Randomly Sampled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from numpy.typing import NDArray
from scipy.stats import binom

from collapse.distributions import power_law
from collapse.explorer import Control, Explorer, Panel, Series, collapsed_by, mean_se, pm
from collapse.pages.common import (
    MEAN_COLOR,
    VOCAB_SIZE,
    Arrays,
    run_lines,
)
from collapse.plotting import PALETTE, project_style
from collapse.report import Claim
from collapse.report import Z as REPORT_Z
from collapse.schemes import (
    DRAWS,
    FullySynthetic,
    MostRecent,
    RandomlySampled,
    Scheme,
)
from collapse.statistical import NOT_COLLAPSED, simulate
from collapse.validation import check_choice, check_int

COLUMNS = ("fully", "recent_a", "recent_b", "random")
"""The paper's four columns: Fully Synthetic (= Most Recent K = 1), two windows, Randomly
Sampled."""
PAPER_RUNS = 100
"""Fig. 6's caption: "A hundred experiments were run for 500 generations"."""
Z = REPORT_Z
"""A difference of means counts as resolved beyond Z standard errors (the book's rule)."""
BAR = 2.0
"""Error bars on the figure: ±2 SE (about 95 %)."""


@dataclass(frozen=True)
class Fig6Data(Arrays):
    """Both readings of eq. (5) (``readings``: reused, fresh), the paper's four columns each.

    ``sigma``, ``deviation`` (4, G+1, runs) are those of the reading ``shown``;
    ``collapse_time`` (2, 4, runs) is every reading's, −1 = never. Fully Synthetic is the same
    scheme under both readings (K = 1): it is simulated once and appears in both rows.
    """

    readings: NDArray[np.str_]
    shown: str
    n: int
    windows: NDArray[np.int64]
    initial: NDArray[np.float64]
    sigma: NDArray[np.float64]
    deviation: NDArray[np.float64]
    collapse_time: NDArray[np.int64]


def fig6_schemes(n: int = 10, windows: tuple[int, int] = (2, 5), draws: str = "fresh"
                 ) -> list[Scheme]:
    """Fully Synthetic (= Most Recent K = 1), Most Recent for two windows, Randomly Sampled."""
    if not isinstance(windows, tuple | list) or len(windows) != 2:
        raise ValueError(f"windows must be two Most Recent windows (K_a, K_b), got {windows!r}")
    return [FullySynthetic(n), MostRecent(n, windows[0], draws), MostRecent(n, windows[1], draws),
            RandomlySampled(n, draws)]


def data(*, n: int = 10, window_a: int = 2, window_b: int = 5, draws: str = "fresh",
         runs: int = 2000, generations: int = 500, support: int = 52, s0: float = 0.1,
         seed: int = 0, progress: bool | None = False) -> Fig6Data:
    """Seddik et al. Figure 6 under both readings of eq. (5); ``draws`` is the one drawn in full.

    One Generator, in a fixed order: Fully Synthetic, then the three other columns under the
    reused reading, then under the fresh one.
    """
    runs = check_int("runs", runs, low=2)
    generations = check_int("generations", generations, low=1)
    check_choice("draws", draws, DRAWS)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    p = power_law(VOCAB_SIZE, support, s0)
    start = np.tile(p, (runs, 1))
    windows = (window_a, window_b)
    fully = simulate(FullySynthetic(n), start, rng, generations=generations, progress=progress)
    sims = {reading: [fully] + [simulate(sc, start, rng, generations=generations,
                                         progress=progress)
                                for sc in fig6_schemes(n, windows, reading)[1:]]
            for reading in DRAWS}
    return Fig6Data(
        readings=np.array(DRAWS), shown=draws, n=n, windows=np.asarray(windows, dtype=np.int64),
        initial=p, sigma=np.array([s.sigma for s in sims[draws]]),
        deviation=np.array([s.deviation for s in sims[draws]]),
        collapse_time=np.array([[s.collapse_time for s in sims[r]] for r in DRAWS]))


def collapse_statistics(times: NDArray[np.int64]) -> dict[str, float | int]:
    """Count, share, mean and SE of T over the runs that collapsed (NaN when too few)."""
    done = times[times != NOT_COLLAPSED]
    return {"collapsed": int(done.size), "share": float(done.size / times.size),
            "mean_T": float(done.mean()) if done.size else float("nan"),
            "se_T": float(done.std(ddof=1) / np.sqrt(done.size)) if done.size > 1
            else float("nan")}


def paper_count_p_value(share: float, runs: int = PAPER_RUNS, seen: int = 1) -> float:
    """P(at most ``seen`` of ``runs`` collapse) if each collapses with probability ``share``:
    how plausible the paper's "only one Dirac mass" in 100 runs is at our rate."""
    return float(binom.cdf(seen, runs, share))


def summary(data: Fig6Data) -> dict[str, float | int | str]:
    """Per reading r (``reused_``, ``fresh_``) and column: collapsed runs, mean T ± SE; the
    window delays with their SEs; the paper's Randomly Sampled count against our rate."""
    runs = int(data.collapse_time.shape[2])
    s: dict[str, float | int | str] = {"runs": runs, "generations": int(data.sigma.shape[1] - 1),
                                       "shown": data.shown}
    for r, reading in enumerate(data.readings):
        stats = {c: collapse_statistics(data.collapse_time[r, i]) for i, c in enumerate(COLUMNS)}
        for column, values in stats.items():
            for key, value in values.items():
                s[f"{reading}_{column}_{key}"] = value
        for name, later, earlier in (("a", "recent_a", "fully"), ("b", "recent_b", "recent_a")):
            gap = stats[later]["mean_T"] - stats[earlier]["mean_T"]
            se = float(np.hypot(stats[later]["se_T"], stats[earlier]["se_T"]))
            s[f"{reading}_delay_{name}"] = float(gap)
            s[f"{reading}_delay_{name}_se"] = se
            s[f"{reading}_delay_{name}_z"] = float(gap / se)
        s[f"{reading}_delay_z_min"] = min(s[f"{reading}_delay_a_z"], s[f"{reading}_delay_b_z"])
        share = float(stats["random"]["share"])
        s[f"{reading}_random_share_se"] = float(np.sqrt(share * (1 - share) / runs))
        s[f"{reading}_paper_count_p"] = paper_count_p_value(share)
    for name, K in (("a", int(data.windows[0])), ("b", int(data.windows[1]))):
        s[f"window_{name}"] = K
    return s


def plot(data: Fig6Data) -> Figure:
    """Rows 1–3 for the reading ``shown``: σ_m, ‖p^(m) − p^(1)‖₁, histogram of T (mean marked),
    one column per scheme. Row 4, both readings: mean T ± 2 SE against K, and the share of
    Randomly Sampled runs that collapse (95 % interval) beside the paper's 1 in 100."""
    cols = data.sigma.shape[0]
    titles = ["Fully Synthetic (K = 1)", f"Most Recent, K = {data.windows[0]}",
              f"Most Recent, K = {data.windows[1]}", "Randomly Sampled"]
    shown = int(np.flatnonzero(data.readings == data.shown)[0])
    with project_style():
        fig = plt.figure(figsize=(10.0, 10.0), layout="constrained")
        grid = fig.add_gridspec(4, cols)
        axes = np.array([[fig.add_subplot(grid[r, c]) for c in range(cols)] for r in range(3)])
        for c in range(cols):
            run_lines(axes[0, c], data.sigma[c], r"$\sigma_m$" if c == 0 else None)
            axes[0, c].set_title(f"{titles[c]}, n = {data.n}")
            axes[0, c].set_ylim(0, 1.05)
            run_lines(axes[1, c], data.deviation[c],
                      r"$\|p^{(m)} - p^{(1)}\|_1$" if c == 0 else None, first=2)
            axes[1, c].set_ylim(0, 2.05)
            ax = axes[2, c]
            t = data.collapse_time[shown, c]
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
            ax.set_title(f"{done.size} of {t.size} collapsed ({data.shown})")
            if c == 0:
                ax.set_ylabel("runs")
        _readings_panels(fig.add_subplot(grid[3, :2]), fig.add_subplot(grid[3, 2:]), data)
    return fig


def _readings_panels(ax_t: Axes, ax_share: Axes, data: Fig6Data) -> None:
    """Both readings side by side: mean T against K, and Randomly Sampled's collapse share."""
    ks = np.array([1, *data.windows])
    for r, reading in enumerate(data.readings):
        stats = [collapse_statistics(data.collapse_time[r, i]) for i in range(4)]
        means = np.array([st["mean_T"] for st in stats[:3]])
        ses = np.array([st["se_T"] for st in stats[:3]])
        ax_t.errorbar(ks + (r - 0.5) * 0.15, means, yerr=BAR * ses, fmt="o-", capsize=3,
                      color=PALETTE[r], label=f"{reading} draws")
        share = float(stats[3]["share"])
        runs = data.collapse_time.shape[2]
        half = BAR * np.sqrt(max(share * (1 - share), 1e-12) / runs)
        ax_share.errorbar([share], [r], xerr=[[min(half, share)], [half]], fmt="o", capsize=3,
                          color=PALETTE[r])
    ax_t.set(xlabel="window K (1 = Fully Synthetic)", ylabel=r"mean $T$ ($\pm$ 2 SE)",
             title="Both readings of eq. (5): collapse time")
    ax_t.set_xticks(ks)
    ax_t.legend(loc="upper left")
    ax_share.axvline(1 / PAPER_RUNS, color=MEAN_COLOR, ls="--", label="the paper: 1 of 100")
    ax_share.set_yticks(range(len(data.readings)), [f"{r} draws" for r in data.readings])
    ax_share.set_ylim(-0.6, len(data.readings) - 0.4)
    ax_share.set(xlabel="share of runs that collapse ($\\pm$ 2 SE)",
                 title=f"Randomly Sampled within {data.sigma.shape[1] - 1} generations")
    ax_share.legend(loc="lower right")


def _delay(reading: str) -> Callable[[Mapping[str, Any]], bool | None]:
    """Both steps of the window (1 → K_a → K_b) delay collapse: confirmed when each mean gap
    exceeds Z SE, refuted when either is below −Z SE, else not resolved."""
    def rule(s: Mapping[str, Any]) -> bool | None:
        z = (s[f"{reading}_delay_a_z"], s[f"{reading}_delay_b_z"])
        if min(z) > Z:
            return True
        if min(z) < -Z:
            return False
        return None
    return rule


def _still_collapses(reading: str) -> Callable[[Mapping[str, Any]], bool | None]:
    """Every Most Recent run collapses within the horizon (confirmed); a run still alive at the
    end cannot refute "eventually": not resolved."""
    def rule(s: Mapping[str, Any]) -> bool | None:
        every = all(s[f"{reading}_{c}_collapsed"] == s["runs"] for c in ("recent_a", "recent_b"))
        return True if every else None
    return rule


def _one_dirac(reading: str) -> Callable[[Mapping[str, Any]], bool | None]:
    """The paper's 1 collapse in 100 runs is plausible at our rate (P(≤ 1 of 100) ≥ 0.05:
    confirmed), implausible (< 0.01: refuted), or in between (not resolved)."""
    def rule(s: Mapping[str, Any]) -> bool | None:
        p = s[f"{reading}_paper_count_p"]
        return True if p >= 0.05 else (False if p < 0.01 else None)
    return rule


EXPLORER_K = (1, 2, 3, 5, 8)
EXPLORER_RUNS = 300


def explorer(data: Fig6Data, values: Mapping[str, Any]) -> Explorer:
    """Pick the window K and the reading of eq. (5): the share of Most Recent K runs collapsed
    by each generation, and the mean collapse time (300 runs per point)."""
    generations = int(data.sigma.shape[1] - 1)
    p = power_law(VOCAB_SIZE, int(values.get("support", 52)), float(values.get("s0", 0.1)))
    m = np.arange(generations + 1)

    def panel(K: int, draws: str) -> Panel:
        sim = simulate(MostRecent(data.n, K, draws), np.tile(p, (EXPLORER_RUNS, 1)),
                       np.random.default_rng([int(values.get("seed", 0)), K, DRAWS.index(draws)]),
                       generations=generations)
        t = sim.collapse_time
        done = t[t != NOT_COLLAPSED]
        mean, se = mean_se(done) if done.size > 1 else (float("nan"), float("nan"))
        return Panel(series=[Series(f"Most Recent K = {K}, {draws} draws", m,
                                    collapsed_by(t, generations), color=PALETTE[0])],
                     numbers=[("mean T of the runs that collapsed", pm(mean, se)),
                              (f"runs collapsed within {generations} generations",
                               f"{done.size} of {EXPLORER_RUNS}")])

    return Explorer.from_grid(
        "seddik_fig6", "Most Recent K: collapse for another window and reading",
        [Control("K", "window K", list(EXPLORER_K), initial=1),
         Control("draws", "reading of eq. (5)", list(DRAWS), [f"{d} draws" for d in DRAWS],
                 kind="select", initial=DRAWS.index(data.shown))],
        panel, xlabel="generation m", ylabel="share of runs collapsed by m",
        note=f"{len(EXPLORER_K) * len(DRAWS)} simulations of {EXPLORER_RUNS} runs over "
             f"{generations} generations, n = {data.n}.")


CLAIMS = (
    Claim("fully_collapses", "column 1 (Fully Synthetic): every run collapses within the horizon",
          lambda s: s["reused_fully_collapsed"] == s["runs"],
          quote="Column 1 corresponds to Fully Synthetic", source="§3.3, Fig. 6",
          measure=("runs collapsed", "reused_fully_collapsed")),
    *(claim for reading in DRAWS for claim in (
        Claim(f"{reading}_delays", f"{reading} draws: \"when the window size K is increased, "
              f"total collapse is delayed\" (mean T rises at each step of K by more than "
              f"{Z:g} SE)", _delay(reading),
              quote="when the window size K is increased, total collapse is delayed",
              source="§3.3, Fig. 6",
              measure=("smallest step of mean T in K, in SE", f"{reading}_delay_z_min")),
        Claim(f"{reading}_still_collapses", f"{reading} draws: \"but still eventually happens\" "
              "(every Most Recent run collapses within the horizon)", _still_collapses(reading),
              quote="but still eventually happens", source="§3.3, Fig. 6",
              measure=("Most Recent runs collapsed, larger K", f"{reading}_recent_b_collapsed")),
        Claim(f"{reading}_one_dirac", f"{reading} draws: Randomly Sampled, \"the 100 runs "
              "produce only one Dirac mass over the span of 500 generations\" (plausible at our "
              "collapse rate: P(at most 1 of 100) ≥ 0.05)", _one_dirac(reading),
              quote="the 100 runs produce only one Dirac mass over the span of 500 generations",
              source="§3.3, Fig. 6 (column 4)",
              measure=("share of Randomly Sampled runs collapsed", f"{reading}_random_share",
                       f"{reading}_random_share_se")),
    )),
)
