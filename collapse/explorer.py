"""Parameter explorers that work in the page without a kernel: numbers precomputed on a grid.

A page module's ``explorer(values)`` returns an :class:`Explorer`: one or two controls (a
selector or a slider over a few values each), and for every point of their grid the series of
the figure's key panel (lines, points with ±2 SE bars, bands) and a few numbers, all computed by
the package at build time. :func:`Explorer.html` writes it as one ``<div>`` holding the JSON;
``book/static/explorer.js`` (served with the book, no library, nothing fetched) draws the panel
as SVG and redraws it when a control moves.

Why a hand-written drawer: the panels need lines, error bars, bands and log axes, nothing
more; a 200-line script (about 8 KB) does that with no dependency to vendor, while a charting
library from the npm registry (Chart.js about 200 KB, Plotly about 3.5 MB, Vega about 800 KB)
would add weight and a build step for no feature the pages use.

Cost: each explorer's grid is stated on its page (points × runs); the data of one explorer is
tens of KB of JSON at most (``tests/test_explorer.py`` bounds it).
"""

from __future__ import annotations

import html
import itertools
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

MAX_BYTES = 200_000
"""The largest explorer a page may carry (its JSON, in bytes)."""


def _clean(values: Any, digits: int = 5) -> list[float | None]:
    """Floats rounded to ``digits`` significant digits, NaN/inf as None (JSON null)."""
    out: list[float | None] = []
    for v in np.asarray(values, dtype=float).ravel():
        out.append(None if not math.isfinite(v) else float(f"{v:.{digits}g}"))
    return out


@dataclass(frozen=True)
class Series:
    """One drawn series: a line (``style`` "line" or "dashed"), points with bars, or a band."""

    label: str
    x: ArrayLike
    y: ArrayLike
    se: ArrayLike | None = None  # drawn as ±2 SE (bars for points, a band for lines)
    style: str = "line"
    color: str = "#0072B2"

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label, "x": _clean(self.x), "y": _clean(self.y),
                               "style": self.style, "color": self.color}
        if self.se is not None:
            out["se"] = _clean(self.se, 3)
        return out


@dataclass(frozen=True)
class Panel:
    """What one grid point shows: its series and the numbers printed under the drawing."""

    series: Sequence[Series]
    numbers: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True)
class Control:
    """A selector (``kind`` "select") or a slider ("range") over ``values``, shown as
    ``labels``; ``initial`` is the index drawn first (the page's own value where it is on
    the grid)."""

    name: str
    label: str
    values: Sequence[Any]
    labels: Sequence[str] | None = None
    kind: str = "range"
    initial: int = 0

    def shown(self) -> list[str]:
        return list(self.labels) if self.labels is not None else [f"{v:g}" if isinstance(
            v, float) else str(v) for v in self.values]


@dataclass(frozen=True)
class Explorer:
    """Controls, axes, and a :class:`Panel` per grid point (the product of the controls)."""

    page: str
    title: str
    controls: Sequence[Control]
    xlabel: str
    ylabel: str
    panels: dict[tuple[int, ...], Panel]
    xlog: bool = False
    ylog: bool = False
    note: str = ""
    cost: str = field(default="")

    @classmethod
    def from_grid(cls, page: str, title: str, controls: Sequence[Control],
                  panel: Callable[..., Panel], **kwargs: Any) -> Explorer:
        """Call ``panel(**{control.name: value})`` at every point of the controls' grid."""
        panels = {}
        for index in itertools.product(*(range(len(c.values)) for c in controls)):
            point = {c.name: c.values[i] for c, i in zip(controls, index, strict=True)}
            panels[index] = panel(**point)
        return cls(page=page, title=title, controls=controls, panels=panels, **kwargs)

    def as_json(self) -> dict[str, Any]:
        return {
            "page": self.page, "title": self.title, "note": self.note,
            "x": {"label": self.xlabel, "log": self.xlog},
            "y": {"label": self.ylabel, "log": self.ylog},
            "controls": [{"name": c.name, "label": c.label, "kind": c.kind,
                          "labels": c.shown(), "initial": c.initial} for c in self.controls],
            "panels": {",".join(map(str, k)): {
                "series": [s.as_json() for s in p.series],
                "numbers": [list(n) for n in p.numbers]} for k, p in self.panels.items()},
        }

    def html(self) -> str:
        """The explorer's ``<div>``: its data as JSON in an attribute, drawn by explorer.js;
        without JavaScript the reader sees what it is and where the data are."""
        data = json.dumps(self.as_json(), separators=(",", ":"), ensure_ascii=False)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"explorer of {self.page} is {len(data.encode()):,} bytes of JSON, "
                             f"more than {MAX_BYTES:,}: use a coarser grid")
        return (f'<div class="collapse-explorer" id="explorer-{self.page}" '
                f"data-explorer='{html.escape(data, quote=True)}'>"
                f"<p class=\"explorer-fallback\">{html.escape(self.title)}: an interactive "
                "panel drawn by JavaScript from numbers computed when the book was built.</p>"
                "</div>")


def panel_value(explorer: Explorer, index: tuple[int, ...], label: str) -> str:
    """The number printed as ``label`` at grid point ``index`` (what the browser test reads)."""
    return dict(explorer.panels[index].numbers)[label]


def mean_se(values: Any, axis: int = -1) -> tuple[Any, Any]:
    """Mean and standard error of the mean along ``axis`` (runs)."""
    v = np.asarray(values, dtype=float)
    return v.mean(axis=axis), v.std(axis=axis, ddof=1) / np.sqrt(v.shape[axis])


def collapsed_by(times: Any, generations: int) -> Any:
    """(G+1,) share of runs collapsed by generation m = 0..G (``NOT_COLLAPSED`` never is)."""
    from collapse.statistical import NOT_COLLAPSED

    t = np.asarray(times)
    m = np.arange(generations + 1)
    return ((t[None, :] <= m[:, None]) & (t[None, :] != NOT_COLLAPSED)).mean(axis=1)


def pm(mean: float, se: float, digits: int = 3) -> str:
    """``"0.512 ± 0.0041"``, ``"1639 ± 180"``: the mean to ``digits`` significant digits (all of
    its integer digits), the SE to two."""
    def two(x: float) -> str:
        return f"{x:.0f}" if abs(x) >= 10 else f"{x:.2g}"

    shown = f"{mean:.0f}" if abs(mean) >= 10 ** digits else f"{mean:.{digits}g}"
    return f"{shown} ± {two(se)}"
