"""Figure regression: the numbers behind each figure (data baselines) and its image (pytest-mpl).

Both use the notebooks' ``quick`` profile so they run in seconds; ``make baselines`` regenerates
both kinds of baseline.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import MPL_COMPARE, NOTEBOOKS

from collapse.figures.seddik import fig1_data, fig1_plot, theorem1_data, theorem1_plot
from collapse.notebook import notebook_spec


def _quick(notebook: str) -> dict[str, object]:
    """The quick-profile parameters of a notebook, minus those that are not data arguments."""
    values = notebook_spec(Path(NOTEBOOKS) / notebook).resolve("quick")
    values.pop("progress", None)
    return values


@pytest.fixture(scope="module")
def fig1_quick():  # type: ignore[no-untyped-def]
    return fig1_data(**_quick("seddik_fig1.md"))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def theorem1_quick():  # type: ignore[no-untyped-def]
    return theorem1_data(**_quick("theory_seddik_theorem1.md"))  # type: ignore[arg-type]


def test_fig1_data_matches_baseline(fig1_quick, data_baseline) -> None:  # type: ignore[no-untyped-def]
    data_baseline("seddik_fig1_quick", fig1_quick.arrays())


def test_fig1_data_is_consistent(fig1_quick) -> None:  # type: ignore[no-untyped-def]
    summary = fig1_quick.summary()
    assert summary["contexts"] == 9
    assert summary["max_T"] == summary["generations"]  # the run stops at the last collapse
    final = fig1_quick.trajectory[-1]
    assert (final.max(axis=1) == 1.0).all()  # every context ends on a vertex
    assert np.array_equal(final.argmax(axis=1), fig1_quick.collapse_token)


def test_fig1_paper_scale_mean_collapse_time_within_eq8() -> None:
    # The book's own parameters: the mean of T over 81 contexts vs the mean eq. (8) bounds.
    data = fig1_data(n=1000, context_length=4, seed=2024)
    summary = data.summary()
    se = float(data.collapse_time.std(ddof=1) / np.sqrt(data.contexts))
    assert summary["contexts"] == 81
    assert summary["mean_bound_lower"] - 3 * se <= summary["mean_T"]
    assert summary["mean_T"] <= summary["mean_bound_upper"] + 3 * se


def test_theorem1_data_matches_baseline(theorem1_quick, data_baseline) -> None:  # type: ignore[no-untyped-def]
    data_baseline("theory_seddik_theorem1_quick", vars(theorem1_quick))


@pytest.mark.mpl_image_compare(filename="seddik_fig1_quick.png", **MPL_COMPARE)
def test_fig1_image(fig1_quick):  # type: ignore[no-untyped-def]
    return fig1_plot(fig1_quick)


@pytest.mark.mpl_image_compare(filename="theory_seddik_theorem1_quick.png", **MPL_COMPARE)
def test_theorem1_image(theorem1_quick):  # type: ignore[no-untyped-def]
    return theorem1_plot(theorem1_quick)
