"""Seddik et al., Figure 1 (``notebooks/seddik_fig1.md``): Fully Synthetic on the 2-simplex.

Every context of a 3-token model (c = 3^ℓ contexts) is re-estimated from n samples per
generation until all have collapsed onto a vertex; the collapse times against eq. (8).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from numpy.typing import NDArray

from collapse.distributions import random_simplex, sum_of_squares, support_size
from collapse.explorer import Control, Explorer, Panel, Series, collapsed_by, mean_se, pm
from collapse.pages.common import legend_below
from collapse.plotting import BOUND_COLOR, PALETTE, draw_simplex, project_style, simplex_to_xy
from collapse.report import Claim, not_violated
from collapse.schemes import FullySynthetic
from collapse.statistical import NOT_COLLAPSED, simulate
from collapse.theory.seddik import (
    collapse_time_bounds,
)
from collapse.validation import check_float, check_int

FIG1_VOCAB_SIZE = 3
"""Figure 1 lives on the 2-simplex, so s = 3 is fixed; c = 3**ℓ contexts."""


@dataclass(frozen=True)
class Fig1Data:
    """Numbers behind Seddik et al. Figure 1 (Fully Synthetic, s = 3, c = 3**ℓ contexts).

    Attributes:
        n: samples per context per generation.
        trajectory: (generations + 1, c, 3) p^(m) for m = 0..generations, every context.
        collapse_time: (c,) T per context (first m with ‖p^(m)‖∞ = 1).
        collapse_token: (c,) the vertex each context collapsed onto (0-based token index).
        s0: (c,) S0 = ‖p^(0)‖₂² per context.
        bound_lower, bound_upper: (c,) the bounds of eq. (8) on E[T] for each context's p^(0).
    """

    n: int
    trajectory: NDArray[np.float64]
    collapse_time: NDArray[np.int64]
    collapse_token: NDArray[np.int64]
    s0: NDArray[np.float64]
    bound_lower: NDArray[np.float64]
    bound_upper: NDArray[np.float64]

    @property
    def contexts(self) -> int:
        return int(self.trajectory.shape[1])

    def summary(self) -> dict[str, float | int]:
        """The scalars quoted in the book, as plain Python numbers (ready for ``glue``)."""
        initial = self.trajectory[0]
        onto_argmax = self.collapse_token == initial.argmax(axis=1)
        return {
            "contexts": self.contexts,
            "n": self.n,
            "generations": int(self.trajectory.shape[0] - 1),
            "mean_T": float(self.collapse_time.mean()),
            "median_T": float(np.median(self.collapse_time)),
            "min_T": int(self.collapse_time.min()),
            "max_T": int(self.collapse_time.max()),
            "mean_bound_lower": float(self.bound_lower.mean()),
            "mean_bound_upper": float(self.bound_upper.mean()),
            "mean_s0": float(self.s0.mean()),
            # Proposition 1: P(collapse onto δ_i) = p_i, so the expected share of contexts that
            # collapse onto their initially most likely token is the mean of max_i p_i.
            "share_onto_argmax": float(onto_argmax.mean()),
            "expected_share_onto_argmax": float(initial.max(axis=1).mean()),
        }

    def arrays(self) -> dict[str, Any]:
        """Everything as a flat mapping of arrays (for .npz export and data baselines)."""
        return {
            "n": self.n,
            "trajectory": self.trajectory,
            "collapse_time": self.collapse_time,
            "collapse_token": self.collapse_token,
            "s0": self.s0,
            "bound_lower": self.bound_lower,
            "bound_upper": self.bound_upper,
        }


def data(
    *,
    n: int = 1000,
    context_length: int = 4,
    concentration: float = 1.0,
    max_generations: int = 100_000_000,
    seed: int = 2024,
    progress: bool | None = False,
) -> Fig1Data:
    """Simulate Seddik et al. Figure 1: every context of a 3-token model under Fully Synthetic.

    Args:
        n: samples per context per generation (paper: 1000).
        context_length: ℓ, so that c = 3**ℓ contexts are simulated together (paper: 4 → 81).
        concentration: p^(0) of each context ~ Dirichlet(concentration · 1); 1 = uniform on the
            simplex (the paper says only "some random distribution").
        max_generations: cap; a :class:`RuntimeError` is raised if a context is still alive
            (the memory limit of :func:`collapse.statistical.simulate` is reached first).
        seed: seeds the single ``numpy.random.Generator`` used for p^(0) and the sampling.
        progress: tqdm bar over generations (None: only on a terminal).
    """
    n = check_int("n", n, low=2)
    context_length = check_int("context_length", context_length, low=1, high=8)
    concentration = check_float("concentration", concentration, low=0.0, low_open=True)
    max_generations = check_int("max_generations", max_generations, low=1)
    seed = check_int("seed", seed, low=0)

    rng = np.random.default_rng(seed)
    contexts = FIG1_VOCAB_SIZE**context_length
    initial = random_simplex(contexts, FIG1_VOCAB_SIZE, rng, concentration=concentration)
    run = simulate(FullySynthetic(n), initial, rng, max_generations=max_generations,
                   record_distributions=True, progress=progress)
    assert run.trajectory is not None and (run.collapse_time != NOT_COLLAPSED).all()
    s0 = sum_of_squares(initial)
    lower, upper = collapse_time_bounds(n, s0, support_size(initial))
    return Fig1Data(
        n=n,
        trajectory=run.trajectory,
        collapse_time=run.collapse_time,
        collapse_token=run.collapse_token,
        s0=s0,
        bound_lower=lower,
        bound_upper=upper,
    )


def plot(data: Fig1Data) -> Figure:
    """Left: trajectories of p^(m) on the 2-simplex, coloured by the vertex they collapse onto.
    Right: the collapse generation T of every context against the bounds of eq. (8)."""
    summary = data.summary()
    with project_style():
        fig, (ax_simplex, ax_time) = plt.subplots(
            1, 2, figsize=(9.0, 4.4), gridspec_kw={"width_ratios": [1.25, 1.0]},
            layout="constrained",
        )
        draw_simplex(ax_simplex)
        xy = simplex_to_xy(data.trajectory)  # (G+1, c, 2)
        for context in range(data.contexts):
            color = PALETTE[int(data.collapse_token[context])]
            end = int(data.collapse_time[context]) + 1
            ax_simplex.plot(xy[:end, context, 0], xy[:end, context, 1], color=color,
                            lw=0.4, alpha=0.45, zorder=2)
        start = xy[0]
        ax_simplex.scatter(start[:, 0], start[:, 1], s=10, color="black", zorder=3,
                           label=r"$p^{(0)}$ of a context")
        ax_simplex.set_title(
            f"Fully Synthetic, s = 3, c = {data.contexts} contexts, n = {data.n}"
        )
        handles = [Line2D([], [], color="black", marker="o", ls="", ms=3,
                          label=r"$p^{(0)}$ of a context")]
        handles += [Line2D([], [], color=PALETTE[i], label=f"collapses onto token {i + 1}")
                    for i in range(3)]
        ax_simplex.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2)

        times = np.sort(data.collapse_time)
        ecdf = np.arange(1, times.size + 1) / times.size
        ax_time.step(times, ecdf, where="post", color=PALETTE[0],
                     label=f"$T$ per context (mean {summary['mean_T']:.0f})")
        ax_time.axvline(summary["mean_T"], color=PALETTE[0], ls=":", lw=1.0)
        ax_time.axvline(summary["mean_bound_lower"], color=BOUND_COLOR, ls="--",
                        label=r"eq. (8) lower bound on $\mathbb{E}[T]$ "
                              f"({summary['mean_bound_lower']:.0f})")
        ax_time.axvline(summary["mean_bound_upper"], color=BOUND_COLOR, ls="-.",
                        label=r"eq. (8) upper bound on $\mathbb{E}[T]$ "
                              f"({summary['mean_bound_upper']:.0f})")
        ax_time.set_xscale("log")
        ax_time.set_xlabel("collapse generation $T$")
        ax_time.set_ylabel("share of contexts collapsed")
        ax_time.set_title("Total-collapse time vs Theorem 1")
        legend_below(ax_time)
        ax_time.set_ylim(0, 1.02)
        ax_time.set_yticks(np.linspace(0, 1, 6))
    return fig


def summary(data: Fig1Data) -> dict[str, float | int]:
    s = data.summary()
    se = float(data.collapse_time.std(ddof=1) / np.sqrt(data.contexts))
    # Proposition 1: collapse onto argmax p with probability max p, independently per context
    q = data.trajectory[0].max(axis=1)
    share_se = float(np.sqrt((q * (1 - q)).sum()) / data.contexts)
    return {**s, "se_T": se, "ratio_to_lower": s["mean_T"] / s["mean_bound_lower"],
            "ratio_to_upper": s["mean_T"] / s["mean_bound_upper"],
            "T_margin_z": min(s["mean_T"] - s["mean_bound_lower"],
                              s["mean_bound_upper"] - s["mean_T"]) / se,
            "share_onto_argmax_se": share_se,
            "share_onto_argmax_z": (s["share_onto_argmax"] - s["expected_share_onto_argmax"])
            / share_se}


EXPLORER_N = (10, 30, 100, 300, 1000)


def explorer(data: Fig1Data, values: Mapping[str, Any]) -> Explorer:
    """Pick n: the share of the contexts collapsed by each generation, with eq. (8)'s bounds on
    the mean collapse time (same contexts, the page's seed)."""
    def panel(n: int) -> Panel:
        d = data if n == data.n else globals()["data"](
            n=n, context_length=values.get("context_length", 4),
            concentration=values.get("concentration", 1.0), seed=values.get("seed", 2024))
        t = d.collapse_time
        grid = np.unique(np.round(np.logspace(0, np.log10(t.max()), 60)).astype(int))
        share = collapsed_by(t, int(grid[-1]))[grid]
        mean, se = mean_se(t)
        return Panel(series=[Series("share of contexts collapsed", grid, share,
                                    color=PALETTE[0])],
                     numbers=[("mean T over the contexts", pm(mean, se, 4)),
                              ("eq. (8) bounds (mean over contexts)",
                               f"{d.bound_lower.mean():.0f} to {d.bound_upper.mean():.0f}")])

    return Explorer.from_grid(
        "seddik_fig1", "Collapse of every context, for another sample size n",
        [Control("n", "samples n", list(EXPLORER_N),
                 initial=EXPLORER_N.index(data.n) if data.n in EXPLORER_N else 0)],
        panel, xlabel="generation m", ylabel="share collapsed by m", xlog=True,
        note=f"{len(EXPLORER_N)} simulations of the page's {data.contexts} contexts, one per n.")


CLAIMS = (
    Claim("eq8_bounds", "eq. (8): the mean collapse time over the contexts is not outside the "
          "mean of their bounds by more than 3 SE",
          lambda s: not_violated(s["T_margin_z"]),
          quote="The trained conditional distributions converge towards Dirac measures over "
                "generations illustrating total collapse", source="Fig. 1 caption; eq. (8)",
          measure=("margin of mean T inside the mean bounds, in SE", "T_margin_z")),
    Claim("prop1_direction", "Proposition 1: the share of contexts that collapse onto their "
          "most likely token is within 3 SE of the mean of max p",
          lambda s: abs(s["share_onto_argmax_z"]) <= 3,
          quote="convergence towards the vertices of the probability simplex, i.e. Dirac "
                "measures", source="§3.1, Fig. 1; Proposition 1",
          measure=("share onto the most likely token", "share_onto_argmax",
                   "share_onto_argmax_se")),
)
BOOKKEEPING = (
    # the run continues until the last context collapses: this holds by construction
    Claim("total_collapse", "every context ends on a vertex (the run stops only then)",
          lambda s: s["max_T"] == s["generations"]),
)
