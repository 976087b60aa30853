"""One grammar for every value typed on a command line: ``collapse run -p NAME VALUE`` (notebook
parameters) and ``--set NAME VALUE`` (language-model settings) read text the same way.

The type comes from the declaration (a notebook's parameters cell, a config dataclass's field),
never from the look of the text, so ``--set compile 1`` is ``True`` and ``--set seed 1`` is
``1``. Accepted words:

========  =====================================================================
int       decimal digits with an optional sign (``12``, ``-3``, ``1_000``); not ``2.5``
float     any Python float literal that is finite (``0.1``, ``1e-3``); not ``inf``/``nan``
bool      ``true/false``, ``yes/no``, ``on/off``, ``1/0`` (any case)
str       the text as given
tuple     comma-separated items of one of the types above (``10,100,1000``), read by
          :func:`collapse.validation.parse_numbers` for the notebooks' list parameters
========  =====================================================================

A text that does not fit raises :class:`SettingError` whose message names the setting and
what it must be. Ranges are the declaration's business (checked after conversion).
"""

from __future__ import annotations

import math
import re
from typing import Any

TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")
TYPE_WORDS = {int: "an integer", float: "a finite real number", bool: "true or false",
              str: "a string"}
_INT = re.compile(r"[+-]?\d+(_\d+)*")
MAX_INT_DIGITS = 30
"""Longer integers are refused while parsing (Python's own limit is 4,300 digits; nothing in
the package accepts a number near 10^30)."""


class SettingError(ValueError):
    """A command-line value that does not fit its declared type."""


def parse_text(text: str, kind: type) -> Any:
    """Convert ``text`` to ``kind`` (int, float, bool or str) or raise ``ValueError``."""
    word = text.strip()
    if kind is str:
        return text
    if kind is bool:
        if word.lower() in TRUE_WORDS:
            return True
        if word.lower() in FALSE_WORDS:
            return False
        raise ValueError(text)
    if kind is int:
        if not _INT.fullmatch(word) or len(word) > MAX_INT_DIGITS:
            raise ValueError(text)
        return int(word)
    if kind is float:
        value = float(word)  # ValueError for non-numbers
        if not math.isfinite(value):
            raise ValueError(text)
        return value
    raise TypeError(f"no text grammar for {kind!r}")


def parse_setting(name: str, text: str, kind: type) -> Any:
    """``text`` as ``kind``, or :class:`SettingError` naming ``name`` and the type."""
    try:
        return parse_text(text, kind)
    except ValueError:
        allowed = TYPE_WORDS[kind]
        if kind is bool:
            allowed += f" ({'/'.join(TRUE_WORDS)} or {'/'.join(FALSE_WORDS)})"
        raise SettingError(f"{name} must be {allowed}, got {text!r}") from None


def parse_settings(pairs: list[tuple[str, str]] | list[list[str]], types: dict[str, type], *,
                   options: dict[str, str] | None = None,
                   derived: dict[str, str] | None = None) -> dict[str, Any]:
    """``--set NAME VALUE`` pairs as typed values, every name and text checked.

    Args:
        pairs: (name, text) in command-line order.
        types: the settable names and their types.
        options: names that are chosen by a command option instead (``scheme`` → ``--scheme``).
        derived: names computed from other settings, with the reason (refused as settings).
    """
    values: dict[str, Any] = {}
    for name, text in pairs:
        if options and name in options:
            raise SettingError(f"{name} is chosen with {options[name]}, not --set")
        if derived and name in derived:
            raise SettingError(f"{name} can't be set: {derived[name]}")
        if name not in types:
            raise SettingError(f"unknown setting '{name}'; settings: {', '.join(sorted(types))}")
        if name in values:
            raise SettingError(f"setting '{name}' given twice")
        values[name] = parse_setting(name, text, types[name])
    return values
