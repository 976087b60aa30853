"""Beyond the papers' own figures: the exact chain, and Wang's paradigm in Seddik's model."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from collapse.distributions import power_law
from collapse.figures.seddik_schemes import MEAN_COLOR, VOCAB_SIZE, _Arrays
from collapse.markov import exact_chain
from collapse.plotting import BOUND_COLOR, PALETTE, project_style
from collapse.schemes import AccumulateSubsample, FullySynthetic
from collapse.statistical import simulate
from collapse.theory.seddik import collapse_probability_bounds, collapse_time_bounds
from collapse.validation import check_distribution, check_float, check_int

# --- the exact chain ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExactChainData(_Arrays):
    """Exact law of T (Markov chain) beside a Monte Carlo of the same chain.

    ``pmf`` (G+1,) P(T = m) exactly for m = 0..G; ``cdf`` = ρ_m; ``rho_lower``/``rho_upper``
    eq. (7); ``mc_times`` (runs,) simulated T.
    """

    p: NDArray[np.float64]
    n: int
    states: int
    pmf: NDArray[np.float64]
    cdf: NDArray[np.float64]
    rho_lower: NDArray[np.float64]
    rho_upper: NDArray[np.float64]
    expected_T: float
    bound_lower: float
    bound_upper: float
    absorption: NDArray[np.float64]
    mc_times: NDArray[np.int64]

    def summary(self) -> dict[str, float | int]:
        runs = self.mc_times.size
        mc_mean = float(self.mc_times.mean())
        se = float(self.mc_times.std(ddof=1) / np.sqrt(runs))
        m = np.arange(self.cdf.size)
        mc_cdf = (self.mc_times[None, :] <= m[:, None]).mean(axis=1)
        cdf_se = np.sqrt(np.maximum(self.cdf * (1 - self.cdf), 1e-300) / runs)
        z = np.where(cdf_se > 1e-12, (mc_cdf - self.cdf) / np.maximum(cdf_se, 1e-12), 0.0)
        return {
            "n": self.n,
            "states": self.states,
            "runs": runs,
            "expected_T": self.expected_T,
            "mc_mean_T": mc_mean,
            "mc_se_T": se,
            "z_mean_T": (mc_mean - self.expected_T) / se,
            "max_abs_z_cdf": float(np.abs(z).max()),
            "bound_lower": self.bound_lower,
            "bound_upper": self.bound_upper,
            "tail_mass": float(1 - self.cdf[-1]),
            "max_abs_prop1_error": float(np.abs(self.absorption - self.p).max()),
        }


def exact_chain_data(*, p: tuple[float, ...] = (0.5, 0.3, 0.2), n: int = 20,
                     generations: int = 200, runs: int = 20000, seed: int = 0) -> ExactChainData:
    """Exact law of T for small (s, n), and ``runs`` Monte-Carlo chains for comparison."""
    p_arr = check_distribution("p", np.asarray(p, dtype=np.float64), ndim=1)
    n = check_int("n", n, low=2)
    generations = check_int("generations", generations, low=1)
    runs = check_int("runs", runs, low=2)
    chain = exact_chain(p_arr, n)
    cdf = chain.collapse_cdf(generations)
    m = np.arange(generations + 1)
    s0 = float(p_arr @ p_arr)
    support = int(np.count_nonzero(p_arr))
    rho_lower, rho_upper = collapse_probability_bounds(m, n, s0, support)
    lower, upper = collapse_time_bounds(n, s0, support)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    times = simulate(FullySynthetic(n), np.tile(p_arr, (runs, 1)), rng).collapse_time
    return ExactChainData(
        p=p_arr, n=n, states=int(chain.states.shape[0]), pmf=np.diff(cdf, prepend=0.0),
        cdf=cdf, rho_lower=rho_lower, rho_upper=rho_upper,
        expected_T=chain.expected_collapse_time(), bound_lower=float(lower),
        bound_upper=float(upper), absorption=chain.absorption_probabilities(), mc_times=times,
    )


def exact_chain_plot(data: ExactChainData) -> Figure:
    """Left: Monte-Carlo histogram of T vs the exact pmf, with E[T] and eq. (8).
    Right: ρ_m exactly, by Monte Carlo, and the bounds of eq. (7)."""
    summary = data.summary()
    with project_style():
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10.0, 3.8), layout="constrained")
        last = int(np.searchsorted(data.cdf, 0.999)) + 1
        edges = np.arange(0.5, last + 1.5)
        ax.hist(data.mc_times, bins=edges, density=True, color=PALETTE[5], alpha=0.7,
                label=f"Monte Carlo ({summary['runs']} runs)")
        m = np.arange(data.pmf.size)
        ax.plot(m[1: last + 1], data.pmf[1: last + 1], color="black", lw=1.2,
                label=rf"exact $\mathbb{{P}}(T = m)$ ({data.states} states)")
        ax.axvline(data.expected_T, color="black", ls=":", label=r"exact $\mathbb{E}[T]$ = "
                   f"{data.expected_T:.2f}")
        ax.axvline(data.bound_lower, color=BOUND_COLOR, ls="--", label="eq. (8) bounds")
        if data.bound_upper <= last:
            ax.axvline(data.bound_upper, color=BOUND_COLOR, ls="--")
        ax.set(xlabel="total-collapse time T", ylabel="probability", xlim=(0, last),
               title=f"Law of T, p = {tuple(float(x) for x in data.p)}, n = {data.n}")
        ax.legend(loc="upper right")

        mc = (data.mc_times[None, :] <= m[: last + 1, None]).mean(axis=1)
        ax2.plot(m[: last + 1], data.cdf[: last + 1], color="black", lw=1.2,
                 label=r"exact $\rho_m$")
        ax2.step(m[: last + 1], mc, where="post", color=PALETTE[5], label="Monte Carlo")
        ax2.plot(m[: last + 1], np.clip(data.rho_lower[: last + 1], 0, None), "--",
                 color=BOUND_COLOR, label="eq. (7) bounds")
        ax2.plot(m[: last + 1], data.rho_upper[: last + 1], "--", color=BOUND_COLOR)
        ax2.set(xlabel="generation m", ylabel=r"$\rho_m = P(T \leq m)$", ylim=(-0.02, 1.02),
                title="Collapse probability")
        ax2.legend(loc="lower right")
    return fig


# --- Accumulate-Subsample in the statistical model -------------------------------------------


@dataclass(frozen=True)
class AccumulateSubsampleData(_Arrays):
    """Replace (= Fully Synthetic with N samples) vs Accumulate-Subsample(k) for several k.

    Shapes: ``sigma``, ``deviation_mean``, ``support_mean``, ``collapsed_share`` (C, G+1) for
    the C columns [Replace, k_1, k_2, …]; ``rates`` (C − 1,).
    """

    N: int
    rates: NDArray[np.float64]
    initial: NDArray[np.float64]
    sigma: NDArray[np.float64]
    deviation_mean: NDArray[np.float64]
    support_mean: NDArray[np.float64]
    collapsed_share: NDArray[np.float64]

    def summary(self) -> dict[str, float | int]:
        out: dict[str, float | int] = {
            "N": self.N, "generations": int(self.sigma.shape[1] - 1),
            "initial_support": int(np.count_nonzero(self.initial)),
            # tokens present in the N real samples D0 (the support of p^(1), every scheme)
            "real_data_support": float(self.support_mean[0, 1]),
            "replace_final_support": float(self.support_mean[0, -1]),
            "replace_collapsed_share": float(self.collapsed_share[0, -1]),
        }
        out["rates_final_support_min"] = float(self.support_mean[1:, -1].min())
        out["rates_final_support_max"] = float(self.support_mean[1:, -1].max())
        out["rates_final_deviation_max"] = float(self.deviation_mean[1:, -1].max())
        out["rates_collapsed_share_max"] = float(self.collapsed_share[1:, -1].max())
        for c in range(1, self.rates.size + 1):
            out[f"k{c}_final_support"] = float(self.support_mean[c, -1])
            out[f"k{c}_final_deviation"] = float(self.deviation_mean[c, -1])
            out[f"k{c}_collapsed_share"] = float(self.collapsed_share[c, -1])
        return out


def accumulate_subsample_data(*, N: int = 100, rates: tuple[float, ...] = (0.1, 0.5, 1.0, 2.0),
                              generations: int = 200, runs: int = 100, support: int = 52,
                              s0: float = 0.1, seed: int = 0,
                              progress: bool | None = False) -> AccumulateSubsampleData:
    """Simulate Replace and Accumulate-Subsample(k) from the same p (s = 600, s̃, S0)."""
    N = check_int("N", N, low=1)
    for k in rates:
        check_float("rate k", k, low=0.0, low_open=True)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    p = power_law(VOCAB_SIZE, support, s0)
    start = np.tile(p, (check_int("runs", runs, low=2), 1))
    schemes = [FullySynthetic(N), *(AccumulateSubsample(N, k) for k in rates)]
    sims = [simulate(sc, start, rng, generations=generations, progress=progress)
            for sc in schemes]
    return AccumulateSubsampleData(
        N=N, rates=np.asarray(rates, dtype=np.float64), initial=p,
        sigma=np.array([s.sigma.mean(axis=1) for s in sims]),
        deviation_mean=np.array([s.deviation.mean(axis=1) for s in sims]),
        support_mean=np.array([s.support.mean(axis=1) for s in sims]),
        collapsed_share=np.array([(s.sup_norm == 1.0).mean(axis=1) for s in sims]),
    )


def accumulate_subsample_plot(data: AccumulateSubsampleData) -> Figure:
    """Mean σ_m, mean deviation from p^(1) and mean surviving support, per paradigm."""
    labels = ["Replace (Fully Synthetic)", *(f"Accumulate-Subsample, k = {k:g}"
                                            for k in data.rates)]
    colors = [MEAN_COLOR, *PALETTE[: data.rates.size]]
    m = np.arange(data.sigma.shape[1])
    with project_style():
        fig, axes = plt.subplots(1, 3, figsize=(10.0, 3.6), layout="constrained")
        for c, (label, color) in enumerate(zip(labels, colors, strict=True)):
            style = "-" if c else "--"
            axes[0].plot(m, data.sigma[c], style, color=color)
            axes[1].plot(m, data.deviation_mean[c], style, color=color, label=label)
            axes[2].plot(m, data.support_mean[c], style, color=color)
        axes[0].set(xlabel="generation m", ylabel=r"mean $\sigma_m$", yscale="log",
                    title="Concentration")
        axes[1].set(xlabel="generation m", ylabel=r"mean $\|p^{(m)} - p^{(1)}\|_1$",
                    title="Drift from the first model")
        axes[2].set(xlabel="generation m", ylabel=r"mean $|\mathrm{supp}\, p^{(m)}|$",
                    title="Tokens still alive", ylim=(0, None))
        axes[1].legend(loc="center right")
    return fig
