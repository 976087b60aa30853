"""Shared fixtures: committed data baselines for the numbers behind every figure.

``make baselines`` (pytest ``--update-data-baselines``) rewrites them; otherwise a test compares
freshly computed arrays with ``tests/baseline/data/<name>.npz``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
DATA_BASELINES = Path(__file__).parent / "baseline" / "data"
NOTEBOOKS = ROOT / "notebooks"

# Every image comparison uses the same settings: the figure functions apply the project style
# themselves; pytest-mpl only saves (at a fixed dpi, without metadata) and compares.
MPL_COMPARE: dict[str, Any] = {
    "style": "default",
    "tolerance": 2,
    "savefig_kwargs": {"dpi": 80, "metadata": {"Software": None}},
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-data-baselines", action="store_true", default=False,
                     help="rewrite tests/baseline/data/*.npz instead of comparing with them")


@pytest.fixture
def data_baseline(request: pytest.FixtureRequest) -> Callable[[str, Mapping[str, Any]], None]:
    """Compare ``arrays`` with the committed baseline ``name`` (or rewrite it on request)."""
    update = request.config.getoption("--update-data-baselines")

    def check(name: str, arrays: Mapping[str, Any], rtol: float = 1e-9) -> None:
        path = DATA_BASELINES / f"{name}.npz"
        fresh = {key: np.asarray(value) for key, value in arrays.items()}
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(path, **fresh)  # type: ignore[arg-type]
            return
        assert path.exists(), f"no data baseline {path.name}; run `make baselines`"
        with np.load(path) as stored:
            assert sorted(stored.files) == sorted(fresh), f"{name}: keys changed"
            for key in stored.files:
                expected, actual = stored[key], fresh[key]
                assert expected.shape == actual.shape, f"{name}.{key}: shape changed"
                if not np.issubdtype(expected.dtype, np.floating):  # ints, bools, strings
                    np.testing.assert_array_equal(actual, expected, err_msg=f"{name}.{key}")
                else:
                    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=1e-12,
                                               err_msg=f"{name}.{key}")

    return check
