"""Seddik et al., Figure 4 (``notebooks/seddik_fig4.md``): Partially Synthetic, one column per S0.

Figure 3's experiment (:mod:`collapse.pages.seddik_fig3`) over the concentration of p.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from collapse.distributions import power_law
from collapse.explorer import Control, Explorer, Panel
from collapse.pages.common import (
    VOCAB_SIZE,
)
from collapse.pages.seddik_fig3 import (
    EQ9_CLAIM,
    EXPLORER_RUNS,
    PartiallySyntheticData,
    drift_panel,
    partially_synthetic_data,
    partially_synthetic_plot,
    partially_synthetic_summary,
)
from collapse.report import Claim, increasing
from collapse.validation import parse_numbers


def data(*, N: int = 100, n: int = 10, s0_values: str | Sequence[float] = "0.03,0.1,0.3,0.6",
         support: int = 52, runs: int = 1000, generations: int = 50, seed: int = 0,
         progress: bool | None = False) -> PartiallySyntheticData:
    """Seddik et al. Figure 4: Partially Synthetic, n = 10, one column per initial S0."""
    if isinstance(s0_values, str):
        s0_values = parse_numbers("s0_values", s0_values)
    initial = np.array([power_law(VOCAB_SIZE, support, s0) for s0 in s0_values])
    return partially_synthetic_data(n_values=(n,) * len(s0_values), initial=initial, N=N,
                                    runs=runs, generations=generations, seed=seed,
                                    progress=progress)


def plot(data: PartiallySyntheticData) -> Figure:
    return partially_synthetic_plot(data, by="p")


def summary(data: PartiallySyntheticData) -> dict[str, float | int | str]:
    s = partially_synthetic_summary(data, data.s0)
    return {**s, "final_deviation_step_z_abs_min": -float(s["final_deviation_step_z_max"])}


EXPLORER_S0 = (0.03, 0.06, 0.1, 0.2, 0.3, 0.45, 0.6)


def explorer(data: PartiallySyntheticData, values: Mapping[str, Any]) -> Explorer:
    """Pick S0: Figure 3's :func:`drift_panel` at the page's n, N (200 runs per point)."""
    generations = data.sigma.shape[1] - 1
    n, N, support = int(data.n_values[0]), data.N, int(values.get("support", 52))

    def panel(s0: float) -> Panel:
        rng = np.random.default_rng([int(values.get("seed", 0)), round(s0 * 1000)])
        return drift_panel(power_law(VOCAB_SIZE, support, s0), n, N, generations, rng,
                           f"S0 = {s0:g}")

    return Explorer.from_grid(
        "seddik_fig4", "Partially Synthetic: the drift from p^(1) for another S0",
        [Control("s0", "S0", list(EXPLORER_S0), initial=2)], panel,
        xlabel="generation m", ylabel="mean ‖p^(m) − p^(1)‖₁",
        note=f"{len(EXPLORER_S0)} simulations of {EXPLORER_RUNS} runs, n = {n}, N = {N}, "
             f"s̃ = {support}.")


CLAIMS = (
    EQ9_CLAIM,
    Claim("sigma_rises_with_s0", r"$\sigma_m$ at the last generation grows with $S_0$: every step "
          "up by more than 3 SE (refuted if one is down by more than 3 SE)",
          lambda s: increasing(s["final_sigma_step_z_min"]),
          quote="when we fix n and increase the values of S0, σ_m increases",
          source="§3.2, after Theorem 3",
          measure=("smallest step of the final mean σ_m, in SE", "final_sigma_step_z_min")),
    Claim("deviation_falls_with_s0",
          r"the more concentrated $p$ (larger $S_0$), the smaller the deviation from $p^{(1)}$ "
          "at the last generation: every step down by more than 3 SE (refuted if one is up by "
          "more than 3 SE)",
          lambda s: increasing(-s["final_deviation_step_z_max"]),
          quote="Notice that as S0 increases, the deviation ‖p(m) − p(1)‖1 decreases, as "
                "suggest by the inequality (19).", source="Fig. 4 caption; §3.2",
          measure=("largest step of the final deviation, in SE", "final_deviation_step_z_max")),
)
