"""Theory pages: Theorem 2 (eq. 9 printed vs corrected) and Theorem 3 (bound and eq. 11)."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from collapse.figures.seddik_schemes import FORMULA_COLOR, MEAN_COLOR, _Arrays
from collapse.plotting import PALETTE, project_style
from collapse.schemes import PartiallySynthetic
from collapse.statistical import simulate
from collapse.theory.seddik import (
    deviation_bound,
    max_synthetic_samples,
    max_synthetic_samples_eq11,
    partially_synthetic_sigma,
    partially_synthetic_sigma_printed,
)
from collapse.validation import check_distribution, check_int


@dataclass(frozen=True)
class Theorem2Data(_Arrays):
    """Monte Carlo S_m in the Partially Synthetic setting at small N, vs eq. (9) both ways.

    Shapes: (C, G+1) per column (one per N in ``N_values``) for ``mc_mean``, ``mc_se``,
    ``printed`` (NaN for m < 2), ``corrected``.
    """

    p: NDArray[np.float64]
    n: int
    N_values: NDArray[np.int64]
    runs: int
    mc_mean: NDArray[np.float64]
    mc_se: NDArray[np.float64]
    printed: NDArray[np.float64]
    corrected: NDArray[np.float64]

    def z(self, which: str) -> NDArray[np.float64]:
        """(C, G−1) z-scores of the Monte-Carlo mean against a form, for m ≥ 2."""
        return (self.mc_mean[:, 2:] - getattr(self, which)[:, 2:]) / self.mc_se[:, 2:]

    def summary(self) -> dict[str, float | int]:
        return {
            "n": self.n, "runs": self.runs, "s0": float(self.p @ self.p),
            "max_abs_z_corrected": float(np.abs(self.z("corrected")).max()),
            "max_abs_z_printed": float(np.abs(self.z("printed")).max()),
            "max_gap": float(np.nanmax(np.abs(self.printed - self.corrected))),
            "first_N": int(self.N_values[0]),
        }


def theorem2_data(*, p: tuple[float, ...] = (0.5, 0.3, 0.2), n: int = 10,
                  N_values: tuple[int, ...] = (2, 3, 5, 20), runs: int = 200_000,
                  generations: int = 8, seed: int = 0) -> Theorem2Data:
    """Monte Carlo of σ_m under PartiallySynthetic(n, N) at small N, where eq. (9)'s error shows."""
    p_arr = check_distribution("p", np.asarray(p, dtype=np.float64), ndim=1)
    runs = check_int("runs", runs, low=10)
    generations = check_int("generations", generations, low=2)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    m = np.arange(generations + 1)
    s0 = float(p_arr @ p_arr)
    mean, se, printed, corrected = [], [], [], []
    for N in N_values:
        sim = simulate(PartiallySynthetic(n, int(N)), np.tile(p_arr, (runs, 1)), rng,
                       generations=generations)
        mean.append(sim.sigma.mean(axis=1))
        se.append(sim.sigma.std(axis=1, ddof=1) / np.sqrt(runs))
        printed.append(np.where(m >= 2, partially_synthetic_sigma_printed(m, n, int(N), s0),
                                np.nan))
        corrected.append(partially_synthetic_sigma(m, n, int(N), s0))
    return Theorem2Data(p=p_arr, n=n, N_values=np.asarray(N_values, dtype=np.int64), runs=runs,
                        mc_mean=np.array(mean), mc_se=np.array(se), printed=np.array(printed),
                        corrected=np.array(corrected))


def theorem2_plot(data: Theorem2Data) -> Figure:
    """One panel per N: Monte-Carlo S_m (±3 SE) against eq. (9) as printed and corrected."""
    cols = data.N_values.size
    m = np.arange(data.mc_mean.shape[1])
    with project_style():
        fig, axes = plt.subplots(1, cols, figsize=(min(10.0, 3.0 * cols), 3.2),
                                 layout="constrained",
                                 squeeze=False)
        for c, ax in enumerate(axes[0]):
            ax.errorbar(m, data.mc_mean[c], yerr=3 * data.mc_se[c], fmt="o", ms=3,
                        color=MEAN_COLOR, label=f"Monte Carlo (±3 SE, {data.runs} runs)")
            ax.plot(m, data.printed[c], "--", color=FORMULA_COLOR, label="eq. (9) as printed")
            ax.plot(m, data.corrected[c], ":", color="black", lw=1.5, label="eq. (9) corrected")
            ax.set(xlabel="generation m", title=f"N = {data.N_values[c]}, n = {data.n}")
            if c == 0:
                ax.set_ylabel(r"$S_m = \mathbb{E}\,\sigma_m$")
                ax.legend(loc="lower right")
    return fig


@dataclass(frozen=True)
class Theorem3Table(_Arrays):
    """Theorem 3's bound and eq. (11) against the exact inversion of the bound.

    Rows of (s, N, ε): ``eq11`` the printed right-hand side, ``exact`` the largest n whose
    bound is below ε; ``bound_at_n1`` the bound for n = 1.
    """

    s: NDArray[np.int64]
    N: NDArray[np.int64]
    epsilon: NDArray[np.float64]
    eq11: NDArray[np.float64]
    exact: NDArray[np.int64]
    bound_at_n1: NDArray[np.float64]

    def summary(self) -> dict[str, float | int]:
        positive = self.eq11 > 0
        return {
            "rows": int(self.s.size),
            "eq11_sufficient": int((np.floor(np.maximum(self.eq11, 0)) <= self.exact).sum()),
            "eq11_nonpositive": int((~positive).sum()),
            "max_exact_over_eq11": float((self.exact[positive] / self.eq11[positive]).max())
            if positive.any() else float("nan"),
        }


THEOREM3_CASES: tuple[tuple[int, int, float], ...] = (
    (600, 100, 0.1), (600, 10**6, 0.1), (50, 10**4, 0.1), (50, 10**6, 0.1),
    (10, 10**3, 0.05), (10, 10**6, 0.05), (1000, 10**9, 0.05), (100, 10**12, 0.01),
)
"""(s, N, ε) rows of the eq. (11) table; (600, 100, ·) are the paper's figure parameters."""


def theorem3_table(cases: tuple[tuple[int, int, float], ...] = THEOREM3_CASES) -> Theorem3Table:
    s, N, eps = (np.array(col) for col in zip(*cases, strict=True))
    return Theorem3Table(
        s=s.astype(np.int64), N=N.astype(np.int64), epsilon=eps.astype(np.float64),
        eq11=np.array([max_synthetic_samples_eq11(int(a), int(b), float(c)) for a, b, c in cases]),
        exact=np.array([max_synthetic_samples(int(a), int(b), float(c)) for a, b, c in cases],
                       dtype=np.int64),
        bound_at_n1=np.array([deviation_bound(1, int(b), int(a)) for a, b, _ in cases]),
    )


def theorem3_plot(table: Theorem3Table) -> Figure:
    """Largest admissible n: eq. (11) vs the exact inversion of the Theorem 3 bound.

    A logarithmic axis (the values span 0 to ~10^3) with each value written at its marker;
    a setting where a side is below 1 (eq. (11) negative, or no n at all) is marked at the
    left edge and labelled so.
    """
    labels = [rf"$s$ = {a}, $N$ = {_power_of_ten(b)}, $\varepsilon$ = {c:g}" for a, b, c in
              zip(table.s, table.N, table.epsilon, strict=True)]
    y = np.arange(len(labels))
    floor = 0.5
    with project_style():
        fig, ax = plt.subplots(figsize=(7.0, 3.8), layout="constrained")
        for offset, values, color, marker, label in (
                (-0.15, table.eq11, PALETTE[0], "o", "eq. (11), right-hand side"),
                (0.15, table.exact, PALETTE[1], "s",
                 r"largest $n$ with Theorem 3 bound $< \varepsilon$")):
            values = np.asarray(values, dtype=np.float64)
            shown = np.maximum(values, floor)
            ax.hlines(y + offset, floor, shown, color=color, lw=2)
            ax.plot(shown, y + offset, marker, color=color, label=label)
            for yy, v, at in zip(y + offset, values, shown, strict=True):
                text = f"{v:,.0f}" if v >= 1 else ("none" if v <= 0 else f"{v:.2f}")
                ax.annotate(text, (at, yy), xytext=(5, 0), textcoords="offset points",
                            va="center", fontsize=10, color=color)
        ax.set_xscale("log")
        ax.set_xlim(floor, max(float(np.max(table.exact)), 1.0) * 30)
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.set_xlabel("largest synthetic sample size $n$ (log scale; < 1: none)")
        ax.legend(loc="lower right")
    return fig


def _power_of_ten(x: float) -> str:
    """``1e6`` → ``$10^{6}$``; other numbers with thousands separators."""
    exponent = np.log10(x)
    if float(exponent).is_integer():
        return rf"$10^{{{int(exponent)}}}$"
    return f"{x:,.0f}"
