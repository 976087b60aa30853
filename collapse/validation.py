"""Parameter checks shared by the whole package.

Every public function validates its inputs *before* any compute and raises ``ValueError`` (or
``TypeError``) naming the parameter and the allowed range, e.g.
``n must be an integer >= 1, got 0``.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import NDArray

PROBABILITY_ATOL = 1e-9
"""Tolerance on Σ p_i = 1 and p_i ≥ 0 for a probability vector (float64 rounding is ~1e-16·s)."""


def _describe_range(low: float | None, high: float | None, low_open: bool = False) -> str:
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low}, {high}]"
    if low is not None:
        return f"{'>' if low_open else '>='} {low}"
    if high is not None:
        return f"<= {high}"
    return "any value"


def check_int(name: str, value: Any, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as ``int`` if it is an integer within [low, high], else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer {_describe_range(low, high)}, "
                        f"got {value!r} ({type(value).__name__})")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be an integer {_describe_range(low, high)}, got {value}")
    return value


def check_float(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
) -> float:
    """Return ``value`` as ``float`` if it is a finite real within the range, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number {_describe_range(low, high, low_open)}, "
                        f"got {value!r} ({type(value).__name__})")
    value = float(value)
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and value > high
    if not np.isfinite(value) or below or above:
        raise ValueError(
            f"{name} must be a real number {_describe_range(low, high, low_open)}, got {value}"
        )
    return value


def check_generator(name: str, value: Any) -> np.random.Generator:
    """Return ``value`` if it is a ``numpy.random.Generator``, else raise ``TypeError``.

    Randomness is always passed explicitly as a Generator (no int seeds, no global state), so
    that which stream a result came from is visible at the call.
    """
    if not isinstance(value, np.random.Generator):
        kind = type(value)
        shown = (f"{value!r} ({kind.__name__})" if isinstance(value, numbers.Number | str)
                 or value is None else f"a {kind.__module__}.{kind.__qualname__}")
        raise TypeError(f"{name} must be a numpy.random.Generator, e.g. "
                        f"numpy.random.default_rng(0), got {shown}")
    return value


def check_distribution(name: str, p: Any, *, ndim: int = 1) -> NDArray[np.float64]:
    """Return ``p`` as a float64 array whose last axis is a probability vector, else raise.

    Args:
        name: the parameter name used in the error message.
        p: array-like with ``ndim`` dimensions; each slice along the last axis must be
            non-negative and sum to 1 (within ``PROBABILITY_ATOL``).
        ndim: required number of dimensions (1 for a single vector, 2 for (chains, s)).
    """
    if np.iscomplexobj(p):
        raise TypeError(f"{name} must hold real numbers, got complex values")
    try:
        arr = np.asarray(p, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of real numbers, got "
                        f"{type(p).__name__}") from None
    if arr.ndim != ndim or arr.shape[-1] < 1 or arr.size == 0:
        raise ValueError(f"{name} must be a {ndim}-d array of probability vectors, "
                         f"got shape {arr.shape}")
    if not np.isfinite(arr).all() or (arr < -PROBABILITY_ATOL).any():
        raise ValueError(f"{name} must have finite, non-negative entries")
    sums = arr.sum(axis=-1)
    worst = float(np.abs(sums - 1.0).max())
    if worst > PROBABILITY_ATOL:
        raise ValueError(
            f"{name} must sum to 1 along its last axis (worst |sum - 1| = {worst:.3g})"
        )
    return np.clip(arr, 0.0, None)


def parse_numbers(name: str, text: str, kind: type = float) -> tuple[Any, ...]:
    """Parse a list parameter such as ``"10, 100, 1000"`` (notebook parameters are scalars):
    comma-separated items in the grammar of :mod:`collapse.settings` (so ``1_000`` is an int
    and ``inf`` is no float), the tuple type of that grammar.

    Raises ``ValueError`` naming the parameter when an item is not a ``kind`` number.
    """
    from collapse.settings import parse_text

    parts = [part.strip() for part in str(text).split(",") if part.strip()]
    try:
        values = tuple(parse_text(part, kind) for part in parts)
    except ValueError:
        raise ValueError(
            f"{name} must be a comma-separated list of {kind.__name__} values, got {text!r}"
        ) from None
    if not values:
        raise ValueError(f"{name} must list at least one value, got {text!r}")
    return values


def progress_disabled(progress: bool | None) -> bool | None:
    """tqdm's ``disable=`` for the project's one progress flag: True shows the bar, False hides
    it, None shows it only on a terminal (tqdm's own rule for ``disable=None``)."""
    return None if progress is None else not progress


def check_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    """``value`` if it is one of ``choices`` (ValueError naming ``name`` and the choices)."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {{{', '.join(choices)}}}, got {value!r}")
    return value
