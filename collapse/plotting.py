"""One project style for every figure, and deterministic saving.

Every drawing function in :mod:`collapse.pages` draws inside ``with project_style():`` so the
book, the CLI and the image baselines of the tests all see identical rcParams whatever the
reader's matplotlibrc says. Saved files carry no software/date metadata, so the same numbers give
byte-identical PNGs.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import AutoLocator, MaxNLocator
from numpy.typing import NDArray

# Okabe–Ito, the colour-blind-safe palette (also seaborn's "colorblind" in spirit).
PALETTE: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
)
BOUND_COLOR = "#D55E00"
"""Colour of every theoretical bound drawn over simulated data (the paper's red dashes)."""

STYLE: dict[str, Any] = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.family": "DejaVu Sans",  # ships with matplotlib: identical glyphs on every machine
    # Sizes for the book's content column (COLUMN_PX): a figure at most MAX_WIDTH_IN wide shows
    # its smallest text (10 pt) at >= MIN_TEXT_PX CSS pixels on a 1280-px-wide screen.
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.labelsize": 10,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "legend.fontsize": 10,
    "lines.linewidth": 1.2,
    "image.cmap": "viridis",
    "svg.hashsalt": "collapse",
    "path.simplify": True,
}

COLUMN_PX = 672
"""Width of a figure in the book's content column, in CSS pixels, in a 1280-px window
(sphinx-book-theme 1.x; the browser test measures it)."""
MIN_TEXT_PX = 9.0
"""The smallest text a displayed figure may show, in CSS pixels."""
MAX_WIDTH_IN = 10.0
"""The widest figure: its PNG (``figure.dpi`` 100) is shrunk by COLUMN_PX / 1000 in the column,
so 10-pt text shows at 9.3 CSS px."""


def displayed_text_px(fig: Figure, column_px: float = COLUMN_PX) -> float:
    """The height in CSS pixels of ``fig``'s smallest visible text when the book shows it.

    The book shows a figure's PNG at ``figure.dpi`` pixels per inch, shrunk to the column when
    wider; a text of f points is f/72 inches tall.
    """
    from matplotlib.text import Text

    width_px = fig.get_figwidth() * fig.dpi
    shrink = min(1.0, column_px / width_px)
    sizes = [t.get_fontsize() for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip()]
    return float(min(sizes)) / 72.0 * fig.dpi * shrink


OUTPUT_DIR_ENV = "COLLAPSE_OUTPUT_DIR"
"""Environment variable set by ``collapse run``: where notebooks write figure and data files."""
DOWNLOADS_ENV = "COLLAPSE_DOWNLOADS"
"""Set by ``make book``: where a page's figure (SVG), numbers (.npz) and notebook (.ipynb) are
written for the page to offer as downloads (``_build/downloads``, outside the source tree)."""


@contextlib.contextmanager
def project_style() -> Iterator[None]:
    """Apply the project's rcParams (on top of matplotlib's defaults) inside the block; the
    figures made in it get whole-number ticks on their counting axes (:func:`integer_ticks`)."""
    before = set(plt.get_fignums())
    with mpl.rc_context(), plt.style.context("default"):
        mpl.rcParams.update(STYLE)  # type: ignore[arg-type]
        yield
        for number in set(plt.get_fignums()) - before:
            integer_ticks(plt.figure(number))


COUNTING_AXES = re.compile(r"generation|sample size|window|collapse time|runs|tokens still")
"""Axis labels of quantities that are whole numbers (no tick at 2.5 generations)."""


def integer_ticks(fig: Figure) -> None:
    """Whole-number ticks on every linear axis labelled as a count (:data:`COUNTING_AXES`)
    whose ticks matplotlib chose itself (explicitly set ticks are left alone)."""
    for ax in fig.axes:
        for axis, scale in ((ax.xaxis, ax.get_xscale()), (ax.yaxis, ax.get_yscale())):
            label = axis.get_label().get_text()
            if (scale == "linear" and COUNTING_AXES.search(label)
                    and isinstance(axis.get_major_locator(), AutoLocator)):
                # AutoLocator's own spacing without its 2.5 steps: 0, 100, …, 500, not 0, 60, …
                axis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 5, 10],
                                                   integer=True))


def save_figure(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Save ``fig`` without metadata that changes from run to run; the format follows the suffix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata: dict[str, Any] = {"Software": None}
    if path.suffix == ".svg":
        metadata = {"Date": None, "Creator": None}
    elif path.suffix == ".pdf":
        metadata = {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None}
    fig.savefig(path, metadata=metadata, dpi=STYLE["savefig.dpi"])
    return path


def output_dir() -> Path | None:
    """The directory ``collapse run`` asked notebooks to write into, or None (book build)."""
    value = os.environ.get(OUTPUT_DIR_ENV)
    return Path(value) if value else None


def downloads_dir() -> Path | None:
    """Where the book build collects each page's downloads, or None (not a book build)."""
    value = os.environ.get(DOWNLOADS_ENV)
    return Path(value).resolve() if value else None


def export(fig: Figure, data: dict[str, Any], name: str) -> list[Path]:
    """Write ``fig`` (PNG and SVG) and ``data`` (.npz) under ``$COLLAPSE_OUTPUT_DIR``.

    Notebooks call this unconditionally. ``collapse run`` sets that variable; ``make book`` sets
    ``$COLLAPSE_DOWNLOADS`` instead (the SVG and .npz a page offers for download). With neither
    set nothing is written, and never into the source tree.
    """
    directory = output_dir() or downloads_dir()
    if directory is None:
        return []
    exts = ("png", "svg") if output_dir() is not None else ("svg",)
    written = [save_figure(fig, directory / f"{name}.{ext}") for ext in exts]
    arrays = {key: np.asarray(value) for key, value in data.items()}
    npz = directory / f"{name}.npz"
    np.savez_compressed(npz, **arrays)  # type: ignore[arg-type]
    written.append(npz)
    return written


# --- ternary (2-simplex) geometry -------------------------------------------------------------

TRIANGLE = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3.0) / 2.0]])
"""Cartesian positions of the vertices δ_1, δ_2, δ_3 of the 2-simplex."""


def simplex_to_xy(p: NDArray[np.float64]) -> NDArray[np.float64]:
    """Map probability vectors (..., 3) to their point (..., 2) in the equilateral triangle."""
    p = np.asarray(p, dtype=np.float64)
    if p.shape[-1] != 3:
        raise ValueError(f"simplex_to_xy needs vectors of length 3, got shape {p.shape}")
    return p @ TRIANGLE


def draw_simplex(ax: Axes, labels: Sequence[str] = ("token 1", "token 2", "token 3")) -> None:
    """Draw the triangle outline, a light 0.1 grid and the vertex labels on ``ax``."""
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_xlim(-0.14, 1.14)  # room for the vertex labels inside the axes
    ax.set_ylim(-0.09, 0.95)
    outline = np.vstack([TRIANGLE, TRIANGLE[:1]])
    ax.plot(outline[:, 0], outline[:, 1], color="0.2", lw=1.0, zorder=1)
    for level in np.arange(0.1, 1.0, 0.1):
        for k in range(3):
            a = np.zeros(3)
            b = np.zeros(3)
            a[k] = b[k] = level
            a[(k + 1) % 3] = 1 - level
            b[(k + 2) % 3] = 1 - level
            seg = simplex_to_xy(np.vstack([a, b]))
            ax.plot(seg[:, 0], seg[:, 1], color="0.88", lw=0.5, zorder=0)
    offsets = [(-0.04, -0.05, "right"), (0.04, -0.05, "left"), (0.0, 0.04, "center")]
    for (x, y), (dx, dy, ha), label in zip(TRIANGLE, offsets, labels, strict=True):
        ax.text(x + dx, y + dy, label, ha=ha, va="center", fontsize=10)
