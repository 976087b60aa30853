"""Figure regression: the numbers behind each figure (data baselines) and its image (pytest-mpl).

Both use each notebook's ``quick`` profile, through the same package calls as the notebook;
``make baselines`` regenerates both kinds of baseline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import MPL_COMPARE, NOTEBOOKS
from matplotlib.figure import Figure

from collapse import pages
from collapse.notebook import notebook_spec
from collapse.plotting import MAX_WIDTH_IN, MIN_TEXT_PX, displayed_text_px


def quick(notebook: str) -> dict[str, Any]:
    """The quick-profile parameters of a notebook (the LM pages read the committed results)."""
    return notebook_spec(Path(NOTEBOOKS) / f"{notebook}.md").resolve("quick")


_CACHE: dict[str, Any] = {}


def quick_data(name: str) -> Any:
    """The page's data at its quick profile (cached: several tests draw the same numbers)."""
    if name not in _CACHE:
        _CACHE[name] = pages.load(name).data(**({} if name in pages.LM_PAGES else quick(name)))
    return _CACHE[name]


def test_every_notebook_has_a_page_module() -> None:
    assert {p.stem for p in NOTEBOOKS.glob("*.md")} == set(pages.PAGES)


@pytest.mark.parametrize("name", pages.PAGES)
def test_figure_data_matches_baseline(name: str, data_baseline) -> None:  # type: ignore[no-untyped-def]
    data_baseline(f"{name}_quick", quick_data(name).arrays())


@pytest.mark.parametrize("name", pages.PAGES)
@pytest.mark.mpl_image_compare(**MPL_COMPARE)
def test_figure_image(name: str) -> Figure:
    return pages.load(name).plot(quick_data(name))


@pytest.mark.parametrize("name", pages.PAGES)
def test_figure_text_is_legible_in_the_book_column(name: str) -> None:
    """Shown in the 672-px content column, every text of the figure is >= 9 CSS px tall."""
    fig = pages.load(name).plot(quick_data(name))
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
    data = pages.load("seddik_fig1").data(n=1000, context_length=4, seed=2024)
    summary = data.summary()
    se = float(data.collapse_time.std(ddof=1) / np.sqrt(data.contexts))
    assert summary["contexts"] == 81
    assert summary["mean_bound_lower"] - 3 * se <= summary["mean_T"]
    assert summary["mean_T"] <= summary["mean_bound_upper"] + 3 * se


def test_fig2_paper_scale_every_point_respects_eq8() -> None:
    data = pages.load("seddik_fig2").data()  # 4 distributions x 9 sample sizes x 100 runs
    assert data.mean_T.shape == (4, 9)
    assert data.n_values.tolist() == [10, 50, 100, 150, 200, 250, 300, 350, 400]
    slack = 3 * data.se_T
    assert (data.mean_T + slack >= data.lower).all()
    assert (data.mean_T - slack <= data.upper).all()


def test_initial_distributions_attain_their_s0_and_support() -> None:
    data = pages.load("seddik_fig2").data(n_max=10, runs=2)
    np.testing.assert_allclose((data.initial**2).sum(axis=1), data.s0, rtol=1e-12)
    assert ((data.initial > 0).sum(axis=1) == data.support).all()


@pytest.mark.parametrize("name", pages.PAGES)
def test_every_claim_reads_numbers_the_summary_has(name: str) -> None:
    """Each claim's rule and ledger number run on the page's own summary (quick profile)."""
    page = pages.load(name)
    summary = page.summary(quick_data(name))
    for claim in (*page.CLAIMS, *getattr(page, "BOOKKEEPING", ())):
        claim.outcome(summary)
        what, value, _se = claim.measured(summary)
        assert claim.measure is None or (what and value is not None), claim.key


def test_wang_fig3_labels_a_tick_above_every_perplexity() -> None:
    from collapse.pages.wang_fig3 import log_ticks

    ticks = log_ticks(np.array([36.0, 115.0]))
    assert ticks[0] <= 36 and ticks[-1] >= 115 and 100 in ticks and 150 in ticks
    assert log_ticks(np.array([12.0, 14.0])) == [10.0, 15.0]


EXPLORER_PAGES = [name for name in pages.PAGES if hasattr(pages.load(name), "explorer")]


@pytest.mark.parametrize("name", EXPLORER_PAGES)
def test_explorer_is_well_formed_at_the_quick_profile(name: str) -> None:
    """One panel per grid point, every series drawable, the initial point on the grid, and
    the JSON within the page-weight bound (html() raises beyond it)."""
    values = {} if name in pages.LM_PAGES else quick(name)
    explorer = pages.load(name).explorer(quick_data(name), values)
    assert len(explorer.panels) == int(np.prod([len(c.values) for c in explorer.controls]))
    for control in explorer.controls:
        assert 0 <= control.initial < len(control.values)
    for panel in explorer.panels.values():
        assert panel.numbers and panel.series
        for series in panel.series:
            assert np.asarray(series.x).shape == np.asarray(series.y).shape
    assert explorer.html().startswith('<div class="collapse-explorer"')


def test_fig2_explorer_shows_the_pages_numbers() -> None:
    data = quick_data("seddik_fig2")
    explorer = pages.load("seddik_fig2").explorer(data, quick("seddik_fig2"))
    from collapse.explorer import panel_value

    n = int(data.n_values[-1])
    assert panel_value(explorer, (1,), f"mean T at n = {n}") == (
        f"{data.mean_T[1, -1]:.1f} ± {data.se_T[1, -1]:.1f}")
