"""The exact chain (``notebooks/theory_exact_chain.md``): the law of T without Monte Carlo.

Fully Synthetic on a small vocabulary is a finite Markov chain on the count vectors; its exact
law of T, E[T], eq. (6) and Proposition 1 beside a Monte Carlo of the same chain.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from collapse.explorer import Control, Explorer, Panel, Series
from collapse.markov import ExactChain, exact_chain
from collapse.pages.common import (
    Arrays,
)
from collapse.plotting import BOUND_COLOR, PALETTE, project_style
from collapse.report import Claim, readable
from collapse.schemes import FullySynthetic
from collapse.statistical import simulate
from collapse.theory.seddik import collapse_probability_bounds, collapse_time_bounds, expected_sigma
from collapse.validation import check_distribution, check_int, parse_numbers


@dataclass(frozen=True)
class ExactChainData(Arrays):
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
            # exact margins inside eqs. (7) and (8) (negative: a bound is violated)
            "rho_margin_min": float(np.minimum(self.cdf - self.rho_lower,
                                               self.rho_upper - self.cdf).min()),
            "T_margin_min": float(min(self.expected_T - self.bound_lower,
                                      self.bound_upper - self.expected_T)),
        }


def data(*, p: str | Sequence[float] = "0.5,0.3,0.2", n: int = 20,
         generations: int = 200, runs: int = 20000, seed: int = 0) -> ExactChainData:
    """Exact law of T for small (s, n), and ``runs`` Monte-Carlo chains for comparison."""
    if isinstance(p, str):
        p = parse_numbers("p", p)
    p_arr = check_distribution("p", np.asarray(p, dtype=np.float64), ndim=1)
    n = check_int("n", n, low=2)
    generations = check_int("generations", generations, low=1)
    runs = check_int("runs", runs, low=2)
    chain = chain_of(tuple(float(x) for x in p_arr), n)
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


def plot(data: ExactChainData) -> Figure:
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


@functools.lru_cache(maxsize=4)
def chain_of(p: tuple[float, ...], n: int) -> ExactChain:
    """The exact chain of (p, n), built once for the data and the summary."""
    return exact_chain(np.array(p), n)


def summary(data: ExactChainData) -> dict[str, float | int | str]:
    chain = chain_of(tuple(float(x) for x in data.p), data.n)
    generations = data.cdf.size - 1
    eq6_gap = float(np.abs(chain.expected_sigma(generations) - expected_sigma(
        np.arange(generations + 1), data.n, data.p @ data.p)).max())
    s = {**data.summary(), "eq6_gap": eq6_gap}
    return {**s, "eq6_gap_text": readable(eq6_gap, 2),
            "max_abs_prop1_error_text": readable(s["max_abs_prop1_error"], 2),
            "tail_mass_text": readable(s["tail_mass"], 2)}


EXPLORER_P = ((0.5, 0.3, 0.2), (0.8, 0.1, 0.1), (1 / 3, 1 / 3, 1 / 3), (0.6, 0.4))
EXPLORER_N = (4, 8, 12, 16, 20)


def explorer(data: ExactChainData, values: Mapping[str, Any]) -> Explorer:
    """Pick p and n: the exact ρ_m = P(T ≤ m) of the chain between eq. (7)'s bounds, and the
    exact E[T] between eq. (8)'s (no simulation)."""
    def panel(p: tuple[float, ...], n: int) -> Panel:
        chain = chain_of(tuple(float(x) for x in p), n)
        expected = chain.expected_collapse_time()
        generations = max(10, int(8 * expected))
        m = np.unique(np.linspace(0, generations, 81).round().astype(int))  # ≤ 81 points
        p_arr = np.array(p)
        s0 = float(p_arr @ p_arr)
        lower, upper = collapse_probability_bounds(m, n, s0, p_arr.size)
        t_low, t_up = collapse_time_bounds(n, s0, p_arr.size)
        return Panel(
            series=[Series("exact ρ_m", m, chain.collapse_cdf(generations)[m], color=PALETTE[0]),
                    Series("eq. (7) lower (clipped at 0)", m, np.clip(lower, 0, None),
                           style="dashed", color=BOUND_COLOR),
                    Series("eq. (7) upper", m, upper, style="dashed", color=BOUND_COLOR)],
            numbers=[("exact E[T]", f"{expected:.4f}"),
                     ("eq. (8) bounds", f"{t_low:.2f} to {t_up:.1f}")])

    labels = ["(" + ", ".join(f"{x:.2g}" for x in p) + ")" for p in EXPLORER_P]
    return Explorer.from_grid(
        "theory_exact_chain", "The exact law of T for another p and n",
        [Control("p", "initial p", list(EXPLORER_P), labels, kind="select"),
         Control("n", "samples n", list(EXPLORER_N), initial=len(EXPLORER_N) - 1)],
        panel, xlabel="generation m", ylabel="ρ_m = P(T ≤ m)",
        note=f"Exact chains: {len(EXPLORER_P)} distributions × {len(EXPLORER_N)} sample sizes.")


CLAIMS = (
    Claim("eq6", "eq. (6) exact on the chain (to 10⁻¹⁰)", lambda s: s["eq6_gap"] < 1e-10,
          quote="S_m = 1 − (1 − 1/n)^m (1 − S0)", source="Theorem 1, eq. (6)",
          measure=("largest |E σ_m − S_m| on the chain", "eq6_gap")),
    Claim("eq7", "eq. (7) holds for the exact ρ_m at every generation",
          lambda s: s["rho_margin_min"] >= -1e-12,
          quote="1 − n(1 − S0)(1 − 1/n)^m ≤ ρ_m ≤ 1 − (1 − S0)/(1 − 1/s̃) (1 − 1/n)^m",
          source="Theorem 1, eq. (7)",
          measure=("smallest margin of the exact ρ_m inside the bounds", "rho_margin_min")),
    Claim("eq8", "eq. (8) holds for the exact E[T]", lambda s: s["T_margin_min"] >= -1e-9,
          quote="1 + (1 − S0)/(1 − 1/s̃) (n − 1) ≤ E[T] ≤ 1 + (1 − S0) n(n − 1)",
          source="Theorem 1, eq. (8)",
          measure=("smallest margin of the exact E[T] inside the bounds", "T_margin_min")),
    Claim("prop1", "Proposition 1 exact on the chain (to 10⁻¹⁰)",
          lambda s: s["max_abs_prop1_error"] < 1e-10,
          quote="p^(m) converges almost surely to δ_i with probability p_i",
          source="Proposition 1",
          measure=("largest |P(collapse onto i) − p_i|", "max_abs_prop1_error")),
)
BOOKKEEPING = (  # the simulator against the exact chain: checks of our code, not of the paper
    Claim("mean_T", r"Monte-Carlo $\mathbb{E}[T]$ within 3 SE of the exact value",
          lambda s: abs(s["z_mean_T"]) < 3),
    Claim("law", "Monte-Carlo law within 4 SE of exact", lambda s: s["max_abs_z_cdf"] < 4),
)
