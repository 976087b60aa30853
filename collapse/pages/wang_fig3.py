"""Wang et al., Figure 3 (``notebooks/wang_fig3.md``): perplexity over the generations.

Figure 2's runs (:mod:`collapse.pages.wang_fig2`), drawn as perplexity on the validation
stories.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
from numpy.typing import NDArray

from collapse.pages import wang_fig2
from collapse.pages.wang_fig2 import WangLMData
from collapse.plotting import PALETTE, project_style
from collapse.report import Claim

NICE = (1, 1.5, 2, 3, 4, 5, 6, 8)
"""Mantissas of the labelled perplexity ticks on the log axis (…, 40, 50, 60, 80, 100, 150, …)."""


def log_ticks(values: NDArray[np.float64]) -> list[float]:
    """Ticks from :data:`NICE` × 10^k spanning ``values``, one at or below the smallest and one
    at or above the largest, so that no point lies above the last labelled tick."""
    lo, hi = float(values.min()), float(values.max())
    grid = [m * 10.0 ** k for k in range(int(np.floor(np.log10(lo))), int(np.log10(hi)) + 2)
            for m in NICE]
    below = max(t for t in grid if t <= lo)
    above = min(t for t in grid if t >= hi)
    return [t for t in grid if below <= t <= above]


def plot(data: WangLMData) -> Figure:
    """Perplexity on the validation stories against the generation, every run."""
    with project_style():
        fig, ax = plt.subplots(figsize=(6.0, 4.0), layout="constrained")
        for i, label in enumerate(data.labels):
            style = "o-" if "Replace" in label else "s--"
            ax.plot(data.generations, data.perplexity[i], style,
                    color=PALETTE[i % len(PALETTE)], label=str(label))
        if data.floor_ppl.size >= 2:  # retraining noise: generation 1 of Replace, other seeds
            ax.axhspan(float(data.floor_ppl.min()), float(data.floor_ppl.max()), color="0.6",
                       alpha=0.35, lw=0,
                       label=f"generation 1 of {data.floor_ppl.size} seeds (range)")
        ax.set(xlabel="generation n", ylabel="perplexity on TinyStories validation",
               yscale="log", title="Perplexity over generations")
        ax.set_xticks(data.generations)
        ticks = log_ticks(data.perplexity[np.isfinite(data.perplexity)])
        ax.set_ylim(ticks[0], ticks[-1])  # a labelled tick below and above every point
        ax.yaxis.set_major_locator(FixedLocator(ticks))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))  # 40, not 4 × 10¹
        ax.legend(loc="upper left")
    return fig


def data(*, recompute: bool = False, lm_profile: str = "cpu", device: str = "auto") -> WangLMData:
    """Figure 2's runs (the same experiment): committed, or recomputed at ``lm_profile``."""
    return wang_fig2.data(recompute=recompute, lm_profile=lm_profile, device=device)


def summary(data: WangLMData) -> dict[str, float | int | str]:
    measured = data.perplexity[np.isfinite(data.perplexity)]
    return {**wang_fig2.lm_summary(data), "min_measured_ppl": float(measured.min())}


def report_context(values: Mapping[str, Any]) -> dict[str, Any]:
    return wang_fig2.report_arguments("wang_fig3", wang_fig2.results_dir(
        recompute=values["recompute"], lm_profile=values["lm_profile"]))


CLAIMS = (
    Claim("replace_degrades", "Replace degrades: perplexity rises from generation 1 to the last "
          "by more than 3 × its spread over generation-1 models of other seeds",
          lambda s: wang_fig2.beyond_seeds(s["replace_ppl_change"], s["floor_ppl_spread"],
                                           s["floor_seeds"]),
          quote="The increase in perplexity is due to the increase in this distance, which means "
                "that the learned distribution is becoming increasingly deviated from the "
                "initial corpus.", source="Fig. 3 caption (summary)",
          measure=("perplexity change, generation 1 to the last, Replace (± spread over seeds)",
                   "replace_ppl_change", "floor_ppl_spread")),
)
BOOKKEEPING = (  # our quality targets and checks, not the paper's claims
    wang_fig2.FIRST_PPL_CLAIM,
    wang_fig2.GENERATIONS_CLAIM,
    wang_fig2.PROVENANCE,
    Claim("finite_ppl", "perplexities are finite and above 1",
          lambda s: s["min_measured_ppl"] > 1),
)
