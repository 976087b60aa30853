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
from matplotlib.ticker import FuncFormatter

from collapse.pages import wang_fig2
from collapse.pages.wang_fig2 import WangLMData
from collapse.plotting import PALETTE, project_style
from collapse.report import Claim


def plot(data: WangLMData) -> Figure:
    """Perplexity on the validation stories against the generation, every run."""
    with project_style():
        fig, ax = plt.subplots(figsize=(6.0, 4.0), layout="constrained")
        for i, label in enumerate(data.labels):
            style = "o-" if "Replace" in label else "s--"
            ax.plot(data.generations, data.perplexity[i], style,
                    color=PALETTE[i % len(PALETTE)], label=str(label))
        ax.set(xlabel="generation n", ylabel="perplexity on TinyStories validation",
               yscale="log", title="Perplexity over generations")
        ax.set_xticks(data.generations)
        for axis in (ax.yaxis.set_major_formatter, ax.yaxis.set_minor_formatter):
            axis(FuncFormatter(lambda y, _: f"{y:g}"))  # 40, 50, 60 rather than 4 × 10¹
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
          lambda s: wang_fig2.beyond_seeds(s["replace_last_ppl"] - s["replace_first_ppl"],
                                           s["floor_ppl_spread"], s["floor_seeds"])),
)
BOOKKEEPING = (  # our quality targets and checks, not the paper's claims
    wang_fig2.FIRST_PPL_CLAIM,
    wang_fig2.GENERATIONS_CLAIM,
    wang_fig2.PROVENANCE,
    Claim("finite_ppl", "perplexities are finite and above 1",
          lambda s: s["min_measured_ppl"] > 1),
)
