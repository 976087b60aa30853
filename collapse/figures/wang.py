"""Wang et al. (2024): Figure 1 (training-set composition) and the count-model Monte Carlo of
Theorem 2.1, both computed from the package's scheme definitions (:mod:`collapse.schemes`)."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from collapse.figures.seddik_schemes import MEAN_COLOR, _Arrays
from collapse.plotting import PALETTE, project_style
from collapse.schemes import AccumulateSubsample, FullySynthetic, Scheme
from collapse.statistical import simulate
from collapse.validation import check_float, check_int

# --- Figure 1 -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WangFig1Data(_Arrays):
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


def wang_fig1_data(*, k: float = 1.0, generations: int = 4, N: int = 1000,
                   seed: int = 0) -> WangFig1Data:
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


def wang_fig1_plot(data: WangFig1Data) -> Figure:
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


# --- the count model of Theorem 2.1 ---------------------------------------------------------


@dataclass(frozen=True)
class WangCountModelData(_Arrays):
    """p̂_n(v|x) per generation and run for Replace and Accumulate-Subsample(k), two outcomes.

    ``p_hat`` (C, G+1, runs): the learned conditional of column C (0 = Replace, then each k);
    ``corpus_p`` (K, G+1, runs) the corpus conditional p_{C_n} under Accumulate-Subsample;
    ``closed_form`` (K, G+1, runs) Theorem 2.1 (variant M) evaluated with the realized α's.
    """

    p: float
    N: int
    rates: NDArray[np.float64]
    p_hat: NDArray[np.float64]
    corpus_p: NDArray[np.float64]
    closed_form: NDArray[np.float64]

    def summary(self) -> dict[str, float | int]:
        out: dict[str, float | int] = {
            "p": self.p, "N": self.N, "runs": int(self.p_hat.shape[2]),
            "generations": int(self.p_hat.shape[1] - 1),
            "closed_form_max_error": float(np.abs(self.closed_form - self.corpus_p)[:, 1:].max()),
        }
        labels = ["replace", *[f"k{c}" for c in range(1, self.rates.size + 1)]]
        for c, label in enumerate(labels):
            final = self.p_hat[c, -1]
            out[f"{label}_mean"] = float(final.mean())
            out[f"{label}_std"] = float(final.std(ddof=1))
            out[f"{label}_fixed"] = float(((final == 0) | (final == 1)).mean())
        return out


def realized_alphas(corpus: NDArray[np.int64], k: float, token: int = 0
                    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """α[j] and α_i[j] (variant M) realized by a simulation, relative to the expected
    training set C_j / R_j (R_j = 1 + (j−1)k): c_{S_j} = k(1 + α) c_{C_j} / R_j.

    ``corpus`` is (G+1, runs, s) from :class:`~collapse.statistical.Simulation` (row j = C_j).
    Returns two (G−1, runs) arrays for j = 1..G−1.
    """
    generations = corpus.shape[0] - 1
    j = np.arange(1, generations)[:, None]
    r_j = 1 + (j - 1) * k
    c_now, c_next = corpus[1:-1], corpus[2:]
    made = c_next - c_now  # counts of S_j
    alpha = made.sum(axis=2) * r_j / (k * c_now.sum(axis=2)) - 1
    alpha_i = made[..., token] * r_j / (k * c_now[..., token]) - 1
    return alpha, alpha_i


def wang_closed_form(p_real: NDArray[np.float64], alpha: NDArray[np.float64],
                     alpha_i: NDArray[np.float64], k: float) -> NDArray[np.float64]:
    """p̂_n = p Π_{j<n} (1+jk+kα_i[j])/(1+jk+kα[j]) for n = 1..G (Theorem 2.1, variant M)."""
    j = np.arange(1, alpha.shape[0] + 1)[:, None]
    factors = (1 + j * k + k * alpha_i) / (1 + j * k + k * alpha)
    return p_real[None, :] * np.vstack([np.ones_like(p_real)[None, :],
                                        np.cumprod(factors, axis=0)])


def wang_count_model_data(*, p: float = 0.76, N: int = 1000,
                          rates: tuple[float, ...] = (1.0, 0.1, 0.01), generations: int = 200,
                          runs: int = 400, seed: int = 0) -> WangCountModelData:
    """Two outcomes (x followed by v_i or not), p(v_i|x) = p, N occurrences of x per training set:
    Replace (= Fully Synthetic with N samples) and Accumulate-Subsample for each rate k."""
    p = check_float("p", p, low=0.0, high=1.0, low_open=True)
    N = check_int("N", N, low=1)
    runs = check_int("runs", runs, low=2)
    generations = check_int("generations", generations, low=2)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    start = np.tile([p, 1 - p], (runs, 1))
    replace = simulate(FullySynthetic(N), start, rng, generations=generations,
                       record_distributions=True)
    assert replace.trajectory is not None
    p_hat = [replace.trajectory[:, :, 0]]
    corpus_p, closed = [], []
    for k in rates:
        sim = simulate(AccumulateSubsample(N, k), start, rng, generations=generations,
                       record_distributions=True)
        assert sim.trajectory is not None and sim.corpus is not None
        p_hat.append(sim.trajectory[:, :, 0])
        corpus = sim.corpus
        cp = np.full((generations + 1, runs), np.nan)
        cp[1:] = corpus[1:, :, 0] / corpus[1:].sum(axis=2)
        corpus_p.append(cp)
        alpha, alpha_i = realized_alphas(corpus, AccumulateSubsample(N, k).synthetic_size / N)
        cf = np.full((generations + 1, runs), np.nan)
        cf[1:] = wang_closed_form(cp[1], alpha, alpha_i, AccumulateSubsample(N, k).synthetic_size
                                  / N)
        closed.append(cf)
    return WangCountModelData(p=p, N=N, rates=np.asarray(rates, dtype=np.float64),
                              p_hat=np.array(p_hat), corpus_p=np.array(corpus_p),
                              closed_form=np.array(closed))


def wang_count_model_plot(data: WangCountModelData) -> Figure:
    """Left: p̂_n per run under Replace (drifting to 0 or 1). Middle: Accumulate-Subsample,
    mean ± 2 sd per k. Right: the closed form with realized α's on the simulated corpus."""
    g = np.arange(data.p_hat.shape[1])
    with project_style():
        fig, axes = plt.subplots(1, 3, figsize=(10.0, 3.8), layout="constrained")
        ax = axes[0]
        ax.plot(g, data.p_hat[0, :, :60], color="#E8B500", lw=0.5, alpha=0.5)
        ax.plot(g, data.p_hat[0].mean(axis=1), color=MEAN_COLOR, lw=1.8, label="mean")
        ax.axhline(data.p, color="black", ls=":", label=f"$p$ = {data.p:g}")
        ax.set(xlabel="generation n", ylabel=r"$\hat p_n(v_i \mid x)$", ylim=(-0.02, 1.02),
               title="Replace: drift to 0 or 1 (60 runs shown)")
        ax.legend(loc="lower left")
        ax = axes[1]  # the spread across runs: one line per paradigm, no overlapping bands
        ax.plot(g, data.p_hat[0].std(axis=1), color=MEAN_COLOR, lw=1.8, label="Replace")
        for c, k in enumerate(data.rates, start=1):
            ax.plot(g, data.p_hat[c].std(axis=1), color=PALETTE[(c - 1) % len(PALETTE)],
                    label=f"Accumulate-Subsample, $k$ = {k:g}")
        ax.set(xlabel="generation n", ylabel=r"sd of $\hat p_n(v_i \mid x)$ over runs",
               ylim=(0, None), title="Spread across runs")
        ax.legend(loc="upper left")
        ax = axes[2]
        c = data.rates.size - 1  # the smallest rate, the slowest to settle
        for r in range(min(3, data.corpus_p.shape[2])):  # three runs (or all, if fewer)
            ax.plot(g, data.corpus_p[c, :, r], color=PALETTE[r], lw=1.0)
            ax.plot(g[::10], data.closed_form[c, ::10, r], "o", color=PALETTE[r], ms=3, mfc="none")
        ax.set(xlabel="generation n", ylabel=r"$p_{C_n}(v_i \mid x)$",
               title=rf"Closed form, realized $\alpha$ ($k$ = {data.rates[c]:g})")
        ax.plot([], [], color="0.3", label="simulated corpus")
        ax.plot([], [], "o", color="0.3", mfc="none", label="closed form")
        ax.legend(loc="best")
    return fig
