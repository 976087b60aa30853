"""Figure regression: the numbers behind each figure (data baselines) and its image (pytest-mpl).

Both use each notebook's ``quick`` profile, through the same package calls as the notebook;
``make baselines`` regenerates both kinds of baseline.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import MPL_COMPARE, NOTEBOOKS
from matplotlib.figure import Figure

from collapse.figures import extensions, seddik, seddik_lm, seddik_schemes, theory, wang, wang_lm
from collapse.notebook import notebook_spec
from collapse.plotting import MAX_WIDTH_IN, MIN_TEXT_PX, displayed_text_px
from collapse.validation import parse_numbers


def quick(notebook: str) -> dict[str, Any]:
    """The quick-profile parameters of a notebook."""
    values = notebook_spec(Path(NOTEBOOKS) / f"{notebook}.md").resolve("quick")
    values.pop("progress", None)
    return values


def _fig3(q: dict[str, Any]) -> Any:
    q["n_values"] = parse_numbers("n_values", q["n_values"], int)
    return seddik_schemes.fig3_data(**q)


def _fig4(q: dict[str, Any]) -> Any:
    q["s0_values"] = parse_numbers("s0_values", q["s0_values"])
    return seddik_schemes.fig4_data(**q)


def _fig6(q: dict[str, Any]) -> Any:
    q["windows"] = (q.pop("window_a"), q.pop("window_b"))
    return seddik_schemes.fig6_data(**q)


def _chain(q: dict[str, Any]) -> Any:
    q["p"] = parse_numbers("p", q["p"])
    return extensions.exact_chain_data(**q)


def _acc(q: dict[str, Any]) -> Any:
    q["rates"] = parse_numbers("rates", q["rates"])
    return extensions.accumulate_subsample_data(**q)


def _thm2(q: dict[str, Any]) -> Any:
    return theory.theorem2_data(**q)


def _w21(q: dict[str, Any]) -> Any:
    q["rates"] = parse_numbers("rates", q["rates"])
    return wang.wang_count_model_data(**q)


def _thm3(q: dict[str, Any]) -> Any:
    return theory.theorem3_table()


# notebook stem -> (quick data from the notebook's parameters, drawing function)
FIGURES: dict[str, tuple[Callable[[dict[str, Any]], Any], Callable[[Any], Figure]]] = {
    "seddik_fig1": (lambda q: seddik.fig1_data(**q), seddik.fig1_plot),
    "seddik_fig2": (lambda q: seddik_schemes.fig2_data(**q), seddik_schemes.fig2_plot),
    "seddik_fig3": (_fig3, lambda d: seddik_schemes.partially_synthetic_plot(d, by="n")),
    "seddik_fig4": (_fig4, lambda d: seddik_schemes.partially_synthetic_plot(d, by="p")),
    "seddik_fig6": (_fig6, seddik_schemes.fig6_plot),
    "theory_seddik_theorem1": (lambda q: seddik.theorem1_data(**q), seddik.theorem1_plot),
    "theory_seddik_theorem2": (_thm2, theory.theorem2_plot),
    "theory_seddik_theorem3": (_thm3, theory.theorem3_plot),
    "theory_exact_chain": (_chain, extensions.exact_chain_plot),
    "wang_accumulate_subsample": (_acc, extensions.accumulate_subsample_plot),
    "wang_fig1": (lambda q: wang.wang_fig1_data(**q), wang.wang_fig1_plot),
    # the committed CPU-scale results (the quick profile recomputes; see test_notebook.py)
    "seddik_fig5": (lambda q: seddik_lm.fig5_data(), seddik_lm.fig5_plot),
    "wang_fig2": (lambda q: wang_lm.wang_lm_data(), wang_lm.wang_fig2_plot),
    "wang_fig3": (lambda q: wang_lm.wang_lm_data(), wang_lm.wang_fig3_plot),
    "theory_wang_theorem21": (_w21, wang.wang_count_model_plot),
}

_CACHE: dict[str, Any] = {}


def quick_data(name: str) -> Any:
    if name not in _CACHE:
        _CACHE[name] = FIGURES[name][0](quick(name))
    return _CACHE[name]


def _arrays(data: Any) -> dict[str, Any]:
    return data.arrays() if hasattr(data, "arrays") else dict(vars(data))


def test_every_notebook_has_a_figure_regression() -> None:
    assert {p.stem for p in NOTEBOOKS.glob("*.md")} == set(FIGURES)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_data_matches_baseline(name: str, data_baseline) -> None:  # type: ignore[no-untyped-def]
    data_baseline(f"{name}_quick", _arrays(quick_data(name)))


@pytest.mark.parametrize("name", sorted(FIGURES))
@pytest.mark.mpl_image_compare(**MPL_COMPARE)
def test_figure_image(name: str) -> Figure:
    return FIGURES[name][1](quick_data(name))


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_text_is_legible_in_the_book_column(name: str) -> None:
    """Shown in the 672-px content column, every text of the figure is >= 9 CSS px tall."""
    fig = FIGURES[name][1](quick_data(name))
    try:
        assert fig.get_figwidth() <= MAX_WIDTH_IN
        assert displayed_text_px(fig) >= MIN_TEXT_PX
    finally:
        plt.close(fig)


def test_fig1_data_is_consistent() -> None:
    data = quick_data("seddik_fig1")
    summary = data.summary()
    assert summary["contexts"] == 9
    assert summary["max_T"] == summary["generations"]  # the run stops at the last collapse
    final = data.trajectory[-1]
    assert (final.max(axis=1) == 1.0).all()  # every context ends on a vertex
    assert np.array_equal(final.argmax(axis=1), data.collapse_token)


def test_fig1_paper_scale_mean_collapse_time_within_eq8() -> None:
    # The book's own parameters: the mean of T over 81 contexts vs the mean eq. (8) bounds.
    data = seddik.fig1_data(n=1000, context_length=4, seed=2024)
    summary = data.summary()
    se = float(data.collapse_time.std(ddof=1) / np.sqrt(data.contexts))
    assert summary["contexts"] == 81
    assert summary["mean_bound_lower"] - 3 * se <= summary["mean_T"]
    assert summary["mean_T"] <= summary["mean_bound_upper"] + 3 * se


def test_fig2_paper_scale_every_point_respects_eq8() -> None:
    data = seddik_schemes.fig2_data()  # 4 distributions x 9 sample sizes x 100 runs
    assert data.mean_T.shape == (4, 9)
    assert data.n_values.tolist() == [10, 50, 100, 150, 200, 250, 300, 350, 400]
    slack = 3 * data.se_T
    assert (data.mean_T + slack >= data.lower).all()
    assert (data.mean_T - slack <= data.upper).all()


def test_initial_distributions_attain_their_s0_and_support() -> None:
    data = seddik_schemes.fig2_data(n_max=10, runs=2)
    np.testing.assert_allclose((data.initial**2).sum(axis=1), data.s0, rtol=1e-12)
    assert ((data.initial > 0).sum(axis=1) == data.support).all()
