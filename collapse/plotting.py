"""One project style for every figure, and deterministic saving.

Every drawing function in :mod:`collapse.figures` draws inside ``with project_style():`` so the
book, the CLI and the image baselines of the tests all see identical rcParams whatever the
reader's matplotlibrc says. Saved files carry no software/date metadata, so the same numbers give
byte-identical PNGs.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure
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
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "lines.linewidth": 1.2,
    "image.cmap": "viridis",
    "svg.hashsalt": "collapse",
    "path.simplify": True,
}

OUTPUT_DIR_ENV = "COLLAPSE_OUTPUT_DIR"
"""Environment variable set by ``collapse run``: where notebooks write figure and data files."""


@contextlib.contextmanager
def project_style() -> Iterator[None]:
    """Apply the project's rcParams (on top of matplotlib's defaults) inside the block."""
    with mpl.rc_context(), plt.style.context("default"):
        mpl.rcParams.update(STYLE)  # type: ignore[arg-type]
        yield


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


def export(fig: Figure, data: dict[str, Any], name: str) -> list[Path]:
    """Write ``fig`` (PNG and SVG) and ``data`` (.npz) under ``$COLLAPSE_OUTPUT_DIR``, if set.

    Notebooks call this unconditionally; in the book build the variable is unset and nothing is
    written into the source tree.
    """
    directory = output_dir()
    if directory is None:
        return []
    written = [save_figure(fig, directory / f"{name}.{ext}") for ext in ("png", "svg")]
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
        ax.text(x + dx, y + dy, label, ha=ha, va="center", fontsize=9)
