"""Accumulate-Subsample in Seddik et al.'s model (``notebooks/wang_accumulate_subsample.md``).

An experiment in neither paper: Wang et al.'s paradigm in the statistical model (s = 600),
support lost and collapse per rate k against Replace.
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
from collapse.explorer import Control, Explorer, Panel, Series, pm
from collapse.pages.common import (
    MEAN_COLOR,
    VOCAB_SIZE,
    Arrays,
)
from collapse.plotting import PALETTE, project_style
from collapse.report import Claim, exceeds, increasing
from collapse.schemes import AccumulateSubsample, FullySynthetic
from collapse.statistical import simulate
from collapse.validation import check_float, check_int, parse_numbers


def runs_text(count: int, runs: int, *, most: bool = False) -> str:
    """``"none of the 1,000 runs"``, ``"at most 3 of the 1,000 runs"``, ``"870 of the 1,000
    runs"``: a count for prose, never a share printed as 0.00."""
    if count == 0:
        return f"none of the {runs:,} runs"
    return f"{'at most ' if most else ''}{count:,} of the {runs:,} runs"


@dataclass(frozen=True)
class AccumulateSubsampleData(Arrays):
    """Replace (= Fully Synthetic with N samples) vs Accumulate-Subsample(k) for several k.

    Shapes: ``sigma``, ``deviation_mean``, ``support_mean``, ``collapsed_share`` (C, G+1) for
    the C columns [Replace, k_1, k_2, …]; ``rates`` (C − 1,).
    """

    N: int
    rates: NDArray[np.float64]
    initial: NDArray[np.float64]
    sigma: NDArray[np.float64]
    sigma_se: NDArray[np.float64]
    deviation_mean: NDArray[np.float64]
    deviation_se: NDArray[np.float64]
    support_mean: NDArray[np.float64]
    support_se: NDArray[np.float64]
    collapsed_share: NDArray[np.float64]
    runs: int

    def summary(self) -> dict[str, float | int | str]:
        out: dict[str, float | int | str] = {
            "N": self.N, "generations": int(self.sigma.shape[1] - 1),
            "initial_support": int(np.count_nonzero(self.initial)),
            # tokens present in the N real samples D0 (the support of p^(1), every scheme)
            "real_data_support": float(self.support_mean[0, 1]),
            "replace_final_support": float(self.support_mean[0, -1]),
            "replace_collapsed_share": float(self.collapsed_share[0, -1]),
        }
        out["rates_final_support_min"] = float(self.support_mean[1:, -1].min())
        fewest = 1 + int(np.argmin(self.support_mean[1:, -1]))
        gap = self.support_mean[fewest, -1] - self.support_mean[0, -1]
        out["support_gap_z"] = float(gap / np.hypot(self.support_se[fewest, -1],
                                                    self.support_se[0, -1]))
        worst = self.collapsed_share[1:, -1].max()
        shrunk = (worst * self.runs + 0.5) / (self.runs + 1)  # keeps an SE at a share of 0
        out["rates_collapsed_share_se"] = float(np.sqrt(shrunk * (1 - shrunk) / self.runs))
        out["rates_collapsed_text"] = runs_text(round(worst * self.runs), self.runs, most=True)
        out["replace_collapsed_text"] = runs_text(round(self.collapsed_share[0, -1] * self.runs),
                                                  self.runs)
        out["rates_final_support_max"] = float(self.support_mean[1:, -1].max())
        out["rates_final_deviation_max"] = float(self.deviation_mean[1:, -1].max())
        out["rates_collapsed_share_max"] = float(self.collapsed_share[1:, -1].max())
        for c in range(1, self.rates.size + 1):
            out[f"k{c}_final_support"] = float(self.support_mean[c, -1])
            out[f"k{c}_final_deviation"] = float(self.deviation_mean[c, -1])
            out[f"k{c}_collapsed_share"] = float(self.collapsed_share[c, -1])
        return out


def data(*, N: int = 100, rates: str | Sequence[float] = "0.1,0.5,1,2",
         generations: int = 200, runs: int = 1000, support: int = 52, s0: float = 0.1,
         seed: int = 0, progress: bool | None = False) -> AccumulateSubsampleData:
    """Simulate Replace and Accumulate-Subsample(k) from the same p (s = 600, s̃, S0)."""
    if isinstance(rates, str):
        rates = parse_numbers("rates", rates)
    N = check_int("N", N, low=1)
    for k in rates:
        check_float("rate k", k, low=0.0, low_open=True)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    p = power_law(VOCAB_SIZE, support, s0)
    start = np.tile(p, (check_int("runs", runs, low=2), 1))
    schemes = [FullySynthetic(N), *(AccumulateSubsample(N, k) for k in rates)]
    sims = [simulate(sc, start, rng, generations=generations, progress=progress)
            for sc in schemes]
    root = np.sqrt(start.shape[0])
    return AccumulateSubsampleData(
        N=N, rates=np.asarray(rates, dtype=np.float64), initial=p,
        sigma=np.array([s.sigma.mean(axis=1) for s in sims]),
        sigma_se=np.array([s.sigma.std(axis=1, ddof=1) / root for s in sims]),
        deviation_mean=np.array([s.deviation.mean(axis=1) for s in sims]),
        deviation_se=np.array([s.deviation.std(axis=1, ddof=1) / root for s in sims]),
        support_mean=np.array([s.support.mean(axis=1) for s in sims]),
        support_se=np.array([s.support.std(axis=1, ddof=1) / root for s in sims]),
        collapsed_share=np.array([(s.sup_norm == 1.0).mean(axis=1) for s in sims]),
        runs=start.shape[0],
    )


def plot(data: AccumulateSubsampleData) -> Figure:
    """Mean σ_m, mean deviation from p^(1) and mean surviving support, per paradigm (±2 SE)."""
    labels = ["Replace (Fully Synthetic)", *(f"Accumulate-Subsample, k = {k:g}"
                                            for k in data.rates)]
    colors = [MEAN_COLOR, *PALETTE[: data.rates.size]]
    m = np.arange(data.sigma.shape[1])
    with project_style():
        fig, axes = plt.subplots(1, 3, figsize=(10.0, 3.6), layout="constrained")
        for c, (label, color) in enumerate(zip(labels, colors, strict=True)):
            style = "-" if c else "--"
            for ax, mean, se in ((axes[0], data.sigma[c], data.sigma_se[c]),
                                 (axes[1], data.deviation_mean[c], data.deviation_se[c]),
                                 (axes[2], data.support_mean[c], data.support_se[c])):
                ax.fill_between(m, mean - 2 * se, mean + 2 * se, color=color, alpha=0.3, lw=0)
                ax.plot(m, mean, style, color=color, label=label if ax is axes[1] else None)
        axes[0].set(xlabel="generation m", ylabel=r"mean $\sigma_m$", yscale="log",
                    title="Concentration")
        axes[1].set(xlabel="generation m", ylabel=r"mean $\|p^{(m)} - p^{(1)}\|_1$",
                    title="Drift from the first model")
        axes[2].set(xlabel="generation m", ylabel=r"mean $|\mathrm{supp}\, p^{(m)}|$",
                    title="Tokens still alive", ylim=(0, None))
        axes[1].legend(loc="center right")
    return fig


def summary(data: AccumulateSubsampleData) -> dict[str, float | int | str]:
    return data.summary()


def explorer(data: AccumulateSubsampleData, values: Mapping[str, Any]) -> Explorer:
    """Pick the rate k: mean surviving tokens ± 2 SE under Accumulate-Subsample(k) and under
    Replace (the page's own runs)."""
    m = np.arange(data.sigma.shape[1])

    def panel(c: int) -> Panel:
        return Panel(
            series=[Series("Replace (Fully Synthetic)", m, data.support_mean[0],
                           data.support_se[0], style="dashed", color=MEAN_COLOR),
                    Series(f"Accumulate-Subsample, k = {data.rates[c - 1]:g}", m,
                           data.support_mean[c], data.support_se[c], color=PALETTE[0])],
            numbers=[("tokens alive at the last generation",
                      pm(data.support_mean[c, -1], data.support_se[c, -1])),
                     ("the same under Replace", pm(data.support_mean[0, -1],
                                                   data.support_se[0, -1])),
                     ("runs on one token", f"{data.collapsed_share[c, -1]:.3f}")])

    rates = list(range(1, data.rates.size + 1))
    return Explorer.from_grid(
        "wang_accumulate_subsample", "Tokens still alive, Accumulate-Subsample against Replace",
        [Control("c", "rate k", rates, [f"{k:g}" for k in data.rates])], panel,
        xlabel="generation m", ylabel="mean |supp p^(m)|",
        note=f"The page's own simulation: {data.rates.size} rates and Replace × {data.runs} "
             "runs.")


KIND = "extension"
CLAIMS = (
    Claim("replace_loses_more",
          "Replace loses more tokens than Accumulate-Subsample at every rate: at the last "
          "generation the fewest surviving tokens of any rate exceed Replace's by more than 3 SE "
          "(refuted below them by more than 3 SE)",
          lambda s: increasing(s["support_gap_z"]),
          quote="under Replace the errors add up (weight 1, a random walk); under "
                "Accumulate-Subsample each error is damped by the growing corpus",
          source="Theorem 2.1 as reconstructed (notes §3)",
          measure=("surviving tokens, fewest over the rates minus Replace, in SE",
                   "support_gap_z")),
    Claim("settles",
          "with unbiased noise Accumulate-Subsample settles instead of collapsing: at every rate "
          "the share of runs on one token stays below 5 % by more than 3 SE (refuted above it "
          "by more than 3 SE)",
          lambda s: exceeds(0.05, s["rates_collapsed_share_se"], s["rates_collapsed_share_max"]),
          quote="no matter how small the amount of data each LM generates and contributes to the "
                "corpus, LM collapse is inevitable after sufficient time (collapse read here as "
                "a Dirac mass; Theorem 2.1's weaker sense is a limit other than p)",
          source="abstract; Theorem 2.1",
          measure=("largest share of runs on one token over the rates",
                   "rates_collapsed_share_max", "rates_collapsed_share_se")),
)


def report_context(values: Mapping[str, Any]) -> dict[str, Any]:
    return {"scale": "values chosen here (an experiment in neither paper)"}
