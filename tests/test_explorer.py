"""The explorers: their grid, their JSON, and numbers that are the package's."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pytest

from collapse import explorer as ex
from collapse.statistical import NOT_COLLAPSED


def small(values: tuple[int, ...] = (1, 2, 3)) -> ex.Explorer:
    def panel(a: int, b: str) -> ex.Panel:
        x = np.arange(4)
        return ex.Panel([ex.Series(f"{a}{b}", x, a * x + (b == "y"), np.full(4, 0.1)),
                         ex.Series("nan", x, [1, np.nan, np.inf, 2], style="dashed")],
                        numbers=[("a times 3", str(a * 3))])

    return ex.Explorer.from_grid(
        "page", "A <test>", [ex.Control("a", "a", list(values)),
                             ex.Control("b", "b", ["x", "y"], kind="select", initial=1)],
        panel, xlabel="m", ylabel="y")


def test_grid_json_and_html_round_trip() -> None:
    e = small()
    assert len(e.panels) == 6
    assert ex.panel_value(e, (2, 1), "a times 3") == "9"
    found = re.search(r"data-explorer='([^']*)'", e.html())
    assert found is not None
    spec = json.loads(html.unescape(found.group(1)))
    assert set(spec["panels"]) == {f"{i},{j}" for i in range(3) for j in range(2)}
    series = spec["panels"]["1,1"]["series"]
    assert series[0]["y"] == [1, 3, 5, 7] and series[0]["se"] == [0.1] * 4
    assert series[1]["y"] == [1, None, None, 2]  # NaN and inf as JSON null
    assert spec["controls"][1] == {"name": "b", "label": "b", "kind": "select",
                                   "labels": ["x", "y"], "initial": 1}
    assert "A &lt;test&gt;" in e.html()


def test_an_explorer_too_large_is_refused() -> None:
    e = small(tuple(range(3000)))
    with pytest.raises(ValueError, match="use a coarser grid"):
        e.html()


def test_helpers() -> None:
    assert ex.pm(0.51234, 0.00412) == "0.512 ± 0.0041"
    assert ex.pm(1639.4, 182.0, 3) == "1639 ± 182"
    mean, se = ex.mean_se([[1.0, 3.0]])
    assert mean[0] == 2.0 and se[0] == pytest.approx(1.0)
    share = ex.collapsed_by(np.array([0, 2, NOT_COLLAPSED, 5]), 4)
    assert list(share) == [0.25, 0.25, 0.5, 0.5, 0.5]
