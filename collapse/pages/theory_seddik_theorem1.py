"""Seddik et al., Theorem 1 (``notebooks/theory_seddik_theorem1.md``): eqs. (6)–(8).

S_m, the collapse probability ρ_m and E[T] by Monte Carlo against the closed forms and bounds,
and the closed forms derived with sympy.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from matplotlib.figure import Figure
from numpy.typing import NDArray

from collapse.explorer import Control, Explorer, Panel, Series, mean_se, pm
from collapse.pages.common import Arrays, legend_below
from collapse.plotting import BOUND_COLOR, PALETTE, project_style
from collapse.report import Claim, not_violated
from collapse.schemes import FullySynthetic
from collapse.statistical import simulate
from collapse.theory import symbolic
from collapse.theory.seddik import (
    collapse_probability_bounds,
    collapse_time_bounds,
    expected_sigma,
)
from collapse.validation import check_int

THEOREM1_N_VALUES: tuple[int, ...] = (2, 5, 10, 20, 50)
"""Sample sizes at which the theory page compares E[T] with the bounds of eq. (8)."""


@dataclass(frozen=True)
class Theorem1Data(Arrays):
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

    def rho_margin_z(self) -> NDArray[np.float64]:
        """(G+1,) distance of the simulated ρ_m inside eq. (7)'s bounds, in binomial SEs
        (negative outside); the SE uses (k + ½)/(runs + 1) so that ρ = 0 or 1 keeps one."""
        shrunk = (self.rho * self.runs + 0.5) / (self.runs + 1)
        se = np.sqrt(shrunk * (1 - shrunk) / self.runs)
        return np.minimum(self.rho - self.rho_lower, self.rho_upper - self.rho) / se

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
            "rho_margin_z_min": float(self.rho_margin_z().min()),
            "T_margin_z_min": float((np.minimum(self.mean_T - self.T_lower,
                                                self.T_upper - self.mean_T) / self.se_T).min()),
            "T_ratio_to_lower_max": float((self.mean_T / self.T_lower).max()),
        }


def data(
    *,
    p: tuple[float, ...] = (0.5, 0.3, 0.2),
    n: int = 10,
    runs: int = 4000,
    generations: int = 30,
    n_values: tuple[int, ...] = THEOREM1_N_VALUES,
    seed: int = 1,
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


def plot(data: Theorem1Data) -> Figure:
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
        legend_below(ax)

        ax = axes[1]
        ax.step(m, data.rho, where="post", color=PALETTE[0], label="Monte Carlo P(T ≤ m)")
        ax.plot(m, np.clip(data.rho_lower, 0, None), color=BOUND_COLOR, ls="--",
                label="eq. (7) lower (clipped at 0)")
        ax.plot(m, data.rho_upper, color=BOUND_COLOR, ls="-.", label="eq. (7) upper")
        ax.set(xlabel="generation m", ylabel=r"$\rho_m$", ylim=(-0.02, 1.02),
               title=f"Collapse probability, n = {data.n}")
        legend_below(ax)

        ax = axes[2]
        ax.errorbar(data.n_values, data.mean_T, yerr=3 * data.se_T, fmt="o", ms=4,
                    color=PALETTE[0], label="Monte Carlo E[T] (±3 SE)")
        ax.plot(data.n_values, data.T_lower, color=BOUND_COLOR, ls="--", label="eq. (8) lower")
        ax.plot(data.n_values, data.T_upper, color=BOUND_COLOR, ls="-.", label="eq. (8) upper")
        ax.set(xscale="log", yscale="log", xlabel="sample size n", ylabel="E[T]",
               title="Expected collapse time")
        ax.set_xticks(data.n_values, [str(v) for v in data.n_values])
        ax.minorticks_off()
        legend_below(ax)
    return fig


@functools.cache
def sympy_checks() -> tuple[symbolic.Check, ...]:
    """Eqs. (6)-(8) from the multinomial moments, with sympy (a few seconds, done once)."""
    return tuple(symbolic.CHECK_GROUPS["Seddik Theorem 1"]())


def summary(data: Theorem1Data) -> dict[str, float | int]:
    checks = sympy_checks()
    return {**data.summary(), "sym_passed": sum(c.passed for c in checks),
            "sym_total": len(checks)}


def markdown(data: Theorem1Data, values: Mapping[str, Any]) -> dict[str, str]:
    step = symbolic.fully_synthetic_sigma_step()
    return {"sympy": f"$$\\mathbb{{E}}[\\sigma_m \\mid \\sigma_{{m-1}} = \\sigma] = "
                     f"{sp.latex(step)}$$\n\n" + symbolic.checks_markdown(list(sympy_checks()))}


EXPLORER_P = ((0.5, 0.3, 0.2), (0.8, 0.1, 0.1), (1 / 3, 1 / 3, 1 / 3))
EXPLORER_N = (2, 5, 10, 20, 50)
EXPLORER_RUNS = 1000


def explorer(data: Theorem1Data, values: Mapping[str, Any]) -> Explorer:
    """Pick n and p (hence S0): the Monte-Carlo mean of σ_m ± 2 SE against eq. (6), and the
    mean collapse time against eq. (8) (1,000 runs per point)."""
    generations = int(data.sigma_mean.size - 1)
    m = np.arange(generations + 1)

    def panel(n: int, p: tuple[float, ...]) -> Panel:
        p_arr = np.array(p)
        s0 = float(p_arr @ p_arr)
        run = simulate(FullySynthetic(n), np.tile(p_arr, (EXPLORER_RUNS, 1)),
                       np.random.default_rng([int(values.get("seed", 1)), n, round(s0 * 1e4)]))
        mean, se = mean_se(run.padded("sigma", generations))
        t_mean, t_se = mean_se(run.collapse_time)
        low, up = collapse_time_bounds(n, s0, p_arr.size)
        return Panel(
            series=[Series("Monte Carlo mean of σ_m ± 2 SE", m, mean, se, style="points",
                           color=PALETTE[0]),
                    Series("eq. (6)", m, expected_sigma(m, n, s0), style="dashed",
                           color=BOUND_COLOR)],
            numbers=[("S0", f"{s0:.4f}"), ("mean T", pm(t_mean, t_se)),
                     ("eq. (8) bounds", f"{low:.2f} to {up:.1f}")])

    labels = ["(" + ", ".join(f"{x:.2g}" for x in p) + ")" for p in EXPLORER_P]
    return Explorer.from_grid(
        "theory_seddik_theorem1", "Eq. (6) and the collapse time for other n and p",
        [Control("n", "samples n", list(EXPLORER_N), initial=2),
         Control("p", "initial p (sets S0)", list(EXPLORER_P), labels, kind="select")],
        panel, xlabel="generation m", ylabel="S_m = E‖p^(m)‖₂²",
        note=f"{len(EXPLORER_N) * len(EXPLORER_P)} simulations of {EXPLORER_RUNS:,} runs, each "
             "until every run has collapsed.")


CLAIMS = (
    Claim("sympy", "eqs. (6)–(8) follow from the multinomial moments (sympy)",
          lambda s: s["sym_passed"] == s["sym_total"],
          quote="Theorem 1 (Control on Total Collapse)", source="Theorem 1 and its proof (App. A)",
          measure=("symbolic checks passed", "sym_passed")),
    Claim("eq6", r"eq. (6): the mean of $\sigma_m$ within 4 SE of $S_m$ at every generation",
          lambda s: s["sigma_max_abs_z"] < 4,
          quote="S_m = 1 − (1 − 1/n)^m (1 − S0)", source="Theorem 1, eq. (6)",
          measure=("largest |mean σ_m − S_m|/SE", "sigma_max_abs_z")),
    Claim("eq7", r"eq. (7): no simulated $\rho_m$ outside its bounds by more than 3 binomial SE",
          lambda s: not_violated(s["rho_margin_z_min"]),
          quote="1 − n(1 − S0)(1 − 1/n)^m ≤ ρ_m ≤ 1 − (1 − S0)/(1 − 1/s̃) (1 − 1/n)^m",
          source="Theorem 1, eq. (7)",
          measure=("smallest margin of ρ_m inside the bounds, in SE", "rho_margin_z_min")),
    Claim("eq8", r"eq. (8): no simulated $\mathbb{E}[T]$ outside its bounds by more than 3 SE",
          lambda s: not_violated(s["T_margin_z_min"]),
          quote="1 + (1 − S0)/(1 − 1/s̃) (n − 1) ≤ E[T] ≤ 1 + (1 − S0) n(n − 1)",
          source="Theorem 1, eq. (8)",
          measure=("smallest margin of mean T inside the bounds, in SE", "T_margin_z_min")),
)
