"""Seddik et al., Figure 3 (``notebooks/seddik_fig3.md``): Partially Synthetic, one column per n.

The simulation, summary and drawing are shared with Figure 4 (:mod:`collapse.pages.seddik_fig4`,
the same experiment over the initial distribution): σ_m and ‖p^(m) − p^(1)‖₁ per run, with
eq. (9) as printed and corrected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from collapse.distributions import power_law
from collapse.explorer import Control, Explorer, Panel, Series, mean_se, pm
from collapse.pages.common import (
    FORMULA_COLOR,
    VOCAB_SIZE,
    Arrays,
    initial_panel,
    largest_support,
    run_lines,
)
from collapse.plotting import PALETTE, project_style
from collapse.report import Claim, exceeds, increasing, readable
from collapse.schemes import (
    PartiallySynthetic,
)
from collapse.statistical import simulate
from collapse.theory.seddik import (
    deviation_bound,
    partially_synthetic_sigma,
    partially_synthetic_sigma_printed,
)
from collapse.validation import check_int, parse_numbers


@dataclass(frozen=True)
class PartiallySyntheticData(Arrays):
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


def partially_synthetic_data(*, n_values: Sequence[int], initial: NDArray[np.float64],
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


def data(*, N: int = 100, n_values: str | Sequence[int] = "10,100,1000", runs: int = 1000,
         generations: int = 50, support: int = 52, s0: float = 0.1, seed: int = 0,
         progress: bool | None = False) -> PartiallySyntheticData:
    """Seddik et al. Figure 3: Partially Synthetic, one column per n, p with (s̃, S0)."""
    if isinstance(n_values, str):
        n_values = parse_numbers("n_values", n_values, int)
    p = power_law(VOCAB_SIZE, support, s0)
    return partially_synthetic_data(n_values=n_values, initial=np.tile(p, (len(n_values), 1)),
                                    N=N, runs=runs, generations=generations, seed=seed,
                                    progress=progress)


def partially_synthetic_plot(data: PartiallySyntheticData, *, by: str) -> Figure:
    """Columns per n (``by='n'``, Figure 3) or per initial distribution (``by='p'``, Figure 4)."""
    cols = data.n_values.size
    rows = 3 if by == "p" else 2
    with project_style():
        fig, axes = plt.subplots(rows, cols, figsize=(min(10.0, 3.0 * cols), 2.5 * rows + 0.4),
                                 layout="constrained", squeeze=False, sharey="row")
        shown = largest_support(data.initial)
        for c in range(cols):
            top = 0
            title = f"n = {data.n_values[c]}, N = {data.N}"
            if by == "p":
                initial_panel(axes[0, c], data.initial[c], rf"$S_0$ = {data.s0[c]:.2f}", shown)
                axes[0, c].set_ylabel("$p_i$ (log scale)" if c == 0 else "")
                top = 1
                title = rf"$S_0$ = {data.s0[c]:.2f}, n = {data.n_values[c]}, N = {data.N}"
            ax = axes[top, c]
            run_lines(ax, data.sigma[c], r"$\sigma_m = \|p^{(m)}\|_2^2$" if c == 0 else None)
            m = np.arange(data.sigma.shape[1])
            ax.plot(m, data.formula_printed[c], "--", color=FORMULA_COLOR, lw=1.2,
                    label="eq. (9) as printed")
            ax.plot(m, data.formula_corrected[c], ":", color="black", lw=1.2,
                    label="eq. (9) corrected")
            ax.set_title(title)
            if c == 0:
                ax.legend(loc="upper right")
            run_lines(axes[top + 1, c], data.deviation[c],
                       r"$\|p^{(m)} - p^{(1)}\|_1$" if c == 0 else None, first=2)
    return fig


def plot(data: PartiallySyntheticData) -> Figure:
    return partially_synthetic_plot(data, by="n")


def final_steps(values: NDArray[np.float64], by: NDArray[Any]
                ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Steps of the last generation's mean of ``values`` (C, G+1, runs) between neighbouring
    columns sorted by ``by``, and each step over its SE (independent columns)."""
    final = values[:, -1]
    mean = final.mean(axis=1)[np.argsort(by)]
    se = (final.std(axis=1, ddof=1) / np.sqrt(final.shape[1]))[np.argsort(by)]
    steps = np.diff(mean)
    return steps, steps / np.hypot(se[1:], se[:-1])


def final_deviation_steps(data: PartiallySyntheticData, by: NDArray[Any]) -> NDArray[np.float64]:
    """Differences of the mean final deviation between neighbouring columns sorted by ``by``."""
    return final_steps(data.deviation, by)[0]


def partially_synthetic_summary(data: PartiallySyntheticData, by: NDArray[Any]
                                ) -> dict[str, float | int | str]:
    """The summary of Figures 3 and 4, with the final-deviation steps along ``by``."""
    s = data.summary()
    steps, steps_z = final_steps(data.deviation, by)
    _, sigma_steps_z = final_steps(data.sigma, by)
    ratio = data.sigma.mean(axis=2) / data.s0[:, None]
    ratio_se = data.sigma.std(axis=2, ddof=1) / np.sqrt(data.sigma.shape[2]) / data.s0[:, None]
    worst = np.unravel_index(np.argmax(ratio), ratio.shape)
    none = {"min": float("inf"), "max": float("-inf")}
    return {**s, "bound_min_text": readable(s["bound_min"], 3),
            "max_gap_printed_corrected_text": readable(s["max_gap_printed_corrected"], 2),
            "max_mean_sigma_over_s0": float(ratio[worst]),
            "max_mean_sigma_over_s0_se": float(ratio_se[worst]),
            "final_deviation_step_min": float(steps.min()) if steps.size else none["min"],
            "final_deviation_step_max": float(steps.max()) if steps.size else none["max"],
            "final_deviation_step_z_min": float(steps_z.min()) if steps.size else none["min"],
            "final_deviation_step_z_max": float(steps_z.max()) if steps.size else none["max"],
            "final_sigma_step_z_min": float(sigma_steps_z.min()) if steps.size else none["min"]}


def summary(data: PartiallySyntheticData) -> dict[str, float | int | str]:
    return partially_synthetic_summary(data, data.n_values)


EXPLORER_RUNS = 200


def drift_panel(p: NDArray[np.float64], n: int, N: int, generations: int,
                rng: np.random.Generator, label: str) -> Panel:
    """One explorer point of Figures 3 and 4: Partially Synthetic from ``p``, the mean deviation
    from p^(1) ± 2 SE over the generations, and σ at the last one beside eq. (9)."""
    m = np.arange(generations + 1)
    sim = simulate(PartiallySynthetic(n, N), np.tile(p, (EXPLORER_RUNS, 1)), rng,
                   generations=generations)
    dev, dev_se = mean_se(sim.deviation)
    sig, sig_se = mean_se(sim.sigma)
    eq9 = partially_synthetic_sigma(m, n, N, float(p @ p))
    return Panel(
        series=[Series(f"mean ‖p^(m) − p^(1)‖₁ ± 2 SE, {label}", m[2:], dev[2:], dev_se[2:],
                       color=PALETTE[0])],
        numbers=[("deviation at the last generation", pm(dev[-1], dev_se[-1])),
                 ("mean σ at the last generation", pm(sig[-1], sig_se[-1])),
                 ("eq. (9) corrected", f"{eq9[-1]:.4g}")])


def explorer(data: PartiallySyntheticData, values: Mapping[str, Any]) -> Explorer:
    """Pick n and N: :func:`drift_panel` from the page's p (200 runs per point)."""
    p = data.initial[0]
    rng_seed = int(values.get("seed", 0))
    generations = data.sigma.shape[1] - 1

    def panel(n: int, N: int) -> Panel:
        return drift_panel(p, n, N, generations, np.random.default_rng([rng_seed, n, N]),
                           f"n = {n}, N = {N}")

    ns, Ns = (10, 100, 1000), (10, 100, 1000)
    return Explorer.from_grid(
        "seddik_fig3", "Partially Synthetic: the drift from p^(1) for other n and N",
        [Control("n", "synthetic n", list(ns)), Control("N", "real N", list(Ns), initial=1)],
        panel, xlabel="generation m", ylabel="mean ‖p^(m) − p^(1)‖₁",
        note=f"{len(ns) * len(Ns)} simulations of {EXPLORER_RUNS} runs, {generations} "
             "generations, the page's p.")


EQ9_CLAIM = Claim(
    "eq9_corrected", r"eq. (9) (corrected) within 4 SE of the mean of $\sigma_m$ at every "
    r"column and generation $m \ge 2$", lambda s: s["max_abs_z_corrected"] < 4,
    quote="The blue dashed lines plot the formula for S_m given by (9).",
    source="Figs. 3 and 4 captions; Theorem 2, eq. (9)",
    measure=("largest |mean σ_m − eq. (9)|/SE", "max_abs_z_corrected"))
CLAIMS = (
    EQ9_CLAIM,
    Claim("no_collapse", r"$\sigma_m$ stays near $S_0$: its mean stays below $2 S_0$ at every $n$ "
          "and generation by more than 3 SE (refuted above it by more than 3 SE)",
          lambda s: exceeds(2.0, s["max_mean_sigma_over_s0_se"], s["max_mean_sigma_over_s0"]),
          quote="if we fix the initial distribution and increase the amount of synthetic data "
                "n, the dispersion σ_m stays relatively constant", source="§3.2, after Theorem 3",
          measure=("largest mean σ_m / S0", "max_mean_sigma_over_s0",
                   "max_mean_sigma_over_s0_se")),
    Claim("deviation_grows_with_n", r"the deviation from $p^{(1)}$ at the last generation grows "
          "with $n$: every step up by more than 3 SE (refuted if one is down by more than 3 SE)",
          lambda s: increasing(s["final_deviation_step_z_min"]),
          quote="while the distribution drift ‖p(m) − p(1)‖1 increases",
          source="§3.2, after Theorem 3",
          measure=("smallest step of the final deviation, in SE", "final_deviation_step_z_min")),
)
