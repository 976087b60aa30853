"""Wang et al., Theorem 2.1 as reconstructed (``notebooks/theory_wang_theorem21.md``).

The count model of one context x with two outcomes under Replace and Accumulate-Subsample(k):
the closed forms with sympy, and p̂_n per run against them.
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

from collapse.explorer import Control, Explorer, Panel, Series, mean_se, pm
from collapse.pages.common import (
    MEAN_COLOR,
    Arrays,
)
from collapse.plotting import PALETTE, project_style
from collapse.report import Claim, readable
from collapse.schemes import AccumulateSubsample, FullySynthetic
from collapse.statistical import simulate
from collapse.theory import symbolic
from collapse.validation import check_float, check_int, parse_numbers


@dataclass(frozen=True)
class WangCountModelData(Arrays):
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


def data(*, p: float = 0.76, N: int = 1000, rates: str | Sequence[float] = "1,0.1,0.01",
         generations: int = 200, runs: int = 400, seed: int = 0) -> WangCountModelData:
    """Two outcomes (x followed by v_i or not), p(v_i|x) = p, N occurrences of x per training set:
    Replace (= Fully Synthetic with N samples) and Accumulate-Subsample for each rate k."""
    if isinstance(rates, str):
        rates = parse_numbers("rates", rates)
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


def plot(data: WangCountModelData) -> Figure:
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


@functools.cache
def sympy_checks() -> tuple[tuple[symbolic.Check, ...], tuple[symbolic.Check, ...]]:
    """The reconstructed closed forms against the count recursion, and the same checks run
    on a deliberately wrong closed form (done once)."""
    return (tuple(symbolic.CHECK_GROUPS["Wang Theorem 2.1"]()),
            tuple(symbolic.check_wang_theorem21(wrong=True)))


def summary(data: WangCountModelData) -> dict[str, float | int | str]:
    checks, wrong = sympy_checks()
    s = data.summary()
    return {**s, "sym_passed": sum(c.passed for c in checks), "sym_total": len(checks),
            "wrong_passed": sum(c.passed for c in wrong), "wrong_total": len(wrong),
            "wrong_rejected": "rejected" if not all(c.passed for c in wrong) else "NOT rejected",
            "closed_form_max_error_text": readable(s["closed_form_max_error"], 2)}


def markdown(data: WangCountModelData, values: Mapping[str, Any]) -> dict[str, str]:
    checks, wrong = sympy_checks()
    return {"sympy": symbolic.checks_markdown(list(checks)),
            "sympy_wrong": symbolic.checks_markdown(list(wrong))}


EXPLORER_K = (0.01, 0.1, 0.5, 1.0, 2.0)
EXPLORER_RUNS = 300


def explorer(data: WangCountModelData, values: Mapping[str, Any]) -> Explorer:
    """Pick the rate k: the spread over runs of p̂_n (its standard deviation) under
    Accumulate-Subsample(k) and under Replace, from the page's p and N (300 runs per point)."""
    p, N = float(values.get("p", 0.76)), int(values.get("N", 1000))
    generations = int(values.get("generations", 200))
    start = np.tile([p, 1 - p], (EXPLORER_RUNS, 1))
    m = np.arange(generations + 1)
    rng_seed = int(values.get("seed", 0))
    replace = simulate(FullySynthetic(N), start, np.random.default_rng([rng_seed, 0]),
                       generations=generations, record_distributions=True)
    assert replace.trajectory is not None
    replace_sd = replace.trajectory[:, :, 0].std(axis=1, ddof=1)

    def panel(k: float) -> Panel:
        sim = simulate(AccumulateSubsample(N, k), start,
                       np.random.default_rng([rng_seed, round(k * 1000)]),
                       generations=generations, record_distributions=True)
        assert sim.trajectory is not None
        p_hat = sim.trajectory[:, :, 0]
        sd = p_hat.std(axis=1, ddof=1)
        mean, se = mean_se(p_hat[-1])
        return Panel(
            series=[Series("Replace", m, replace_sd, style="dashed", color=MEAN_COLOR),
                    Series(f"Accumulate-Subsample, k = {k:g}", m, sd, color=PALETTE[0])],
            numbers=[("sd of p̂ at the last generation", f"{sd[-1]:.4f}"),
                     ("the same under Replace", f"{replace_sd[-1]:.4f}"),
                     ("mean p̂ at the last generation", pm(mean, se))])

    return Explorer.from_grid(
        "theory_wang_theorem21", "How far p̂_n spreads, for another rate k",
        [Control("k", "rate k", list(EXPLORER_K), initial=3)], panel,
        xlabel="generation n", ylabel="sd of p̂_n over runs",
        note=f"{len(EXPLORER_K)} Accumulate-Subsample simulations and one Replace, "
             f"{EXPLORER_RUNS} runs each, p = {p:g}, N = {N}.")


KIND = "reconstruction"
CLAIMS = (
    Claim("sympy", "the reconstructed closed forms solve the count recursion for every n (sympy)",
          lambda s: s["sym_passed"] == s["sym_total"],
          quote="For any specific token sequence x and token v_i, along with corresponding α[j] "
                "and α_i[j], under the Replace paradigm, ⟨formula⟩. Under the "
                "Accumulate-Subsample paradigm, ⟨formula⟩", source="Theorem 2.1 (formulas "
          "reconstructed, notes §3)",
          measure=("symbolic checks passed", "sym_passed")),
)
BOOKKEEPING = (
    # a control: the symbolic check above has the power to reject a wrong formula
    Claim("wrong_rejected", "the same checks reject a deliberately wrong closed form",
          lambda s: s["wrong_passed"] < s["wrong_total"],
          quote="(a control of the check above, not a statement of the paper)",
          source="this page", measure=("checks a wrong closed form passes", "wrong_passed")),
    # an identity, not evidence: with each run's realized α the closed form is that run's share
    Claim("closed_form", "with each run's realized α the closed form returns that run's corpus "
          "share (an identity: checks the implementation)",
          lambda s: s["closed_form_max_error"] < 1e-10),
)


def report_context(values: Mapping[str, Any]) -> dict[str, Any]:
    return {"scale": "a reconstruction from the paper's summary; values chosen here"}
