"""Seddik et al., Theorem 2 (``notebooks/theory_seddik_theorem2.md``):
eq. (9), printed and corrected.

Monte Carlo of S_m under Partially Synthetic at small N, where the sign error of the printed
eq. (9) is visible, and the recursion of the proof with sympy.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from collapse.explorer import Control, Explorer, Panel, Series, mean_se
from collapse.pages.common import (
    FORMULA_COLOR,
    MEAN_COLOR,
    Arrays,
)
from collapse.plotting import project_style
from collapse.report import Claim
from collapse.schemes import PartiallySynthetic
from collapse.statistical import simulate
from collapse.theory import symbolic
from collapse.theory.seddik import (
    partially_synthetic_sigma,
    partially_synthetic_sigma_printed,
)
from collapse.validation import check_distribution, check_int


@dataclass(frozen=True)
class Theorem2Data(Arrays):
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


def data(*, p: tuple[float, ...] = (0.5, 0.3, 0.2), n: int = 10,
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


def plot(data: Theorem2Data) -> Figure:
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
        handles, labels = axes[0, 0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=3)
    return fig


@functools.cache
def sympy_checks() -> tuple[symbolic.Check, ...]:
    """The recursion of the proof and eq. (9) both ways, with sympy (done once)."""
    return tuple(symbolic.CHECK_GROUPS["Seddik Theorem 2"]())


def summary(data: Theorem2Data) -> dict[str, float | int | str]:
    s: dict[str, float | int | str] = dict(data.summary())
    checks = sympy_checks()
    by_name = {c.name: c for c in checks}
    proof = [c for c in checks if "printed" not in c.name and "intermediate" not in c.name]
    s["sym_corrected_ok"] = "passes" if by_name["eq. (9) corrected"].passed else "FAILS"
    s["sym_printed_ok"] = "passes" if by_name["eq. (9) as printed"].passed else "fails"
    s["proof_checks_passed"] = sum(c.passed for c in proof)
    s["proof_checks_total"] = len(proof)
    z_corrected, z_printed = float(s["max_abs_z_corrected"]), float(s["max_abs_z_printed"])
    s["agreeing_form"] = ("the corrected form" if z_corrected < 4 < z_printed
                          else "neither form cleanly")
    return s


def markdown(data: Theorem2Data, values: Mapping[str, Any]) -> dict[str, str]:
    return {"sympy": symbolic.checks_markdown(list(sympy_checks()))}


EXPLORER_P = ((0.5, 0.3, 0.2), (0.8, 0.1, 0.1))
EXPLORER_RUNS = 20_000


def explorer(data: Theorem2Data, values: Mapping[str, Any]) -> Explorer:
    """Pick n, N and p: the Monte-Carlo mean of σ_m ± 2 SE against eq. (9) as printed and
    corrected (20,000 runs per point)."""
    generations = int(data.mc_mean.shape[1] - 1)
    m = np.arange(generations + 1)

    def panel(n: int, N: int, p: tuple[float, ...]) -> Panel:
        p_arr = np.array(p)
        s0 = float(p_arr @ p_arr)
        sim = simulate(PartiallySynthetic(n, N), np.tile(p_arr, (EXPLORER_RUNS, 1)),
                       np.random.default_rng([int(values.get("seed", 0)), n, N, round(s0 * 1e4)]),
                       generations=generations)
        mean, se = mean_se(sim.sigma)
        with np.errstate(divide="ignore", invalid="ignore"):  # m = 0, 1: outside eq. (9)
            printed = np.where(m >= 2, partially_synthetic_sigma_printed(m, n, N, s0), np.nan)
            corrected = partially_synthetic_sigma(m, n, N, s0)

        def z(form: NDArray[np.float64]) -> float:
            return float(np.nanmax(np.abs((mean[2:] - form[2:]) / se[2:])))

        return Panel(
            series=[Series("Monte Carlo mean of σ_m ± 2 SE", m, mean, se, style="points",
                           color=MEAN_COLOR),
                    Series("eq. (9) as printed", m, printed, style="dashed",
                           color=FORMULA_COLOR),
                    Series("eq. (9) corrected", m, corrected, color="#000000")],
            numbers=[("largest |z|, printed (m ≥ 2)", f"{z(printed):.1f}"),
                     ("largest |z|, corrected (m ≥ 2)", f"{z(corrected):.1f}")])

    labels = ["(" + ", ".join(f"{x:g}" for x in p) + ")" for p in EXPLORER_P]
    return Explorer.from_grid(
        "theory_seddik_theorem2", "Eq. (9) both ways, for other n, N and p",
        [Control("n", "synthetic n", [1, 10, 100], initial=1),
         Control("N", "real N", [2, 5, 20]),
         Control("p", "initial p", list(EXPLORER_P), labels, kind="select")],
        panel, xlabel="generation m", ylabel="S_m = E σ_m",
        note=f"18 simulations of {EXPLORER_RUNS:,} runs, {generations} generations.")


KIND = "erratum found"
CLAIMS = (
    Claim("proof_recursion",
          "the per-token recursion of the proof (eq. 15), verified symbolically",
          lambda s: s["proof_checks_passed"] == s["proof_checks_total"],
          quote="Proof of Theorem 2", source="Appendix A, eq. (15)",
          measure=("symbolic checks passed", "proof_checks_passed")),
    Claim("printed", "eq. (9) as printed agrees with Monte Carlo (within 4 SE at every m ≥ 1)",
          lambda s: s["max_abs_z_printed"] < 4,
          quote="S_m as given by (9) (Theorem 2, Model Variation)", source="Theorem 2, eq. (9)",
          measure=("largest |mean σ_m − eq. (9) printed|/SE", "max_abs_z_printed")),
    Claim("corrected", "eq. (9) with the sign of its last term corrected agrees (within 4 SE)",
          lambda s: s["max_abs_z_corrected"] < 4,
          quote="S_m as given by (9), its last term's sign corrected (our reading)",
          source="Theorem 2, eq. (9); this page",
          measure=("largest |mean σ_m − eq. (9) corrected|/SE", "max_abs_z_corrected")),
)
