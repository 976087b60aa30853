"""Seddik et al., Theorem 3 (``notebooks/theory_seddik_theorem3.md``):
the deviation bound and eq. (11).

The largest n that eq. (11) allows against the exact inversion of the bound, over a table of
settings, and a calculator at one (s, N, ε).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from collapse.pages.common import (
    Arrays,
)
from collapse.plotting import PALETTE, project_style
from collapse.report import Claim, readable
from collapse.theory.seddik import (
    deviation_bound,
    max_synthetic_samples,
    max_synthetic_samples_eq11,
)


@dataclass(frozen=True)
class Theorem3Table(Arrays):
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


def table_plot(table: Theorem3Table) -> Figure:
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


@dataclass(frozen=True)
class Theorem3Page:
    """The eq. (11) table (fixed settings) and the calculator at the page's (s, N, ε)."""

    table: Theorem3Table
    calculator: dict[str, float | int]

    def arrays(self) -> dict[str, Any]:
        return self.table.arrays()


def data(*, s: int = 600, N: int = 100, epsilon: float = 0.1) -> Theorem3Page:
    return Theorem3Page(table=theorem3_table(), calculator={
        "s": s, "N": N, "epsilon": epsilon,
        "eq11": max_synthetic_samples_eq11(s, N, epsilon),
        "exact": max_synthetic_samples(s, N, epsilon),
        "bound_n1": deviation_bound(1, N, s),
        "bound_paper": deviation_bound(10, 100, 600)})


def plot(data: Theorem3Page) -> Figure:
    return table_plot(data.table)


def summary(data: Theorem3Page) -> dict[str, float | int | str]:
    c = data.calculator
    return {**data.table.summary(), **c, "bound_n1_text": readable(c["bound_n1"], 3),
            "bound_paper_text": readable(c["bound_paper"], 3)}


KIND = "bound vacuous"
CLAIMS = (
    Claim("eq11_sufficient",
          "every n allowed by eq. (11) satisfies the Theorem 3 bound (all settings)",
          lambda s: s["eq11_sufficient"] == s["rows"]),
)
