"""Figures of Seddik et al. (2024): for each, ``figN_data`` (the numbers) and ``figN_plot``.

Tests call the same two functions as the notebooks: the data against committed baselines, the
drawing against image baselines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from numpy.typing import NDArray

from collapse.distributions import random_simplex, sum_of_squares, support_size
from collapse.plotting import BOUND_COLOR, PALETTE, draw_simplex, project_style, simplex_to_xy
from collapse.schemes import FullySynthetic
from collapse.statistical import NOT_COLLAPSED, simulate
from collapse.theory.seddik import (
    collapse_probability_bounds,
    collapse_time_bounds,
    expected_sigma,
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


def fig1_data(
    *,
    n: int = 1000,
    context_length: int = 4,
    concentration: float = 1.0,
    max_generations: int = 100_000_000,
    seed: int = 0,
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


def fig1_plot(data: Fig1Data) -> Figure:
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
        ax_time.legend(loc="upper left")
        ax_time.set_ylim(0, 1.35)
        ax_time.set_yticks(np.linspace(0, 1, 6))
    return fig


THEOREM1_N_VALUES: tuple[int, ...] = (2, 5, 10, 20, 50)
"""Sample sizes at which the theory page compares E[T] with the bounds of eq. (8)."""


@dataclass(frozen=True)
class Theorem1Data:
    """Monte Carlo of Seddik et al. Theorem 1 against its closed forms, for one p^(0).

    Attributes:
        p: (s,) the ground truth p^(0) shared by every run.
        n: sample size of the S_m and ρ_m panels.
        runs: independent chains per sample size.
        sigma_mean, sigma_se: (G+1,) mean and standard error of σ_m over the runs.
        sigma_theory: (G+1,) S_m of eq. (6).
        rho: (G+1,) share of runs collapsed by generation m; rho_lower/rho_upper: eq. (7).
        n_values: sample sizes of the E[T] panel; mean_T, se_T: Monte Carlo E[T] and its SE;
        T_lower, T_upper: eq. (8).
    """

    p: NDArray[np.float64]
    n: int
    runs: int
    sigma_mean: NDArray[np.float64]
    sigma_se: NDArray[np.float64]
    sigma_theory: NDArray[np.float64]
    rho: NDArray[np.float64]
    rho_lower: NDArray[np.float64]
    rho_upper: NDArray[np.float64]
    n_values: NDArray[np.int64]
    mean_T: NDArray[np.float64]
    se_T: NDArray[np.float64]
    T_lower: NDArray[np.float64]
    T_upper: NDArray[np.float64]

    def sigma_z(self) -> NDArray[np.float64]:
        """(Monte Carlo − eq. 6) / SE for the generations where σ_m is random."""
        ok = self.sigma_se > 1e-12  # m = 0 is deterministic (its SE is float round-off)
        return (self.sigma_mean[ok] - self.sigma_theory[ok]) / self.sigma_se[ok]

    def summary(self) -> dict[str, float | int]:
        z = self.sigma_z()
        slack = 3 * self.se_T
        return {
            "runs": self.runs,
            "n": self.n,
            "s0": float(self.p @ self.p),
            "sigma_max_abs_z": float(np.abs(z).max()),
            "sigma_generations_compared": int(z.size),
            "rho_within_bounds": int(((self.rho >= self.rho_lower - 1e-12)
                                      & (self.rho <= self.rho_upper + 1e-12)).sum()),
            "rho_generations": int(self.rho.size),
            "T_within_bounds": int(((self.mean_T + slack >= self.T_lower)
                                    & (self.mean_T - slack <= self.T_upper)).sum()),
            "T_sizes": int(self.n_values.size),
            "T_ratio_to_lower_max": float((self.mean_T / self.T_lower).max()),
        }


def theorem1_data(
    *,
    p: tuple[float, ...] = (0.5, 0.3, 0.2),
    n: int = 10,
    runs: int = 4000,
    generations: int = 30,
    n_values: tuple[int, ...] = THEOREM1_N_VALUES,
    seed: int = 0,
    progress: bool | None = False,
) -> Theorem1Data:
    """Simulate ``runs`` Fully Synthetic chains from ``p`` and collect what Theorem 1 predicts."""
    runs = check_int("runs", runs, low=2)
    generations = check_int("generations", generations, low=1)
    n = check_int("n", n, low=2)
    for value in n_values:
        check_int("n_values entry", value, low=2)
    seed = check_int("seed", seed, low=0)
    p_arr = np.asarray(p, dtype=np.float64)
    rng = np.random.default_rng(seed)
    initial = np.tile(p_arr, (runs, 1))
    s0 = float(p_arr @ p_arr)
    support = int(np.count_nonzero(p_arr))

    run = simulate(FullySynthetic(n), initial, rng, progress=progress)
    sigma = run.padded("sigma", generations)
    m = np.arange(generations + 1)
    times = run.collapse_time
    rho = (times[None, :] <= m[:, None]).mean(axis=1)
    rho_lower, rho_upper = collapse_probability_bounds(m, n, s0, support)

    mean_T, se_T = [], []
    for size in n_values:
        t = simulate(FullySynthetic(size), initial, rng, progress=progress).collapse_time
        mean_T.append(t.mean())
        se_T.append(t.std(ddof=1) / np.sqrt(runs))
    n_arr = np.asarray(n_values, dtype=np.int64)
    bounds = [collapse_time_bounds(int(size), s0, support) for size in n_arr]
    return Theorem1Data(
        p=p_arr, n=n, runs=runs,
        sigma_mean=sigma.mean(axis=1), sigma_se=sigma.std(axis=1, ddof=1) / np.sqrt(runs),
        sigma_theory=expected_sigma(m, n, s0),
        rho=rho, rho_lower=rho_lower, rho_upper=rho_upper,
        n_values=n_arr, mean_T=np.asarray(mean_T), se_T=np.asarray(se_T),
        T_lower=np.array([float(b[0]) for b in bounds]),
        T_upper=np.array([float(b[1]) for b in bounds]),
    )


def theorem1_plot(data: Theorem1Data) -> Figure:
    """Three panels: S_m (eq. 6), ρ_m with the bounds of eq. (7), E[T] with the bounds of (8)."""
    m = np.arange(data.sigma_mean.size)
    with project_style():
        fig, axes = plt.subplots(1, 3, figsize=(10.0, 3.6), layout="constrained")
        ax = axes[0]
        ax.errorbar(m, data.sigma_mean, yerr=3 * data.sigma_se, fmt="o", ms=3,
                    color=PALETTE[0],
                    label=rf"Monte Carlo mean of $\sigma_m$ (±3 SE, {data.runs} runs)")
        ax.plot(m, data.sigma_theory, color=BOUND_COLOR, ls="--", label="eq. (6)")
        ax.set(xlabel="generation m", ylabel=r"$S_m = \mathbb{E}\,\|p^{(m)}\|_2^2$",
               title=f"Sum of squares, n = {data.n}")
        ax.legend(loc="lower right")

        ax = axes[1]
        ax.step(m, data.rho, where="post", color=PALETTE[0], label="Monte Carlo P(T ≤ m)")
        ax.plot(m, np.clip(data.rho_lower, 0, None), color=BOUND_COLOR, ls="--",
                label="eq. (7) lower (clipped at 0)")
        ax.plot(m, data.rho_upper, color=BOUND_COLOR, ls="-.", label="eq. (7) upper")
        ax.set(xlabel="generation m", ylabel=r"$\rho_m$", ylim=(-0.02, 1.02),
               title=f"Collapse probability, n = {data.n}")
        ax.legend(loc="lower right")

        ax = axes[2]
        ax.errorbar(data.n_values, data.mean_T, yerr=3 * data.se_T, fmt="o", ms=4,
                    color=PALETTE[0], label="Monte Carlo E[T] (±3 SE)")
        ax.plot(data.n_values, data.T_lower, color=BOUND_COLOR, ls="--", label="eq. (8) lower")
        ax.plot(data.n_values, data.T_upper, color=BOUND_COLOR, ls="-.", label="eq. (8) upper")
        ax.set(xscale="log", yscale="log", xlabel="sample size n", ylabel="E[T]",
               title="Expected collapse time")
        ax.set_xticks(data.n_values, [str(v) for v in data.n_values])
        ax.minorticks_off()
        ax.legend(loc="upper left")
    return fig
