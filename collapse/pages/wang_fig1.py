"""Wang et al., Figure 1 (``notebooks/wang_fig1.md``): what each generation trains on.

The composition of every training set under Replace and Accumulate-Subsample, from the scheme
definitions (:mod:`collapse.schemes`), expected and one realized draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from collapse.pages.common import (
    Arrays,
)
from collapse.plotting import PALETTE, project_style
from collapse.report import Claim
from collapse.schemes import AccumulateSubsample, FullySynthetic, Scheme
from collapse.validation import check_float, check_int


@dataclass(frozen=True)
class WangFig1Data(Arrays):
    """Share of each source (D0, S1, S2, …) in the training set of generations 1..G.

    ``replace`` and ``accumulate`` are (G, G) with row m−1 = generation m and column t = source
    (0 = D0, t = S_t); ``realized`` is one random draw of Accumulate-Subsample's counts / N.
    """

    k: float
    N: int
    replace: NDArray[np.float64]
    accumulate: NDArray[np.float64]
    realized: NDArray[np.float64]

    def summary(self) -> dict[str, float | int]:
        g = self.replace.shape[0]
        return {"generations": g, "k": self.k,
                "real_share_last_accumulate": float(self.accumulate[-1, 0]),
                "real_share_last_replace": float(self.replace[-1, 0]),
                "max_realized_gap": float(np.abs(self.realized - self.accumulate).max())}


def _shares(scheme: Scheme, generations: int) -> NDArray[np.float64]:
    out = np.zeros((generations, generations))
    for m in range(1, generations + 1):
        out[m - 1, :m] = scheme.shares(m)
    return out


def data(*, k: float = 1.0, generations: int = 4, N: int = 1000, seed: int = 0) -> WangFig1Data:
    """Compute the compositions from :class:`FullySynthetic` (= Replace) and
    :class:`AccumulateSubsample` (expected shares, and one realized subsample of size N)."""
    k = check_float("k", k, low=0.0, low_open=True)
    generations = check_int("generations", generations, low=1, high=20)
    N = check_int("N", N, low=1)
    acc = AccumulateSubsample(N, k)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    realized = np.zeros((generations, generations))
    for m in range(1, generations + 1):
        realized[m - 1, :m] = acc.counts(m, rng) / N
    return WangFig1Data(k=k, N=N, replace=_shares(FullySynthetic(N), generations),
                        accumulate=_shares(acc, generations), realized=realized)


def plot(data: WangFig1Data) -> Figure:
    """Stacked blocks, one row per generation: Replace (left), Accumulate-Subsample (right)."""
    g = data.replace.shape[0]
    colors = ["#7F7F7F", *PALETTE]
    names = ["$\\mathcal{D}_0$", *[f"$\\mathcal{{S}}_{t}$" for t in range(1, g)]]
    with project_style():
        fig, axes = plt.subplots(1, 2, figsize=(9.0, 0.7 * g + 1.4), layout="constrained",
                                 sharey=True)
        panels = [("Replace", data.replace),
                  (f"Accumulate-Subsample, k = {data.k:g}", data.accumulate)]
        for ax, (title, shares) in zip(axes, panels, strict=True):
            for m in range(g):
                left = 0.0
                for t in range(g):
                    width = shares[m, t]
                    if width <= 0:
                        continue
                    ax.barh(m, width, left=left, height=0.7, color=colors[t % len(colors)],
                            edgecolor="white")
                    if width >= 0.08:
                        ax.text(left + width / 2, m, names[t], ha="center", va="center",
                                color="white", fontsize=10)
                    left += width
            ax.set_title(title)
            ax.set_xlim(0, 1)
            ax.set_xlabel("share of the training set")
            ax.grid(False)
        axes[0].set_yticks(range(g), [f"generation {m + 1}" for m in range(g)])
        axes[0].invert_yaxis()
    return fig


def summary(data: WangFig1Data) -> dict[str, float | int]:
    m = np.arange(1, data.replace.shape[0] + 1)
    return {**data.summary(),
            "replace_max_error": float(np.abs(data.replace - np.eye(m.size)).max()),
            "accumulate_d0_max_error": float(np.abs(data.accumulate[:, 0]
                                                    - 1 / (1 + (m - 1) * data.k)).max()),
            "shares_sum_max_error": float(max(abs(data.replace.sum(axis=1) - 1).max(),
                                              abs(data.accumulate.sum(axis=1) - 1).max()))}


KIND = "schematic"
CLAIMS: tuple[Claim, ...] = ()
BOOKKEEPING = (
    Claim("replace", "Replace: generation m trains on D0 (m = 1), then on the previous "
          "generation's data only", lambda s: s["replace_max_error"] < 1e-8),
    Claim("accumulate", "Accumulate-Subsample: D0 keeps the share 1/(1 + (m − 1)k) of generation "
          "m's training set", lambda s: s["accumulate_d0_max_error"] < 1e-8),
    Claim("shares_sum", "every training set's shares sum to 1",
          lambda s: s["shares_sum_max_error"] < 1e-12),
)
