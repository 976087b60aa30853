"""The book's pages: one module per notebook, named after it.

``notebooks/seddik_fig3.md`` is drawn by ``collapse.pages.seddik_fig3``, and so on for every
page (:data:`PAGES`). The library (:mod:`collapse.schemes`, :mod:`collapse.statistical`,
:mod:`collapse.markov`, :mod:`collapse.theory`, :mod:`collapse.gpt`) knows nothing of pages;
a page module holds everything its page computes:

``data(**parameters)``
    the numbers, from the notebook's parameters by name (the parameters cell of the notebook is
    the one declaration of names, types, ranges and defaults; ``data``'s keyword defaults equal
    it, which ``tests/test_pages.py`` checks). Returns a dataclass with ``arrays()`` (the
    ``.npz`` download and the data baseline).
``plot(data)``
    the figure.
``summary(data)``
    the numbers (and short texts) the prose quotes, plain ``float``/``int``/``str``; glued as
    ``<stem>_<key>``.
``CLAIMS``
    the paper's statements the page tests, :class:`collapse.report.Claim` rules on the summary
    (thresholds written once, there); optionally ``BOOKKEEPING``, checks that never make a
    verdict.

and optionally ``markdown(data, values)`` (tables and blocks glued as Markdown,
``<stem>_<key>``) and ``report_context(values)`` (scale, provenance and re-run commands of a
page drawn from committed results). :func:`collapse.publish.publish` is the notebook's one
call into its page.
Pieces several pages share (array export, colours, result tables) are in
:mod:`collapse.pages.common`.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

NOT_PAGES = frozenset({"common"})
PAGES: tuple[str, ...] = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__)
                                      if m.name not in NOT_PAGES))
"""Every page's stem: ``notebooks/<stem>.md`` is drawn by ``collapse.pages.<stem>``."""
LM_PAGES = frozenset({"seddik_fig5", "wang_fig2", "wang_fig3"})
"""Pages drawn from committed language-model runs (``data()`` reads them; their ``quick``
profile retrains tiny models, minutes, which ``tests/test_notebook.py`` runs)."""


def load(stem: str) -> ModuleType:
    """The page module of ``notebooks/<stem>.md``."""
    if stem not in PAGES:
        raise ValueError(f"no page module for notebook '{stem}'; pages: {', '.join(PAGES)}")
    return importlib.import_module(f"{__name__}.{stem}")
